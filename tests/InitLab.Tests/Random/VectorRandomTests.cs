using InitLab.Random;
using InitLab.Rbm;

namespace InitLab.Tests.Random;

/// <summary>
/// The RBM's vectorized uniform source against a scalar xoshiro256** written here from the
/// algorithm's definition (Blackman and Vigna), and its samples against statistical bounds.
/// </summary>
public class VectorRandomTests
{
    /// <summary>Eight scalar xoshiro256** generators seeded as VectorRandom documents, read in its output order.</summary>
    private static float[] ScalarOracle(ulong seed, int count)
    {
        var words = new ulong[32];
        ulong x = seed;
        for (int i = 0; i < 32; i++)
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            words[i] = z ^ (z >> 31);
        }
        var s = new ulong[8, 4];
        for (int l = 0; l < 8; l++)
            for (int w = 0; w < 4; w++) s[l, w] = words[4 * l + w];
        var result = new List<float>();
        while (result.Count < count)
            for (int l = 0; l < 8; l++)
            {
                ulong output = ulong.RotateLeft(s[l, 1] * 5, 7) * 9;
                ulong t = s[l, 1] << 17;
                s[l, 2] ^= s[l, 0];
                s[l, 3] ^= s[l, 1];
                s[l, 1] ^= s[l, 2];
                s[l, 0] ^= s[l, 3];
                s[l, 2] ^= t;
                s[l, 3] = ulong.RotateLeft(s[l, 3], 45);
                result.Add(((uint)output >> 8) / 16777216f);
                result.Add(((uint)(output >> 32) >> 8) / 16777216f);
            }
        return result.Take(count).ToArray();
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(777UL)]
    [InlineData(ulong.MaxValue)]
    public void FillMatchesEightScalarXoshiroGenerators(ulong seed)
    {
        var expected = ScalarOracle(seed, 16 * 40);
        var vector = new VectorRandom(seed);
        var actual = new float[expected.Length];
        // Two calls, the first not a multiple of a step: the second starts at a fresh step.
        vector.Fill(actual.AsSpan(0, 16 * 25));
        vector.Fill(actual.AsSpan(16 * 25));
        Assert.Equal(expected, actual);

        var ragged = new float[21];
        new VectorRandom(seed).Fill(ragged);
        Assert.Equal(expected.Take(21), ragged);
    }

    [Fact]
    public void BernoulliIsTheComparisonWithTheSameUniforms()
    {
        var p = new float[1000 + 7];
        var r = new System.Random(5);
        for (int i = 0; i < p.Length; i++) p[i] = (float)r.NextDouble();
        var u = new float[p.Length];
        new VectorRandom(42).Fill(u);
        var samples = (float[])p.Clone();
        new VectorRandom(42).Bernoulli(samples);
        for (int i = 0; i < p.Length; i++) Assert.Equal(u[i] < p[i] ? 1f : 0f, samples[i]);
    }

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.5)]
    [InlineData(0.93)]
    public void BernoulliFrequenciesAreWithinFiveStandardErrors(double probability)
    {
        const int n = 1 << 20;
        var sampler = new FastSampler(9);
        var x = new float[n];
        Array.Fill(x, (float)probability);
        sampler.Bernoulli(x);
        double ones = x.Sum(v => (double)v);
        Assert.All(x, v => Assert.True(v is 0f or 1f));
        double se = Math.Sqrt(n * probability * (1 - probability));
        Assert.InRange(ones, n * probability - 5 * se, n * probability + 5 * se);
    }

    [Fact]
    public void UniformsPassAChiSquareTestAndNeighboursAreUncorrelated()
    {
        const int n = 1 << 20, bins = 64;
        var u = new float[n];
        new FastSampler(3).Uniform(u);
        var counts = new int[bins];
        foreach (float v in u)
        {
            Assert.InRange(v, 0f, 0.99999995f);
            counts[(int)(v * bins)]++;
        }
        double expected = (double)n / bins, chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        // 63 degrees of freedom: P(chi2 > 110) < 2e-4.
        Assert.True(chi2 < 110, $"chi2 = {chi2}");
        // Lag-1 and lag-16 (the same lane, next step) correlations of U(0,1): sd 1/sqrt(n) ≈ 0.001.
        foreach (int lag in new[] { 1, 2, 16 })
        {
            double s = 0;
            for (int i = 0; i + lag < n; i++) s += (u[i] - 0.5) * (u[i + lag] - 0.5);
            double corr = s / (n - lag) * 12;
            Assert.True(Math.Abs(corr) < 0.006, $"lag {lag}: correlation {corr}");
        }
    }
}
