using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>Ops.Tanh against double-precision Math.Tanh: a few ulp everywhere, including near 0.</summary>
public class TanhTests
{
    private static double Ulps(float got, double exact)
    {
        float f = (float)exact;
        double ulp = f == 0 ? float.Epsilon : MathF.BitIncrement(MathF.Abs(f)) - MathF.Abs(f);
        return Math.Abs(got - exact) / ulp;
    }

    [Theory]
    [InlineData(0.0, 1e-6)]
    [InlineData(1e-6, 1e-3)]
    [InlineData(1e-3, 0.1)]
    [InlineData(0.1, 0.625)]
    [InlineData(0.625, 3)]
    [InlineData(3, 100)]
    public void IsWithinThreeUlpOfTheExactValue(double lo, double hi)
    {
        var r = new System.Random(7);
        var x = new float[10_007];  // not a multiple of any vector width
        for (int i = 0; i < x.Length; i++) x[i] = (float)(lo + (hi - lo) * r.NextDouble()) * (i % 2 == 0 ? 1 : -1);
        var y = new float[x.Length];
        Ops.Tanh(x, y);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double u = Ulps(y[i], Math.Tanh(x[i]));
            if (u > worst) (worst, at) = (u, i);
        }
        Assert.True(worst <= 3, $"tanh({x[at]:R}) = {y[at]:R}, exact {Math.Tanh(x[at]):R}: {worst:F1} ulp");
    }

    [Fact]
    public void ZeroIsZeroAndInPlaceEqualsOutOfPlace()
    {
        var zeros = new float[37];
        var y = Enumerable.Repeat(1f, 37).ToArray();
        Ops.Tanh(zeros, y);
        Assert.All(y, v => Assert.Equal(0f, v));

        var r = new System.Random(3);
        var x = Enumerable.Range(0, 1000).Select(_ => (float)(r.NextDouble() * 4 - 2) * (r.Next(3) == 0 ? 1e-4f : 1f)).ToArray();
        var outOfPlace = new float[x.Length];
        Ops.Tanh(x, outOfPlace);
        var inPlace = (float[])x.Clone();
        Ops.Tanh(inPlace, inPlace);
        Assert.Equal(outOfPlace, inPlace);
        Assert.True(float.IsNaN(RunOne(float.NaN)));
        Assert.Equal(1f, RunOne(float.PositiveInfinity));
        Assert.Equal(-1f, RunOne(float.NegativeInfinity));
    }

    private static float RunOne(float v)
    {
        var y = new float[1];
        Ops.Tanh([v], y);
        return y[0];
    }
}
