using InitLab.Diagnostics;

namespace InitLab.Tests.Diagnostics;

public class HistogramTests
{
    [Fact]
    public void CountsHandMadeValuesIntoEqualBinsWithTheMaximumInTheLast()
    {
        // Range 0..4 in 4 bins of width 1: [0,1) [1,2) [2,3) [3,4].
        var h = Histogram.Of([0f, 0.5f, 1f, 2.9f, 3f, 4f, 4f], bins: 4);
        Assert.Equal(0, h.Min);
        Assert.Equal(4, h.Max);
        Assert.Equal([2L, 1L, 1L, 3L], h.Counts);
        Assert.Equal(0, h.NonFinite);
        Assert.Equal(15.4 / 7, h.Mean, 6);
    }

    [Fact]
    public void NonFiniteValuesAreCountedApartAndDoNotStretchTheRange()
    {
        var h = Histogram.Of([-1f, 1f, float.NaN, float.PositiveInfinity], bins: 2);
        Assert.Equal((-1.0, 1.0), (h.Min, h.Max));
        Assert.Equal([1L, 1L], h.Counts);
        Assert.Equal(2, h.NonFinite);
        Assert.Equal(1, h.Std, 9);
    }

    [Fact]
    public void EqualValuesAllLandInTheFirstBin()
    {
        var h = Histogram.Of(new float[10], bins: 5);
        Assert.Equal([10L, 0L, 0L, 0L, 0L], h.Counts);
        Assert.Equal((0.0, 0.0, 0.0), (h.Min, h.Max, h.Std));
        Assert.Equal(0, Histogram.Of([], 3).Total);
        Assert.Throws<ArgumentOutOfRangeException>(() => Histogram.Of([1f], 0));
    }
}
