using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>
/// Gemm.MultiplySum (two products into one result, each tile taking both while in L1) and the
/// epilogue's weight step, against what they replace: two GEMM calls and a separate pass over
/// W, bit for bit, for every thread count; and against a double-precision loop.
/// </summary>
public class GemmSumTests
{
    private static Tensor Random(int rows, int cols, int seed)
    {
        var r = new System.Random(seed);
        var t = new Tensor(rows, cols);
        for (int i = 0; i < t.Length; i++) t.Data[i] = (float)(r.NextDouble() * 2 - 1);
        return t;
    }

    // (m, n, k1, k2): the RBM's shapes (500 hidden, 784 visible, batch 100, split by columns),
    // ragged sizes that fill no strip evenly, taller than wide (split by rows), and inner sizes
    // too large for one cache block together (the two-GEMM path).
    public static IEnumerable<object[]> Cases()
    {
        foreach (var (m, n, k1, k2) in new[] { (500, 784, 100, 100), (131, 67, 37, 90), (300, 129, 50, 60), (9, 33, 200, 150), (64, 700, 150, 150) })
            foreach (bool transA in new[] { true, false })
                foreach (int threads in new[] { 1, 2, 3 })
                    yield return [m, n, k1, k2, transA, threads];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsBitForBitTheTwoProductsAndTheSeparateStep(int m, int n, int k1, int k2, bool transA, int threads)
    {
        var a1 = transA ? Random(k1, m, 1) : Random(m, k1, 1);
        var a2 = transA ? Random(k2, m, 2) : Random(m, k2, 2);
        var b1 = Random(k1, n, 3);
        var b2 = Random(k2, n, 4);
        var start = Random(m, n, 5);
        var w0 = Random(m, n, 6);
        const float alpha1 = 0.001f, alpha2 = -0.001f, beta = 0.9f, decay = 2e-5f;

        // What the RBM did before: two GEMMs, then dW -= decay·W and W += dW in a pass of their own.
        var expected = start.Clone();
        var wExpected = w0.Clone();
        Gemm.Multiply(a1, transA, b1, false, expected, alpha1, beta, threads);
        Gemm.Multiply(a2, transA, b2, false, expected, alpha2, 1f, threads);
        for (int i = 0; i < expected.Length; i++)
        {
            float d = wExpected.Data[i] * -decay + expected.Data[i];
            expected.Data[i] = d;
            wExpected.Data[i] += d;
        }

        var actual = start.Clone();
        var w = w0.Clone();
        Gemm.MultiplySum(a1, b1, alpha1, a2, b2, alpha2, transA, actual, beta, threads,
            new GemmEpilogue { StepTarget = w.Data, StepDecay = decay });
        Assert.Equal(expected.Data, actual.Data);
        Assert.Equal(wExpected.Data, w.Data);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MatchesADoubleLoop(int threads)
    {
        const int m = 77, n = 150, k1 = 40, k2 = 70;
        var a1 = Random(k1, m, 7);
        var a2 = Random(k2, m, 8);
        var b1 = Random(k1, n, 9);
        var b2 = Random(k2, n, 10);
        var c = Random(m, n, 11);
        var old = c.Clone();
        Gemm.MultiplySum(a1, b1, 0.5f, a2, b2, -2f, transA: true, c, beta: 0.25f, threads);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s1 = 0, s2 = 0;
                for (int p = 0; p < k1; p++) s1 += (double)a1[p, i] * b1[p, j];
                for (int p = 0; p < k2; p++) s2 += (double)a2[p, i] * b2[p, j];
                double expected = 0.5 * s1 - 2 * s2 + 0.25 * old[i, j];
                Assert.True(Math.Abs(c[i, j] - expected) < 1e-4 * (1 + Math.Abs(expected)), $"({i},{j}): {c[i, j]} vs {expected}");
            }
    }

    [Theory]
    [InlineData(0f, 1)]
    [InlineData(0f, 2)]
    [InlineData(3e-4f, 2)]
    public void TheStepEpilogueOfAPlainGemmIsTheSeparatePass(float decay, int threads)
    {
        var a = Random(100, 300, 20);
        var b = Random(100, 130, 21);
        var w0 = Random(300, 130, 22);
        var plain = new Tensor(300, 130);
        Gemm.Multiply(a, true, b, false, plain, 0.01f, threads: threads);
        var w = w0.Clone();
        var fused = new Tensor(300, 130);
        Gemm.Multiply(a, true, b, false, fused, 0.01f, threads: threads, epilogue: new GemmEpilogue { StepTarget = w.Data, StepDecay = decay });
        for (int i = 0; i < plain.Length; i++)
        {
            float d = decay != 0f ? w0.Data[i] * -decay + plain.Data[i] : plain.Data[i];
            Assert.Equal(d, fused.Data[i]);
            Assert.Equal(w0.Data[i] + d, w.Data[i]);
        }
    }

    [Fact]
    public void RefusesAStepTargetThatIsAnOperand()
    {
        var a = Random(10, 20, 23);
        var b = Random(10, 20, 24);
        var c = new Tensor(20, 20);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(a, true, b, false, c, epilogue: new GemmEpilogue { StepTarget = c.Data }));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplySum(a, b, 1f, a, b, 1f, true, c, epilogue: new GemmEpilogue { StepTarget = c.Data }));
        var sq = Random(20, 20, 25);
        Assert.Throws<ArgumentException>(() => Gemm.MultiplySum(sq, sq, 1f, a, b, 1f, true, c, epilogue: new GemmEpilogue { StepTarget = sq.Data }));
    }

    [Fact]
    public void BetaZeroIgnoresWhatCHeld()
    {
        var a1 = Random(100, 40, 12);
        var a2 = Random(100, 40, 13);
        var b1 = Random(100, 64, 14);
        var b2 = Random(100, 64, 15);
        var clean = new Tensor(40, 64);
        var dirty = new Tensor(40, 64);
        Array.Fill(dirty.Data, float.NaN);
        Gemm.MultiplySum(a1, b1, 1f, a2, b2, 1f, true, clean);
        Gemm.MultiplySum(a1, b1, 1f, a2, b2, 1f, true, dirty);
        Assert.Equal(clean.Data, dirty.Data);
    }

    [Fact]
    public void RefusesShapesThatDoNotAgree()
    {
        var a = new Tensor(10, 20);
        var b = new Tensor(10, 30);
        var c = new Tensor(20, 30);
        Assert.Throws<ArgumentException>(() => Gemm.MultiplySum(a, b, 1f, new Tensor(11, 20), b, 1f, true, c));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplySum(a, b, 1f, a, new Tensor(10, 31), 1f, true, c));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplySum(a, b, 1f, a, b, 1f, true, c,
            epilogue: new GemmEpilogue { StepTarget = new float[599] }));
    }
}

