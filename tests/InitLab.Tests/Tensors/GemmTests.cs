using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

public class GemmTests
{
    public static IEnumerable<object[]> Kernels() =>
        Enum.GetValues<GemmKernel>().Where(k => k is not (GemmKernel.Auto or GemmKernel.Naive) && GemmKernels.IsSupported(k)).Select(k => new object[] { k });

    private static float[] RandomMatrix(int count, int seed)
    {
        var r = new System.Random(seed);
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = (float)(r.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>Runs one case against the naive oracle; tolerance scales with k (float rounding grows ~sqrt(k)).</summary>
    private static float[] Check(GemmKernel kernel, bool ta, bool tb, int m, int n, int k, float alpha, float beta, int threads, int pad = 0)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = RandomMatrix(((ta ? k : m) - 1) * lda + (ta ? m : k), m * 7 + k);
        var b = RandomMatrix(((tb ? n : k) - 1) * ldb + (tb ? k : n), n * 13 + k);
        var c0 = RandomMatrix((m - 1) * ldc + n, m + n);
        var expected = (float[])c0.Clone();
        var actual = (float[])c0.Clone();
        Gemm.Naive(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
        Gemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, actual, ldc, threads, kernel);
        double tol = 2e-6 * Math.Sqrt(k) * Math.Max(1, Math.Abs(alpha)) + 1e-6;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float e = expected[i * ldc + j], g = actual[i * ldc + j];
                if (!(Math.Abs(e - g) <= tol * Math.Sqrt(k) + 1e-5 * Math.Abs(e)))
                    Assert.Fail($"{kernel} ta={ta} tb={tb} {m}x{n}x{k} alpha={alpha} beta={beta} threads={threads}: C[{i},{j}] expected {e}, got {g}");
            }
        // Padding between rows of C must be untouched.
        for (int i = 0; i < m - 1; i++)
            for (int j = n; j < ldc; j++)
                Assert.Equal(c0[i * ldc + j], actual[i * ldc + j]);
        return actual;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AllTransposesOddSizesAndThreadCounts(GemmKernel kernel)
    {
        int[] sizes = [1, 3, 7, 33, 257];
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (int m in sizes)
                    foreach (int n in sizes)
                        foreach (int k in new[] { 1, 7, 257 })
                            Check(kernel, ta, tb, m, n, k, 1f, 0f, threads: (m + n + k) % 3 + 1);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void LargeSizeOf1000(GemmKernel kernel)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                Check(kernel, ta, tb, 1000, 257, 33, 1f, 0f, threads: 2);
        Check(kernel, false, true, 33, 1000, 1000, 1f, 0f, threads: 2);
        Check(kernel, true, false, 100, 33, 1000, 1f, 1f, threads: 3);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AlphaBetaAndLeadingDimensions(GemmKernel kernel)
    {
        foreach (var (alpha, beta) in new[] { (1f, 1f), (0.5f, -2f), (-1.5f, 0.25f), (2f, 0f) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    Check(kernel, ta, tb, 37, 45, 300, alpha, beta, threads: 2);
                    Check(kernel, ta, tb, 13, 18, 5, alpha, beta, threads: 1, pad: 3);
                }
    }

    [Fact]
    public void BetaZeroIgnoresNaNInC()
    {
        var a = new float[] { 1, 2, 3, 4 };
        var b = new float[] { 1, 0, 0, 1 };
        var c = new float[] { float.NaN, float.NaN, float.NaN, float.NaN };
        Gemm.Multiply(false, false, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
    }

    [Fact]
    public void HandWorkedTwoByTwo()
    {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]; 2·AB + 1·C with C = 1.
        var c = new float[] { 1, 1, 1, 1 };
        Gemm.Multiply(false, false, 2, 2, 2, 2f, new float[] { 1, 2, 3, 4 }, 2, new float[] { 5, 6, 7, 8 }, 2, 1f, c, 2);
        Assert.Equal(new float[] { 39, 45, 87, 101 }, c);
    }

    [Fact]
    public void KZeroScalesCByBeta()
    {
        var c = new float[] { 1, 2, 3 };
        Gemm.Multiply(false, false, 1, 3, 0, 1f, Array.Empty<float>(), 1, Array.Empty<float>(), 3, 0.5f, c, 3);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f }, c);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void ResultsAreBitIdenticalForEveryThreadCount(GemmKernel kernel)
    {
        float[] one = Check(kernel, false, true, 100, 256, 784, 1f, 0f, threads: 1);
        for (int t = 2; t <= 5; t++)
            Assert.Equal(one, Check(kernel, false, true, 100, 256, 784, 1f, 0f, threads: t));
    }

    /// <summary>
    /// Two threads and an odd number of column strips (784 columns are 25 of the AVX-512
    /// kernel's 32): the middle strip is split by rows between the threads. Every element must be
    /// what one thread computes, bit for bit, for a plain product with bias and ReLU (each layout
    /// of A and B) and a product with B packed beforehand and a sigmoid, on the default kernel
    /// here with the RBM's summed product and its step into W too. The shapes include the
    /// smallest split (16 rows, 3 strips), a ragged last strip of rows and of columns, and the
    /// RBM's and the seed network's weight gradients (each above the 2^17 multiply-adds below
    /// which a GEMM runs on one thread).
    /// </summary>
    [Theory]
    [InlineData(16, 96, 100)]
    [InlineData(17, 90, 100)]
    [InlineData(100, 784, 264)]
    [InlineData(256, 784, 100)]
    [InlineData(500, 784, 100)]
    public void AMiddleStripSplitByRowsIsWhatOneThreadComputes(int m, int n, int k)
    {
        MiddleStripIsWhatOneThreadComputes(GemmKernels.Default, m, n, k);
        foreach (bool ta in new[] { false, true })
        {
            var a1 = new Tensor(RandomMatrix(m * k, 3), ta ? k : m, ta ? m : k);
            var a2 = new Tensor(RandomMatrix(m * k, 4), ta ? k : m, ta ? m : k);
            var b1 = new Tensor(RandomMatrix(k * n, 6), k, n);
            var b2 = new Tensor(RandomMatrix(k * n, 7), k, n);
            (float[] C, float[] W) Sum(int threads)
            {
                var c = new Tensor(RandomMatrix(m * n, 8), m, n);
                var w = new Tensor(RandomMatrix(m * n, 9), m, n);
                Gemm.MultiplySum(a1, b1, 0.001f, a2, b2, -0.001f, ta, c, 0.9f, threads, new GemmEpilogue { StepTarget = w.Data, StepDecay = 2e-5f });
                return (c.Data, w.Data);
            }
            var (c1, w1) = Sum(1);
            var (c2, w2) = Sum(2);
            Assert.Equal(c1, c2);
            Assert.Equal(w1, w2);
        }
    }

    /// <summary>
    /// The same on every kernel, with shapes whose strips of 32, 16 or 8 columns (AVX-512, AVX2
    /// and the 8-wide kernels) are odd in number: 72 columns are 3, 5 and 9 strips; 104 are 4, 7
    /// and 13; 784 are 25, 49 and 98.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void AMiddleStripSplitByRowsIsWhatOneThreadComputesOnEveryKernel(GemmKernel kernel)
    {
        foreach (var (m, n, k) in new[] { (40, 72, 100), (24, 104, 100), (13, 784, 24) })
            MiddleStripIsWhatOneThreadComputes(kernel, m, n, k);
    }

    private static void MiddleStripIsWhatOneThreadComputes(GemmKernel kernel, int m, int n, int k)
    {
        var bias = RandomMatrix(n, 5);
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                var a = new Tensor(RandomMatrix(m * k, 1), ta ? k : m, ta ? m : k);
                var b = new Tensor(RandomMatrix(k * n, 2), tb ? n : k, tb ? k : n);
                float[] Plain(int threads)
                {
                    var c = new Tensor(m, n);
                    Gemm.Multiply(a, ta, b, tb, c, threads: threads, kernel: kernel, epilogue: new GemmEpilogue { ColumnBias = bias, Relu = true });
                    return c.Data;
                }
                float[] Packed(int threads)
                {
                    using var packed = new PackedMatrix();
                    packed.Pack(b, tb, threads, kernel);
                    var c = new Tensor(m, n);
                    Gemm.Multiply(a, ta, packed, c, threads: threads, epilogue: new GemmEpilogue { ColumnBias = bias, Sigmoid = true });
                    return c.Data;
                }
                Assert.True(Plain(1).AsSpan().SequenceEqual(Plain(2)), $"{kernel} {m}x{n}x{k} ta={ta} tb={tb}: 2 threads differ from 1");
                Assert.True(Packed(1).AsSpan().SequenceEqual(Packed(2)), $"{kernel} {m}x{n}x{k} ta={ta} tb={tb}, B packed: 2 threads differ from 1");
            }
    }

    /// <summary>
    /// The AVX-512 kernels read A where it lies, a last strip of fewer than 8 rows too (rows 1-4
    /// take the 4x32 kernel, 5-7 the 8x32 one). Every element must be the plain chain of fused
    /// multiply-adds over k (one cache block, k &lt;= 288), whatever row of its strip it sits in,
    /// stored as the kernels store: on a full 8x32 tile fma(acc, alpha, beta·c); on a partial tile
    /// (a last strip of rows, or of columns) alpha·acc rounded, then + beta·c. The oracle is that,
    /// compared bit for bit, for every strip remainder, both layouts of A, and alpha/beta (1, 0)
    /// and (0.7, 0.5) (the RBM's weight step has alpha and beta of that kind).
    /// </summary>
    [Fact]
    public void Avx512RowsOfEveryStripRemainderAreTheSameFmaChain()
    {
        // The suite runs on AVX-512 machines; elsewhere this kernel cannot be called.
        if (!GemmKernels.IsSupported(GemmKernel.Avx512)) return;
        const int n = 45, k = 97;
        var b = RandomMatrix(k * n, 5);
        foreach (bool ta in new[] { false, true })
            foreach (var (alpha, beta) in new[] { (1f, 0f), (0.7f, 0.5f) })
                for (int m = 1; m <= 19; m++)
                {
                    var a = RandomMatrix(m * k, m);
                    var c0 = RandomMatrix(m * n, m + 100);
                    float A(int i, int p) => ta ? a[p * m + i] : a[i * k + p];
                    foreach (int threads in new[] { 1, 2 })
                    {
                        var c = (float[])c0.Clone();
                        Gemm.Multiply(ta, false, m, n, k, alpha, a, ta ? m : k, b, n, beta, c, n, threads, GemmKernel.Avx512);
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++)
                            {
                                float s = 0f;
                                for (int p = 0; p < k; p++) s = MathF.FusedMultiplyAdd(A(i, p), b[p * n + j], s);
                                bool fullTile = i < m / 8 * 8 && j < 32;
                                float old = c0[i * n + j], expected = beta == 0f ? s * alpha
                                    : fullTile ? MathF.FusedMultiplyAdd(s, alpha, old * beta) : s * alpha + beta * old;
                                if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(c[i * n + j]))
                                    Assert.Fail($"ta={ta} alpha={alpha} beta={beta} m={m} threads={threads}: C[{i},{j}] is {c[i * n + j]}, expected {expected}");
                            }
                    }
                }
    }

    [Fact]
    public void RejectsBuffersThatAreTooSmall()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(false, false, 2, 2, 2, 1f, new float[3], 2, new float[4], 2, 0f, new float[4], 2));
        Assert.Contains("A needs 4 floats", ex.Message);
    }

    /// <summary>
    /// MultiplyPair is the two products it pairs, bit for bit, on 1, 2 and 3 threads: a layer's
    /// weight gradient (A transposed) beside its input gradient with a ReLU mask, where both
    /// products split between the threads (the seed network's layers), where only the second does
    /// (with the AVX-512 and AVX2 kernels: 16 input features make dW 10x16 a single strip, so the
    /// calling thread computes it while dx's 2000 rows split) or only the first (dx 8x16 a single
    /// strip, dW's 2000 rows split), with 784 columns (25 strips, the middle one split by rows),
    /// where neither splits, and with an empty batch (dW is zeros, computed before the threads
    /// start; dx is empty). The results start as garbage: the pair must overwrite them.
    /// </summary>
    [Theory]
    [InlineData(100, 256, 256)]
    [InlineData(100, 10, 256)]
    [InlineData(2000, 10, 16)]
    [InlineData(8, 2000, 16)]
    [InlineData(100, 256, 784)]
    [InlineData(7, 3, 5)]
    [InlineData(0, 8, 16)]
    public void MultiplyPairIsTheTwoProductsBitForBit(int batch, int outFeatures, int inFeatures)
    {
        var dy = new Tensor(RandomMatrix(batch * outFeatures, 11), batch, outFeatures);
        var x = new Tensor(RandomMatrix(batch * inFeatures, 12), batch, inFeatures);
        var w = new Tensor(RandomMatrix(outFeatures * inFeatures, 13), outFeatures, inFeatures);
        var mask = new GemmEpilogue { Mask = x.Data };
        var dW1 = new Tensor(outFeatures, inFeatures);
        var dx1 = new Tensor(batch, inFeatures);
        Gemm.Multiply(dy, true, x, false, dW1, threads: 1);
        Gemm.Multiply(dy, false, w, false, dx1, threads: 1, epilogue: mask);
        if (batch > 0) Assert.Contains(0f, dx1.Data);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var dW = new Tensor(RandomMatrix(outFeatures * inFeatures, 14), outFeatures, inFeatures);
            var dx = new Tensor(RandomMatrix(batch * inFeatures, 15), batch, inFeatures);
            Gemm.MultiplyPair(dy, true, x, false, dW, default, dy, false, w, false, dx, mask, threads);
            Assert.True(dW.Data.AsSpan().SequenceEqual(dW1.Data), $"{batch}x{outFeatures}x{inFeatures}, {threads} threads: dW differs");
            Assert.True(dx.Data.AsSpan().SequenceEqual(dx1.Data), $"{batch}x{outFeatures}x{inFeatures}, {threads} threads: dx differs");
        }
    }

    [Fact]
    public void MultiplyPairRejectsProductsThatDependOnEachOther()
    {
        var a = new Tensor(RandomMatrix(16, 1), 4, 4);
        var b = new Tensor(RandomMatrix(16, 2), 4, 4);
        var c = new Tensor(4, 4);
        var d = new Tensor(4, 4);
        var bias = new GemmEpilogue { ColumnBias = new float[4] };
        // One product's result is the other's A, B, C, mask or bias, either way round.
        foreach (var call in new Action[]
        {
            () => Gemm.MultiplyPair(a, false, b, false, c, default, c, false, b, false, d, default),
            () => Gemm.MultiplyPair(a, false, b, false, c, default, a, false, c, false, d, default),
            () => Gemm.MultiplyPair(a, false, b, false, c, default, a, false, b, false, c, default),
            () => Gemm.MultiplyPair(a, false, b, false, c, default, a, false, b, false, d, new GemmEpilogue { Mask = c.Data }),
            () => Gemm.MultiplyPair(a, false, b, false, c, default, a, false, b, false, d, bias with { ColumnBias = c.Data }),
            () => Gemm.MultiplyPair(a, false, b, false, c, default, b, false, b, false, a, default),
            () => Gemm.MultiplyPair(a, false, b, false, c, default, a, false, b, false, b, default),
            () => Gemm.MultiplyPair(a, false, b, false, c, new GemmEpilogue { Mask = d.Data }, a, false, b, false, d, default),
            () => Gemm.MultiplyPair(a, false, b, false, c, bias with { ColumnBias = d.Data }, a, false, b, false, d, default),
        })
            Assert.Contains("independent", Assert.Throws<ArgumentException>(call).Message);
        var shapes = Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyPair(a, false, b, false, c, default, a, false, new Tensor(3, 4), false, d, default));
        Assert.Contains("op(B) is 3x4", shapes.Message);
        // A rank-1 tensor reports 4x4 but holds 4 floats: refused as Multiply refuses it, not read past its end.
        var small = Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyPair(new Tensor(RandomMatrix(4, 3), 4), false, b, false, c, default, a, false, b, false, d, default));
        Assert.Contains("A needs 16 floats", small.Message);
        var target = Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyPair(a, false, b, false, c, new GemmEpilogue { StepTarget = new float[16] }, a, false, b, false, d, default));
        Assert.Contains("step target", target.Message);
    }

    /// <summary>A rank-1 tensor reports n x n but holds n floats: the packed-operand and summed products refuse it as the plain one does, instead of reading or writing past its end.</summary>
    [Fact]
    public void PackedAndSummedProductsRefuseARankOneTensor()
    {
        var v = new Tensor(RandomMatrix(4, 1), 4);
        var m = new Tensor(RandomMatrix(16, 2), 4, 4);
        using var packed = new PackedMatrix();
        packed.Pack(m, false);
        Assert.Contains("A needs 16 floats", Assert.Throws<ArgumentException>(() => Gemm.Multiply(v, false, packed, new Tensor(4, 4))).Message);
        Assert.Contains("C needs 16 floats", Assert.Throws<ArgumentException>(() => Gemm.Multiply(m, false, packed, new Tensor(4))).Message);
        Assert.Contains("A1 needs 16 floats", Assert.Throws<ArgumentException>(() => Gemm.MultiplySum(v, m, 1f, m, m, 1f, false, new Tensor(4, 4))).Message);
        Assert.Contains("B2 needs 16 floats", Assert.Throws<ArgumentException>(() => Gemm.MultiplySum(m, m, 1f, m, v, 1f, false, new Tensor(4, 4))).Message);
        Assert.Contains("C needs 16 floats", Assert.Throws<ArgumentException>(() => Gemm.MultiplySum(m, m, 1f, m, m, 1f, false, new Tensor(4))).Message);
    }
}
