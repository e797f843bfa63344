using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>
/// The fused epilogue (bias, ReLU, mask, sigmoid) against a plain double-precision loop, at shapes big
/// enough that the GEMM is split across threads, so each thread's tiles must find their own
/// (row, column) of the bias and the mask. The thread count comes from the ambient scope.
/// </summary>
public class GemmEpilogueTests
{
    public static IEnumerable<object[]> Kernels() =>
        Enum.GetValues<GemmKernel>().Where(k => k is not (GemmKernel.Auto or GemmKernel.Naive) && GemmKernels.IsSupported(k)).Select(k => new object[] { k });

    // m x n x k: wider than tall (split by columns), taller than wide (split by rows), and a
    // ragged one whose sizes fit no register strip or cache block evenly.
    private static readonly (int M, int N, int K)[] Shapes = [(300, 257, 129), (129, 300, 257), (131, 67, 263)];

    private static readonly int[] ThreadCounts = [1, 2, 3, 4];

    private static float[] Random(int count, int seed, double zeroFraction = 0)
    {
        var r = new System.Random(seed);
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = r.NextDouble() < zeroFraction ? 0f : (float)(r.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>op(A)·op(B), row-major m x n, summed in double.</summary>
    private static double[] Product(bool ta, bool tb, int m, int n, int k, float[] a, float[] b)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = s;
            }
        return c;
    }