/// <summary>
/// The epilogue fused into GEMM gives the numbers of the same operations done afterwards in
/// passes of their own, bit for bit: bias add, ReLU, the ReLU mask, and the sigmoid as
/// TensorPrimitives.Sigmoid computes it, on full tiles and on edge tiles, for every thread count.
/// </summary>
public class GemmEpilogueBitTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var (m, n, k) in new[] { (100, 500, 784), (37, 70, 45), (200, 96, 33) })
            foreach (int threads in new[] { 1, 2, 3 })
                yield return [m, n, k, threads];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedIsTheSeparatePasses(int m, int n, int k, int threads)
    {
        var r = new System.Random(m + n + k);
        float[] Fill(int count) => Enumerable.Range(0, count).Select(_ => (float)(r.NextDouble() * 6 - 3)).ToArray();
        var a = new Tensor(Fill(m * k), m, k);
        var w = new Tensor(Fill(n * k), n, k);
        var bias = Fill(n);
        var mask = Fill(m * n);
        var plain = new Tensor(m, n);
        Gemm.Multiply(a, false, w, true, plain, threads: threads);

        var sig = new Tensor(m, n);
        Gemm.Multiply(a, false, w, true, sig, threads: threads, epilogue: new GemmEpilogue { ColumnBias = bias, Sigmoid = true });
        var expected = new float[m * n];
        for (int i = 0; i < expected.Length; i++) expected[i] = plain.Data[i] + bias[i % n];
        System.Numerics.Tensors.TensorPrimitives.Sigmoid(expected, expected);
        Assert.Equal(expected, sig.Data);

        var relu = new Tensor(m, n);
        Gemm.Multiply(a, false, w, true, relu, threads: threads, epilogue: new GemmEpilogue { ColumnBias = bias, Relu = true });
        for (int i = 0; i < expected.Length; i++) expected[i] = Math.Max(plain.Data[i] + bias[i % n], 0f);
        Assert.Equal(expected, relu.Data);

        var masked = new Tensor(m, n);
        Gemm.Multiply(a, false, w, true, masked, threads: threads, epilogue: new GemmEpilogue { Mask = mask });
        for (int i = 0; i < expected.Length; i++) expected[i] = mask[i] > 0 ? plain.Data[i] : 0f;
        Assert.Equal(expected, masked.Data);
    }
}
