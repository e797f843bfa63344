using InitLab.Experiments;

namespace InitLab.Tests.Experiments;

public class SweepGridTests
{
    private static IReadOnlyList<SweepRun> Grid() => SweepGrid.Build(["zeros", "normal:std=1", "he-normal"], [[784, 32, 10], [784, 16, 16, 10]], ["relu", "tanh"], 3, 777);

    [Fact]
    public void GridHasEveryCombinationOnceWithDistinctIds()
    {
        var grid = Grid();
        Assert.Equal(3 * 2 * 2 * 3, grid.Count);
        Assert.Equal(grid.Count, grid.Select(r => r.Id).Distinct().Count());
        Assert.Equal(grid.Select(r => r.Id).Order(StringComparer.Ordinal), grid.Select(r => r.Id));
        Assert.Contains(grid, r => r.Id == "he-normal__784-16-16-10__tanh__s779");
        // A spec with characters unsafe in a file name keeps a readable name plus a hash of the exact spec.
        var normal = grid.First(r => r.Init == "normal:std=1");
        Assert.Matches(@"^normal_std_1-[0-9a-f]{6}__", normal.Id);
        Assert.NotEqual(SweepGrid.Build(["normal:std=2"], [[784, 10]], ["relu"], 1, 1)[0].Id.Split("__")[0], SweepGrid.Build(["normal:std=1"], [[784, 10]], ["relu"], 1, 1)[0].Id.Split("__")[0]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(50)]
    public void ShardsAreDisjointAndCoverTheGrid(int n)
    {
        var grid = Grid();
        var shards = Enumerable.Range(0, n).Select(i => SweepGrid.Shard(grid, i, n)).ToList();
        var all = shards.SelectMany(s => s.Select(r => r.Id)).ToList();
        Assert.Equal(grid.Count, all.Count);
        Assert.Equal(grid.Select(r => r.Id).Order(), all.Order());
        // Round-robin: sizes differ by at most one.
        Assert.True(shards.Max(s => s.Count) - shards.Min(s => s.Count) <= 1);
        Assert.Equal(grid[1].Id, n == 1 ? shards[0][1].Id : shards[1][0].Id);
    }

    [Theory]
    [InlineData("1/1")]
    [InlineData("4/4")]
    [InlineData("-1/4")]
    [InlineData("a/4")]
    [InlineData("2")]
    [InlineData("0/0")]
    public void BadShardsAreRejected(string text) => Assert.Throws<FormatException>(() => SweepGrid.ParseShard(text));

    [Fact]
    public void ShardParses() => Assert.Equal((3, 8), SweepGrid.ParseShard("3/8"));

    [Fact]
    public void RepeatedInitIsRejected() =>
        Assert.Throws<UserInputException>(() => SweepGrid.Build(["he-normal", "he-normal"], [[784, 10]], ["relu"], 1, 1));

    [Fact]
    public void MeanStdUsesTheSampleStandardDeviation()
    {
        var m = MeanStd.Of([1.0, 2.0, 3.0, 4.0]);
        Assert.Equal(2.5, m.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), m.Std, 12);
        Assert.Equal(0, MeanStd.Of([7.0]).Std);
    }
}
