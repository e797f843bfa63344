using InitLab.Tensors;
using InitLab.Training;

namespace InitLab.Tests.Training;

public class RowPrefetchTests
{
    /// <summary>
    /// The parts asked for add up to exactly the batch [from, to) of the order, in order, never
    /// past it (the last batch of an epoch may be short or empty), and nothing after Clear.
    /// </summary>
    [Theory]
    [InlineData(3, 10, 3)]
    [InlineData(0, 100, 4)]
    [InlineData(95, 100, 4)]
    [InlineData(100, 100, 4)]
    public void PartsCoverTheBatchExactlyOnce(int from, int to, int parts)
    {
        var rows = new Tensor(100, 7);
        var order = Enumerable.Range(0, 100).Reverse().ToArray();
        var prefetch = new RowPrefetch();
        prefetch.Set(rows, order, from, to);
        int asked = 0;
        for (int part = 1; part <= parts; part++)
        {
            prefetch.Upto(part, parts);
            Assert.True(prefetch.Asked >= asked, "a part went backwards");
            Assert.Equal((to - from) * part / parts, prefetch.Asked);
            asked = prefetch.Asked;
            prefetch.Upto(part, parts); // asking again for the same part adds nothing
            Assert.Equal(asked, prefetch.Asked);
        }
        Assert.Equal(to - from, prefetch.Asked);
        prefetch.Clear();
        prefetch.Upto(parts, parts);
        Assert.Equal(0, prefetch.Asked);
    }
}
