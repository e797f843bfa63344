using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>Ops.SumRows (a bias gradient, an RBM's bias statistics) against the plain loop it must equal bit for bit.</summary>
public class SumRowsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(100, 15)]
    [InlineData(100, 16)]
    [InlineData(3, 17)]
    [InlineData(100, 63)]
    [InlineData(7, 64)]
    [InlineData(100, 65)]
    [InlineData(100, 500)]
    [InlineData(32, 784)]
    [InlineData(0, 20)]
    public void IsEachColumnSummedInRowOrder(int rows, int cols)
    {
        var r = new System.Random(rows * 1000 + cols);
        var x = Enumerable.Range(0, rows * cols).Select(_ => (float)(r.NextDouble() * 2e3 - 1e3) * (float)Math.Pow(10, r.Next(-3, 4))).ToArray();
        var expected = new float[cols];
        for (int j = 0; j < cols; j++)
        {
            float s = 0f;
            for (int i = 0; i < rows; i++) s += x[i * cols + j];
            expected[j] = s;
        }
        var sums = Enumerable.Repeat(float.NaN, cols + 3).ToArray();
        Ops.SumRows(x, rows, cols, sums);
        Assert.Equal(expected, sums[..cols]);
        Assert.All(sums[cols..], v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void RefusesABufferShorterThanItsShape()
    {
        Assert.Throws<ArgumentException>(() => Ops.SumRows(new float[99], 10, 10, new float[10]));
    }
}

/// <summary>Ops.Prefetch is a hint: it reads nothing into the program's values and writes nothing.</summary>
public class PrefetchTests
{
    [Fact]
    public void ChangesNothingForAnySpan()
    {
        var floats = Enumerable.Range(0, 1000).Select(i => (float)i).ToArray();
        var copy = (float[])floats.Clone();
        Ops.Prefetch<float>(floats);
        Ops.Prefetch<float>(floats.AsSpan(3, 17));
        Ops.Prefetch<float>(ReadOnlySpan<float>.Empty);
        Ops.Prefetch<byte>(new byte[1]);
        Assert.Equal(copy, floats);
    }
}