    /// <summary>The epilogue on a double product, in the order GemmEpilogue documents.</summary>
    private static double[] Oracle(double[] product, int n, float[]? bias, bool relu, float[]? mask, bool sigmoid = false)
    {
        var c = new double[product.Length];
        for (int idx = 0; idx < c.Length; idx++)
        {
            double s = product[idx];
            if (bias is not null) s += bias[idx % n];
            if (relu) s = Math.Max(s, 0);
            if (mask is not null && !(mask[idx] > 0)) s = 0;
            if (sigmoid) s = 1 / (1 + Math.Exp(-s));
            c[idx] = s;
        }
        return c;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EveryEpilogueMatchesTheOracleAndIsTheSameForEveryThreadCount(GemmKernel kernel)
    {
        foreach (var (m, n, k) in Shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    var a = Random(m * k, m + 3 * k);
                    var b = Random(k * n, n + 5 * k);
                    // Bias entries up to ±1 dwarf the tolerance, and a quarter of the mask is exactly 0
                    // (a dead ReLU output), another quarter negative: a wrong row or column shows.
                    var bias = Random(n, n);
                    var mask = Random(m * n, m * n, zeroFraction: 0.25);
                    var product = Product(ta, tb, m, n, k, a, b);
                    for (int combo = 1; combo < 16; combo++)
                    {
                        var epilogue = new GemmEpilogue
                        {
                            ColumnBias = (combo & 1) != 0 ? bias : null,
                            Relu = (combo & 2) != 0,
                            Mask = (combo & 4) != 0 ? mask : null,
                            Sigmoid = (combo & 8) != 0,
                        };
                        string name = $"{kernel} {m}x{n}x{k} ta={ta} tb={tb} bias={epilogue.ColumnBias is not null} relu={epilogue.Relu} mask={epilogue.Mask is not null} sigmoid={epilogue.Sigmoid}";
                        var expected = Oracle(product, n, epilogue.ColumnBias, epilogue.Relu, epilogue.Mask, epilogue.Sigmoid);
                        float[]? first = null;
                        foreach (int threads in ThreadCounts)
                        {
                            var c = Random(m * n, 99); // garbage: beta = 0 must ignore it
                            using (Compute.UseThreads(threads))
                                Gemm.Multiply(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n, kernel: kernel, epilogue: epilogue);
                            if (first is null)
                            {
                                AssertClose(expected, c, k, epilogue, name);
                                first = c;
                            }
                            else Assert.True(first.AsSpan().SequenceEqual(c), $"{name}: {threads} threads differ from 1 thread");
                        }
                    }
                }
    }

    /// <summary>Float rounding of a k-term sum grows like sqrt(k); values the epilogue zeroes must be exactly 0.</summary>
    private static void AssertClose(double[] expected, float[] actual, int k, GemmEpilogue epilogue, string name)
    {
        double tol = 4e-6 * Math.Sqrt(k);
        for (int idx = 0; idx < expected.Length; idx++)
        {
            double e = expected[idx];
            float g = actual[idx];
            if (epilogue.Mask is { } mask && !(mask[idx] > 0) && g != (epilogue.Sigmoid ? 0.5f : 0f))
                Assert.Fail($"{name}: C[{idx}] is masked but is {g}");
            if (epilogue.Relu && g < (epilogue.Sigmoid ? 0.5f : 0f))
                Assert.Fail($"{name}: C[{idx}] = {g} after ReLU");
            if (!(Math.Abs(e - g) <= tol + 1e-6 * Math.Abs(e)))
                Assert.Fail($"{name}: C[{idx}] expected {e}, got {g}");
        }
    }

    /// <summary>
    /// Bit for bit: the GEMM with bias, ReLU, mask and sigmoid fused (on the AVX-512 kernel's full
    /// tiles they are applied in registers, elsewhere in a pass over each stored tile) equals the
    /// same GEMM without them followed by the same float operations one element at a time: c + bias,
    /// max(·, 0), 0 where the mask is &lt;= 0, then TensorPrimitives.Sigmoid (on a ragged last strip
    /// of columns, within a few ulps). With alpha and beta other than 1 and 0 too.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void FusedEpilogueIsBitForBitTheProductThenTheOperations(GemmKernel kernel)
    {
        foreach (var (m, n, k) in Shapes)
            foreach (bool ta in new[] { false, true })
                foreach (var (alpha, beta) in new[] { (1f, 0f), (0.7f, 0.5f) })
                {
                    var a = Random(m * k, m + 7 * k);
                    var b = Random(k * n, n + 11 * k);
                    var bias = Random(n, n + 1);
                    var mask = Random(m * n, m * n + 1, zeroFraction: 0.25);
                    var c0 = Random(m * n, 7);
                    for (int combo = 1; combo < 16; combo++)
                    {
                        float[]? biasOrNull = (combo & 1) != 0 ? bias : null, maskOrNull = (combo & 4) != 0 ? mask : null;
                        bool relu = (combo & 2) != 0, sigmoid = (combo & 8) != 0;
                        foreach (int threads in new[] { 1, 2 })
                        {
                            using var compute = Compute.UseThreads(threads);
                            var plain = (float[])c0.Clone();
                            Gemm.Multiply(ta, false, m, n, k, alpha, a, ta ? m : k, b, n, beta, plain, n, kernel: kernel);
                            var fused = (float[])c0.Clone();
                            Gemm.Multiply(ta, false, m, n, k, alpha, a, ta ? m : k, b, n, beta, fused, n, kernel: kernel,
                                epilogue: new GemmEpilogue { ColumnBias = biasOrNull, Relu = relu, Mask = maskOrNull, Sigmoid = sigmoid });
                            var expected = new float[plain.Length];
                            for (int idx = 0; idx < plain.Length; idx++)
                            {
                                float v = plain[idx];
                                if (biasOrNull is not null) v += biasOrNull[idx % n];
                                if (relu) v = MathF.Max(v, 0f);
                                if (maskOrNull is not null && !(maskOrNull[idx] > 0f)) v = 0f;
                                expected[idx] = v;
                            }
                            if (sigmoid) System.Numerics.Tensors.TensorPrimitives.Sigmoid(expected, expected);
                            for (int idx = 0; idx < plain.Length; idx++)
                            {
                                float v = expected[idx];
                                // A ragged last strip of columns takes TensorPrimitives.Sigmoid on a span
                                // of its width, whose short-span path rounds a few ulps differently.
                                if (sigmoid && idx % n >= n / 32 * 32)
                                {
                                    Assert.True(Math.Abs(v - fused[idx]) <= 1e-6f * Math.Abs(v), $"C[{idx}] is {fused[idx]}, expected {v}");
                                    continue;
                                }
                                if (BitConverter.SingleToInt32Bits(v) != BitConverter.SingleToInt32Bits(fused[idx]))
                                    Assert.Fail($"{kernel} {m}x{n}x{k} ta={ta} alpha={alpha} beta={beta} combo={combo} threads={threads}: C[{idx}] is {fused[idx]}, expected {v}");
                            }
                        }
                    }
                }
    }

    [Fact]
    public void TheEpilogueIsNotANoOpAtTheseShapes()
    {
        // Guards the test above: with the bias left out, the product alone is far from the oracle with it.
        var (m, n, k) = Shapes[0];
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var bias = Random(n, 3);
        var withBias = Oracle(Product(false, true, m, n, k, a, b), n, bias, false, null);
        var c = new float[m * n];
        using (Compute.UseThreads(2))
            Gemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
        double worst = withBias.Select((e, i) => Math.Abs(e - c[i])).Max();
        Assert.True(worst > 0.1, $"largest difference {worst}");
    }
}
