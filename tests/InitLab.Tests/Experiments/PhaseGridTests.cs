using InitLab.Experiments;
using InitLab.Tests.Cli;

namespace InitLab.Tests.Experiments;

public class PhaseGridTests
{
    [Fact]
    public void DeepNetworksGetFolderNamesWithinTheFileSystemsLimit()
    {
        var grid = new PhaseGrid([1.0, 1.75], [10, 100], 100, 0.05);
        var runs = grid.Runs(777);
        Assert.Equal(4, runs.Count);
        Assert.All(runs, r => Assert.True(r.Id.Length < 200, r.Id));
        Assert.Contains(runs, r => r.Id.Contains("__784-100x99-10__", StringComparison.Ordinal));
        // Short architectures keep their plain names, so existing sweeps keep their folders.
        Assert.Contains(runs, r => r.Id.Contains("__784-100-100-100-100-100-100-100-100-100-10__", StringComparison.Ordinal));
        Assert.Equal("mean-field:weight_var=1.75", PhaseGrid.InitOf(1.75));
        Assert.Equal(0.05, grid.Bias.Variance(100), 6);
    }

    [Fact]
    public void TheoryDepthIsSixXiCAndDivergesAtTheCriticalPoint()
    {
        var grid = new PhaseGrid([1.0], [10], 100, 0.05);
        double xi = new InitLab.Theory.MeanField(InitLab.Theory.Phi.Tanh, 1.0, 0.05).DepthScaleC;
        Assert.Equal(6 * xi, grid.TheoryDepth(1.0), 4);
        Assert.True(grid.TheoryDepth(1.76) > 1000);
    }

    [Fact]
    public void PhaseRunsEveryCellDrawsTheDiagramAndResumes()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 64, test: 20);
        string outDir = d.File("phase");
        string[] args = ["phase", "--data", d.Path, "--weight-vars", "1:1.5:0.5", "--depths", "2,3", "--width", "8", "--batch-size", "16", "--out", outDir, "--quiet"];
        var (code, output, err) = CliTests.Run([.. args, "--shard", "0/2"]);
        Assert.True(code == 0, err);
        Assert.Contains("2 cells missing", output);
        (code, output, err) = CliTests.Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("skipped 2 finished", output);
        Assert.True(File.Exists(Path.Combine(outDir, "phase.png")));
        string md = File.ReadAllText(Path.Combine(outDir, "phase.md"));
        Assert.Contains("| 3 |", md);
        Assert.DoesNotContain("–", md.Split('\n').Where(l => l.StartsWith("| 2 |") || l.StartsWith("| 3 |")).Aggregate("", (a, b) => a + b));
    }
}
