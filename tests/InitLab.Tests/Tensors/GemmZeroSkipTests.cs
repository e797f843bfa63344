using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>
/// The GEMM's skipping of all-zero steps (Tensor.Zeros): the same bits as the full product
/// for finite operands, whatever the shape, transposes, alpha, beta, epilogue or thread count;
/// and a step really is left out (a NaN met only by zeros does not reach C, as in the reference BLAS).
/// </summary>
public class GemmZeroSkipTests
{
    /// <summary>
    /// Values in [-1, 1) with zeros laid out as images have them: whole runs of steps zero in
    /// every row (borders), scattered zeros, and some of them -0.
    /// </summary>
    private static float[] Sparse(int rows, int cols, int seed)
    {
        var r = new System.Random(seed);
        var x = new float[rows * cols];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(r.NextDouble() * 2 - 1);
        for (int j = 0; j < cols; j++)
        {
            bool border = j % 28 < 5 || r.NextDouble() < 0.2;
            for (int i = 0; i < rows; i++)
                if (border || r.NextDouble() < 0.4) x[i * cols + j] = r.NextDouble() < 0.3 ? -0f : 0f;
        }
        return x;
    }

    private static float[] Dense(int count, int seed)
    {
        var r = new System.Random(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(r.NextDouble() * 2 - 1);
        return x;
    }

    private static void SameBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]} with the skip, {expected[i]} without");
    }

    public static IEnumerable<object[]> Shapes() =>
        from shape in new[] { (1, 1, 1), (3, 5, 7), (4, 32, 28), (5, 33, 29), (8, 32, 288), (13, 40, 289), (100, 256, 784), (100, 10, 256), (37, 70, 600) }
        from ta in new[] { false, true }
        from tb in new[] { false, true }
        select new object[] { shape.Item1, shape.Item2, shape.Item3, ta, tb };

    /// <summary>The zero operand as A (the first layer's forward product) and as B (its weight gradient).</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void SkippingGivesTheFullProductsBits(int m, int n, int k, bool ta, bool tb)
    {
        foreach (bool sparseA in new[] { true, false })
            foreach (int threads in new[] { 1, 2 })
                foreach (var (alpha, beta) in new[] { (1f, 0f), (0.5f, 1f), (-1.25f, 0.75f) })
                {
                    // The sparse operand's steps are its columns of pixels: A's (m, k) columns, B's (k, n) rows.
                    var a = sparseA ? new Tensor(Sparse(m, k, m + k), m, k) : new Tensor(Dense(m * k, m + k), m, k);
                    var b = sparseA ? new Tensor(Dense(k * n, n + k), k, n) : Transposed(new Tensor(Sparse(n, k, n + k), n, k));
                    if (ta) a = Transposed(a);
                    if (tb) b = Transposed(b);
                    var c0 = Dense(m * n, m * n);
                    var full = new Tensor((float[])c0.Clone(), m, n);
                    var skipped = new Tensor((float[])c0.Clone(), m, n);
                    Gemm.Multiply(a, ta, b, tb, full, alpha, beta, threads);
                    (sparseA ? a : b).Zeros = ZeroHint.Columns | ZeroHint.RowStrips;
                    Gemm.Multiply(a, ta, b, tb, skipped, alpha, beta, threads);
                    SameBits(full.Data, skipped.Data, $"{m}x{n}x{k} ta={ta} tb={tb} sparse {(sparseA ? "A" : "B")} alpha={alpha} beta={beta} threads={threads}");
                }
    }

    private static Tensor Transposed(Tensor x)
    {
        var t = new Tensor(x.Cols, x.Rows);
        for (int i = 0; i < x.Rows; i++)
            for (int j = 0; j < x.Cols; j++) t.Data[j * x.Rows + i] = x.Data[i * x.Cols + j];
        return t;
    }

    /// <summary>The first layer's forward product as Linear runs it: bias and ReLU in the epilogue, the tiles' registers.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SkippingKeepsTheEpiloguesBits(int threads)
    {
        var x = new Tensor(Sparse(100, 784, 1), 100, 784);
        var w = new Tensor(Dense(256 * 784, 2), 256, 784);
        var bias = Dense(256, 3);
        var full = new Tensor(100, 256);
        var skipped = new Tensor(100, 256);
        var epilogue = new GemmEpilogue { ColumnBias = bias, Relu = true };
        Gemm.Multiply(x, false, w, true, full, threads: threads, epilogue: epilogue);
        x.Zeros = ZeroHint.Columns;
        Gemm.Multiply(x, false, w, true, skipped, threads: threads, epilogue: epilogue);
        SameBits(full.Data, skipped.Data, $"forward with bias and ReLU, {threads} thread(s)");
        // The same through a packed B (the RBM's products).
        var packed = new PackedMatrix();
        packed.Pack(w, 0, 256, transB: true, threads: 1);
        var viaPacked = new Tensor(100, 256);
        Gemm.Multiply(x, false, packed, viaPacked, threads: threads, epilogue: epilogue);
        SameBits(full.Data, viaPacked.Data, $"packed B, {threads} thread(s)");
    }

    /// <summary>
    /// A layer's backward pair (dW = dyᵀx, dx = dy·W, dx masked) with dy a masked gradient and x a
    /// ReLU's output, both hinted as Linear hints them: the same bits as without the hints.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ThePairSkipsWithTheSameBits(int threads)
    {
        const int batch = 100, inputs = 512, units = 512;
        var x = new Tensor(Sparse(batch, inputs, 11), batch, inputs);
        var dy = new Tensor(Sparse(batch, units, 12), batch, units);
        var w = new Tensor(Dense(units * inputs, 13), units, inputs);
        var mask = Dense(batch * inputs, 14);
        var dwFull = new Tensor(units, inputs);
        var dxFull = new Tensor(batch, inputs);
        var dwSkip = new Tensor(units, inputs);
        var dxSkip = new Tensor(batch, inputs);
        using (Compute.UseThreads(threads))
        {
            Gemm.MultiplyPair(dy, true, x, false, dwFull, default, dy, false, w, false, dxFull, new GemmEpilogue { Mask = mask });
            (x.Zeros, dy.Zeros) = (ZeroHint.Columns, ZeroHint.Columns);
            Gemm.MultiplyPair(dy, true, x, false, dwSkip, default, dy, false, w, false, dxSkip, new GemmEpilogue { Mask = mask });
        }
        SameBits(dwFull.Data, dwSkip.Data, $"dW, {threads} thread(s)");
        SameBits(dxFull.Data, dxSkip.Data, $"dx, {threads} thread(s)");
    }

    /// <summary>
    /// A step that is all zero really is skipped: a NaN in the other operand at that step makes
    /// the full product NaN (0·NaN) but leaves the skipping one finite and equal to the product
    /// without that step. A hint that does not fit the operand's steps is not used.
    /// </summary>
    [Fact]
    public void AZeroStepIsLeftOut()
    {
        const int m = 16, n = 64, k = 40, step = 17;
        var a = new Tensor(Dense(m * k, 5), m, k);
        var b = new Tensor(Dense(k * n, 6), k, n);
        for (int i = 0; i < m; i++) a.Data[i * k + step] = 0f;
        for (int j = 0; j < n; j++) b.Data[step * n + j] = float.NaN;
        var without = new Tensor(m, n);
        var bFinite = new Tensor((float[])b.Data.Clone(), k, n);
        for (int j = 0; j < n; j++) bFinite.Data[step * n + j] = 0f;
        Gemm.Multiply(a, false, bFinite, false, without);

        var full = new Tensor(m, n);
        Gemm.Multiply(a, false, b, false, full);
        Assert.All(full.Data, v => Assert.True(float.IsNaN(v)));

        a.Zeros = ZeroHint.RowStrips; // not where A's steps are
        Gemm.Multiply(a, false, b, false, full);
        Assert.All(full.Data, v => Assert.True(float.IsNaN(v)));

        if (GemmKernels.Default != GemmKernel.Avx512) return; // the other kernels compute every step
        a.Zeros = ZeroHint.Columns;
        var skipped = new Tensor(m, n);
        Gemm.Multiply(a, false, b, false, skipped);
        SameBits(without.Data, skipped.Data, "A's zero step with NaN in B");

        // And B's: a zero row of B at the step, NaN in A's column.
        a = new Tensor(Dense(m * k, 7), m, k);
        for (int i = 0; i < m; i++) a.Data[i * k + step] = float.NaN;
        b = new Tensor(Dense(k * n, 8), k, n);
        for (int j = 0; j < n; j++) b.Data[step * n + j] = -0f;
        var aFinite = new Tensor((float[])a.Data.Clone(), m, k);
        for (int i = 0; i < m; i++) aFinite.Data[i * k + step] = 0f;
        Gemm.Multiply(aFinite, false, b, false, without);
        b.Zeros = ZeroHint.RowStrips;
        Gemm.Multiply(a, false, b, false, skipped);
        SameBits(without.Data, skipped.Data, "B's zero step with NaN in A");
    }
}

/// <summary>Which layers mark their outputs for the zero skip.</summary>
public class ZeroHintTests
{
    [Fact]
    public void AReluMarksItsOutputAndItsMaskedGradientOthersDoNot()
    {
        var x = new Tensor([1f, -1f, 0.5f, -2f], 2, 2);
        var relu = new InitLab.Nn.Relu();
        Assert.Equal(ZeroHint.Columns, relu.Forward(x).Zeros);
        Assert.Equal(ZeroHint.Columns | ZeroHint.RowStrips, relu.Backward(new Tensor([1f, 1f, 1f, 1f], 2, 2))!.Zeros);
        var tanh = new InitLab.Nn.Tanh();
        Assert.Equal(ZeroHint.None, tanh.Forward(x).Zeros);
        Assert.Equal(ZeroHint.None, tanh.Backward(new Tensor([1f, 1f, 1f, 1f], 2, 2))!.Zeros);
    }
}
