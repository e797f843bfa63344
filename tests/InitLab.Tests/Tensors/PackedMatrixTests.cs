using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>GEMM with B packed beforehand against the same GEMM packing B itself: bit for bit.</summary>
public class PackedMatrixTests
{
    public static IEnumerable<object[]> Kernels() =>
        Enum.GetValues<GemmKernel>().Where(k => k is not (GemmKernel.Auto or GemmKernel.Naive) && GemmKernels.IsSupported(k)).Select(k => new object[] { k });

    private static Tensor Random(int rows, int cols, int seed)
    {
        var r = new System.Random(seed);
        var t = new Tensor(rows, cols);
        for (int i = 0; i < t.Length; i++) t.Data[i] = (float)(r.NextDouble() * 2 - 1);
        return t;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void PackedProductsEqualUnpackedOnesForEveryThreadCount(GemmKernel kernel)
    {
        // (m, n, k): an RBM step's shape (k over two blocks, n not a multiple of the strip), a
        // tall one (split by rows), a small one (one thread), and k over three blocks.
        foreach (var (m, n, k) in new[] { (100, 500, 784), (300, 70, 129), (5, 9, 7), (64, 257, 700) })
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                {
                    var a = transA ? Random(k, m, 1) : Random(m, k, 1);
                    var b = transB ? Random(n, k, 2) : Random(k, n, 2);
                    var bias = Random(1, n, 3).Data;
                    var epilogue = new GemmEpilogue { ColumnBias = bias, Sigmoid = true };
                    using var packed = new PackedMatrix();
                    foreach (int threads in new[] { 1, 2, 3 })
                    {
                        var expected = Random(m, n, 4);
                        var actual = Random(m, n, 4);
                        using (Compute.UseThreads(threads))
                        {
                            Gemm.Multiply(a, transA, b, transB, expected, alpha: 0.5f, beta: 0.25f, kernel: kernel, epilogue: epilogue);
                            packed.Pack(b, transB, kernel: kernel);
                            Gemm.Multiply(a, transA, packed, actual, alpha: 0.5f, beta: 0.25f, epilogue: epilogue);
                        }
                        Assert.True(expected.Data.AsSpan().SequenceEqual(actual.Data),
                            $"{kernel} {m}x{n}x{k} transA={transA} transB={transB} threads={threads}");
                    }
                }
    }

    [Fact]
    public void ShapesThatDoNotAgreeAreRefused()
    {
        using var packed = new PackedMatrix();
        packed.Pack(new Tensor(10, 20), transB: true); // op(B) is 20 x 10
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new Tensor(4, 10), false, packed, new Tensor(4, 10)));
        Assert.Contains("packed op(B) is 20x10", ex.Message);
    }
}
