using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace InitLab.Tensors;

/// <summary>
/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, where op(A) is m x k
/// and op(B) is k x n. With transA, A is stored k x m; with transB, B is stored n x k.
/// Like BLAS, beta == 0 ignores C's old contents (NaNs included).
/// <para>
/// The fast path packs A and B into cache-sized panels (Goto/BLIS layout: KC x MC of A, KC x NC
/// of B) and runs a register-blocked SIMD micro-kernel over them. Work is split between threads
/// by whole column (or row) ranges of C, so each element of C is summed in the same order
/// whatever the thread count: results are bit-identical for 1, 2 or more threads.
/// </para>
/// </summary>
public static unsafe partial class Gemm
{
    // Upper bounds of the cache blocks; the blocks actually used divide k and m evenly (below)
    // so that, e.g., k = 784 runs as 3 slices of 264 rather than 256+256+256+16.
    internal const int KC = 288;   // B micro-panel KC x 32 floats stays in L1 (48 KiB)
    internal const int MC = 144;   // A block MC x KC floats stays in L2
    internal const int NC = 2048;

    /// <summary>Splits <paramref name="total"/> into equal blocks of at most <paramref name="max"/>, rounded up to <paramref name="align"/>.</summary>
    private static int BlockSize(int total, int max, int align)
    {
        int blocks = (total + max - 1) / max;
        int size = (total + blocks - 1) / blocks;
        return Math.Min(max, (size + align - 1) / align * align);
    }

    /// <summary>The k-block size GEMM uses for a product of inner size <paramref name="k"/>.</summary>
    internal static int KcBlockOf(int k) => BlockSize(k, KC, 8);

    /// <summary>The width of the B strips (the micro-kernel's register tile) of <paramref name="kernel"/>.</summary>
    internal static int NrOf(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Avx512 => 32,
        GemmKernel.Avx2Fma => 16,
        _ => 8,
    };

    /// <summary>
    /// GEMM with a right-hand operand packed beforehand: c = alpha * op(a) * op(B) + beta * c,
    /// where op(B) is what <paramref name="b"/> packed. Bit for bit the same as the product with
    /// B unpacked on the packed operand's kernel, for every thread count.
    /// </summary>
    public static void Multiply(Tensor a, bool transA, PackedMatrix b, Tensor c,
        float alpha = 1f, float beta = 0f, int threads = 0, GemmEpilogue epilogue = default)
    {
        int m = transA ? a.Cols : a.Rows, k = transA ? a.Rows : a.Cols;
        if (k != b.K || c.Rows != m || c.Cols != b.N)
            throw new ArgumentException($"GEMM shapes do not agree: op(A) is {m}x{k}, packed op(B) is {b.K}x{b.N}, C is {c.Rows}x{c.Cols}.");
        int n = b.N;
        CheckOperand("A", transA ? k : m, transA ? m : k, a.Cols, a.Data.Length);
        CheckOperand("C", m, n, c.Cols, c.Data.Length);
        CheckEpilogue(epilogue, m, n);
        if (m == 0 || n == 0) return;
        if (threads <= 0) threads = Compute.Threads;
        fixed (float* pa = a.Data, pc = c.Data, pBias = epilogue.ColumnBias, pMask = epilogue.Mask, pTarget = epilogue.StepTarget)
        {
            if (k == 0 || alpha == 0f)
            {
                ScaleC(m, n, beta, pc, n);
                if (!epilogue.IsEmpty) GemmEpilogue.Apply(pc, n, m, n, 0, 0, pBias, epilogue.Relu, pMask, n, epilogue.Sigmoid, pTarget, epilogue.StepDecay);
                return;
            }
            var job = GemmJob.ForThisThread;
            job.Set(transA, false, m, n, k, alpha, pa, a.Cols, null, 0, beta, pc, n, b.Kernel);
            job.SetPacked(b);
            job.SetEpilogue(pBias, epilogue.Relu, pMask, epilogue.Sigmoid, pTarget, epilogue.StepDecay);
            job.SetZeros(ZerosOf(a, transA, null, false));
            try
            {
                WorkerPool.Current.Run(job, PartsOf(job, (long)m * n * k, threads));
            }
            finally
            {
                job.SetPacked(null);
            }
        }
    }

    /// <summary>Below this many multiply-adds a GEMM runs on the calling thread alone.</summary>
    internal const long ParallelThreshold = 1L << 17;

    /// <summary>Into how many parts a job of <paramref name="work"/> multiply-adds splits: one below <see cref="ParallelThreshold"/> (WorkerPool.Run then runs it on the calling thread).</summary>
    private static int PartsOf(GemmJob job, long work, int threads) => work < ParallelThreshold ? 1 : Math.Min(threads, job.MaxParts);

    /// <summary>
    /// GEMM on tensors: c = alpha * op(a) * op(b) + beta * c, shapes checked.
    /// <paramref name="threads"/> = 0 takes the calling thread's <see cref="Compute.Threads"/>.
    /// </summary>
    public static void Multiply(Tensor a, bool transA, Tensor b, bool transB, Tensor c,
        float alpha = 1f, float beta = 0f, int threads = 0, GemmKernel kernel = GemmKernel.Auto, GemmEpilogue epilogue = default)
    {
        var (m, n, k) = ShapesOf(a, transA, b, transB, c);
        if (epilogue.StepTarget is not null) CheckStepTarget(epilogue, a.Data, b.Data, c.Data);
        Multiply(ZerosOf(a, transA, b, transB), transA, transB, m, n, k, alpha, a.Data, a.Cols, b.Data, b.Cols, beta, c.Data, c.Cols, threads, kernel, epilogue);
    }

    /// <summary>
    /// From this share of zero pixels a dataset's batches are marked (<see cref="ImageZeros"/>).
    /// One thread, best of 6 interleaved rounds (2026-12-03): the first layer's forward product
    /// (100x256x784, A the batch) on Fashion-MNIST batches (50% zero pixels; 14% of the steps of 8
    /// rows all zero) 380 -> 342 µs, MNIST (81%; 54%) 389 -> 245, data without zeros 382 -> 384;
    /// its weight gradient (256x784x100, B the batch; 13% and 30% of the 32-pixel steps zero)
    /// 383 -> 357, 388 -> 289, and 383-393 against 382-384 without zeros.
    /// </summary>
    internal const float SkipZerosFrom = 0.25f;

    /// <summary>The hint for a batch of images with this share of zero pixels: both kinds from <see cref="SkipZerosFrom"/>, else none.</summary>
    internal static ZeroHint ImageZeros(float share) => share >= SkipZerosFrom ? ZeroHint.Columns | ZeroHint.RowStrips : ZeroHint.None;

    /// <summary>
    /// Whose zero steps op(a)·op(b) skips: A's when its steps' zeros run over 8 rows of op(A)
    /// (columns of a, or rows of a transposed: <see cref="ZeroHint.Columns"/> or
    /// <see cref="ZeroHint.RowStrips"/>), else B's when b, not transposed, has zero row strips.
    /// </summary>
    internal static GemmZeros ZerosOf(Tensor? a, bool transA, Tensor? b, bool transB) =>
        a is not null && (a.Zeros & (transA ? ZeroHint.RowStrips : ZeroHint.Columns)) != 0 ? GemmZeros.A
        : b is not null && !transB && (b.Zeros & ZeroHint.RowStrips) != 0 ? GemmZeros.B : GemmZeros.None;

    /// <summary>A step target (W += C) must not be one of the product's operands: one thread would write it while another reads it.</summary>
    private static void CheckStepTarget(in GemmEpilogue epilogue, float[] a, float[] b, float[] c, float[]? a2 = null, float[]? b2 = null)
    {
        if (epilogue.StepTarget is { } w && (w == a || w == b || w == c || w == a2 || w == b2))
            throw new ArgumentException("GEMM epilogue: the step target is an operand of the product.");
    }

    /// <summary>
    /// The sum of two products into one result: c = alpha1 * op(a1) * b1 + alpha2 * op(a2) * b2
    /// + beta * c, op(a) being a transposed when <paramref name="transA"/> (an RBM's weight step
    /// from its positive and negative statistics). Bit for bit the two GEMMs
    /// <c>Multiply(a1, transA, b1, false, c, alpha1, beta)</c> then
    /// <c>Multiply(a2, transA, b2, false, c, alpha2, 1, epilogue)</c>, for every thread count. When
    /// both inner sizes fit one cache block together (k1 + k2 &lt;= 288) each tile of c takes both
    /// products while it is in L1, so c passes through memory once instead of twice.
    /// </summary>
    public static void MultiplySum(Tensor a1, Tensor b1, float alpha1, Tensor a2, Tensor b2, float alpha2, bool transA,
        Tensor c, float beta = 0f, int threads = 0, GemmEpilogue epilogue = default)
    {
        int m = transA ? a1.Cols : a1.Rows, k1 = transA ? a1.Rows : a1.Cols, k2 = transA ? a2.Rows : a2.Cols;
        int n = b1.Cols;
        if (k1 != b1.Rows || c.Rows != m || c.Cols != n)
            throw new ArgumentException($"GEMM shapes do not agree: op(A1) is {m}x{k1}, B1 is {b1.Rows}x{b1.Cols}, C is {c.Rows}x{c.Cols}.");
        if ((transA ? a2.Cols : a2.Rows) != m || k2 != b2.Rows || b2.Cols != n)
            throw new ArgumentException($"GEMM shapes do not agree: op(A2) is {(transA ? a2.Cols : a2.Rows)}x{k2}, B2 is {b2.Rows}x{b2.Cols}, C is {m}x{n}.");
        CheckOperand("A1", transA ? k1 : m, transA ? m : k1, a1.Cols, a1.Data.Length);
        CheckOperand("B1", k1, n, b1.Cols, b1.Data.Length);
        CheckOperand("A2", transA ? k2 : m, transA ? m : k2, a2.Cols, a2.Data.Length);
        CheckOperand("B2", k2, n, b2.Cols, b2.Data.Length);
        CheckOperand("C", m, n, c.Cols, c.Data.Length);
        CheckEpilogue(epilogue, m, n);
        if (epilogue.StepTarget is not null) CheckStepTarget(epilogue, a1.Data, b1.Data, c.Data, a2.Data, b2.Data);
        var kernel = GemmKernels.Default;
        if (k1 == 0 || k2 == 0 || k1 + k2 > KC || alpha1 == 0f || alpha2 == 0f || m == 0 || n == 0 || kernel == GemmKernel.Naive)
        {
            Multiply(a1, transA, b1, false, c, alpha1, beta, threads);
            Multiply(a2, transA, b2, false, c, alpha2, 1f, threads, epilogue: epilogue);
            return;
        }
        if (threads <= 0) threads = Compute.Threads;
        fixed (float* pa = a1.Data, pb = b1.Data, pa2 = a2.Data, pb2 = b2.Data, pc = c.Data,
            pBias = epilogue.ColumnBias, pMask = epilogue.Mask, pTarget = epilogue.StepTarget)
        {
            var job = GemmJob.ForThisThread;
            job.Set(transA, false, m, n, k1, alpha1, pa, a1.Cols, pb, n, beta, pc, n, kernel);
            job.SetSecond(pa2, a2.Cols, pb2, n, k2, alpha2);
            job.SetEpilogue(pBias, epilogue.Relu, pMask, epilogue.Sigmoid, pTarget, epilogue.StepDecay);
            RunSum(job, m, n, k1 + k2, threads);
        }
    }

    /// <summary>Runs a job set up for a sum of two products (on as many threads as its size earns), then clears its second product.</summary>
    private static void RunSum(GemmJob job, int m, int n, int k, int threads)
    {
        try
        {
            WorkerPool.Current.Run(job, PartsOf(job, (long)m * n * k, threads));
        }
        finally
        {
            job.SetSecond(null, 0, null, 0, 0, 0f);
        }
    }

    /// <summary>
    /// BLAS-shaped GEMM over row-major spans with leading dimensions (row strides).
    /// <paramref name="threads"/> = 0 takes the calling thread's <see cref="Compute.Threads"/>.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        int threads = 0, GemmKernel kernel = GemmKernel.Auto, GemmEpilogue epilogue = default) =>
        Multiply(GemmZeros.None, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, kernel, epilogue);

    /// <summary>As the public overload, skipping the zero steps of the operand <paramref name="zeros"/> names.</summary>
    internal static void Multiply(GemmZeros zeros, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        int threads = 0, GemmKernel kernel = GemmKernel.Auto, GemmEpilogue epilogue = default)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        CheckEpilogue(epilogue, m, n);
        if (m == 0 || n == 0) return;
        if (kernel == GemmKernel.Auto) kernel = GemmKernels.Default;
        if (!GemmKernels.IsSupported(kernel))
            throw new PlatformNotSupportedException($"GEMM kernel {kernel} is not supported by this CPU.");
        if (threads <= 0) threads = Compute.Threads;

        fixed (float* pa = a, pb = b, pc = c, pBias = epilogue.ColumnBias, pMask = epilogue.Mask, pTarget = epilogue.StepTarget)
        {
            var job = GemmJob.ForThisThread;
            int parts = Prepare(job, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, threads, kernel, epilogue, pBias, pMask, pTarget);
            if (parts > 0)
            {
                job.SetZeros(zeros);
                WorkerPool.Current.Run(job, parts);
            }
        }
    }

    /// <summary>
    /// <see cref="MultiplySum(Tensor, Tensor, float, Tensor, Tensor, float, bool, Tensor, float, int, GemmEpilogue)"/>
    /// with op(A) = Aᵀ into <paramref name="c"/>, an m x n block of rows (row stride n) of a larger
    /// matrix, each tile then stepping the same block of rows <paramref name="stepTarget"/>:
    /// C = C - decay·W, W = W + C (an RBM's weight step for one group of hidden units). The same
    /// numbers as that overload on the whole matrices, row for row.
    /// </summary>
    internal static void MultiplySumInto(Tensor a1, Tensor b1, float alpha1, Tensor a2, Tensor b2, float alpha2,
        Span<float> c, float beta, Span<float> stepTarget, float decay, int threads)
    {
        int m = a1.Cols, n = b1.Cols, k1 = a1.Rows, k2 = a2.Rows;
        if (k1 != b1.Rows || a2.Cols != m || k2 != b2.Rows || b2.Cols != n || c.Length != m * n || stepTarget.Length != m * n)
            throw new ArgumentException($"GEMM shapes do not agree: A1ᵀ is {m}x{k1}, B1 is {b1.Rows}x{n}, A2ᵀ is {a2.Cols}x{k2}, B2 is {b2.Rows}x{b2.Cols}, C has {c.Length} values, the target {stepTarget.Length}.");
        CheckOperand("A1", k1, m, a1.Cols, a1.Data.Length);
        CheckOperand("B1", k1, n, b1.Cols, b1.Data.Length);
        CheckOperand("A2", k2, m, a2.Cols, a2.Data.Length);
        CheckOperand("B2", k2, n, b2.Cols, b2.Data.Length);
        ReadOnlySpan<float> target = stepTarget, result = c;
        if (target.Overlaps(result) || target.Overlaps(a1.Data) || target.Overlaps(b1.Data) || target.Overlaps(a2.Data) || target.Overlaps(b2.Data)
            || result.Overlaps(a1.Data) || result.Overlaps(b1.Data) || result.Overlaps(a2.Data) || result.Overlaps(b2.Data))
            throw new ArgumentException("GEMM: the result or the step target overlaps another operand.");
        if (m == 0 || n == 0) return;
        if (threads <= 0) threads = Compute.Threads;
        var kernel = GemmKernels.Default;
        fixed (float* pa = a1.Data, pb = b1.Data, pa2 = a2.Data, pb2 = b2.Data, pc = c, pTarget = stepTarget)
        {
            if (k1 == 0 || k2 == 0 || k1 + k2 > KC || alpha1 == 0f || alpha2 == 0f || kernel == GemmKernel.Naive)
            {
                Multiply(true, false, m, n, k1, alpha1, a1.Data, m, b1.Data, n, beta, c, n, threads);
                Multiply(true, false, m, n, k2, alpha2, a2.Data, m, b2.Data, n, 1f, c, n, threads);
                GemmEpilogue.Apply(pc, n, m, n, 0, 0, null, false, null, n, false, pTarget, decay);
                return;
            }
            var job = GemmJob.ForThisThread;
            job.Set(true, false, m, n, k1, alpha1, pa, m, pb, n, beta, pc, n, kernel);
            job.SetSecond(pa2, m, pb2, n, k2, alpha2);
            job.SetEpilogue(null, false, null, false, pTarget, decay);
            RunSum(job, m, n, k1 + k2, threads);
        }
    }

    /// <summary>
    /// Sets <paramref name="job"/> up for the product (operands checked, m and n non-zero, the
    /// kernel resolved and supported) and returns into how many parts it splits; or computes it
    /// here and returns 0 when there is nothing to multiply (k = 0, alpha = 0) or the kernel is the naive loop.
    /// </summary>
    private static int Prepare(GemmJob job, bool transA, bool transB, int m, int n, int k, float alpha,
        float* pa, int lda, float* pb, int ldb, float beta, float* pc, int ldc, int threads, GemmKernel kernel,
        in GemmEpilogue epilogue, float* pBias, float* pMask, float* pTarget)
    {
        if (k == 0 || alpha == 0f || kernel == GemmKernel.Naive)
        {
            if (kernel == GemmKernel.Naive && k > 0 && alpha != 0f) Naive(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            else ScaleC(m, n, beta, pc, ldc);
            if (!epilogue.IsEmpty) GemmEpilogue.Apply(pc, ldc, m, n, 0, 0, pBias, epilogue.Relu, pMask, n, epilogue.Sigmoid, pTarget, epilogue.StepDecay);
            return 0;
        }
        job.Set(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, kernel);
        job.SetEpilogue(pBias, epilogue.Relu, pMask, epilogue.Sigmoid, pTarget, epilogue.StepDecay);
        return PartsOf(job, (long)m * n * k, threads);
    }

    /// <summary>
    /// Two independent products in one parallel call: c1 = op(a1) * op(b1) and c2 = op(a2) *
    /// op(b2), each with its epilogue (beta 0, alpha 1), every thread computing its part of the
    /// first and then its part of the second. Bit for bit the two <see cref="Multiply(Tensor, bool, Tensor, bool, Tensor, float, float, int, GemmKernel, GemmEpilogue)"/>
    /// calls, for every thread count; the threads meet once instead of twice (backpropagation's
    /// weight gradient and input gradient of one layer). Neither result may be an operand (or the
    /// epilogue's mask or bias) of the other product, and step targets are not taken.
    /// </summary>
    public static void MultiplyPair(Tensor a1, bool transA1, Tensor b1, bool transB1, Tensor c1, GemmEpilogue epilogue1,
        Tensor a2, bool transA2, Tensor b2, bool transB2, Tensor c2, GemmEpilogue epilogue2, int threads = 0)
    {
        var (m1, n1, k1) = ShapesOf(a1, transA1, b1, transB1, c1);
        var (m2, n2, k2) = ShapesOf(a2, transA2, b2, transB2, c2);
        Validate(transA1, transB1, m1, n1, k1, a1.Data.Length, a1.Cols, b1.Data.Length, b1.Cols, c1.Data.Length, c1.Cols);
        Validate(transA2, transB2, m2, n2, k2, a2.Data.Length, a2.Cols, b2.Data.Length, b2.Cols, c2.Data.Length, c2.Cols);
        CheckEpilogue(epilogue1, m1, n1);
        CheckEpilogue(epilogue2, m2, n2);
        if (epilogue1.StepTarget is not null || epilogue2.StepTarget is not null)
            throw new ArgumentException("GEMM pair: step targets are not taken; multiply such a product by itself.");
        if (c1.Data == a2.Data || c1.Data == b2.Data || c1.Data == c2.Data || c1.Data == epilogue2.Mask || c1.Data == epilogue2.ColumnBias
            || c2.Data == a1.Data || c2.Data == b1.Data || c2.Data == epilogue1.Mask || c2.Data == epilogue1.ColumnBias)
            throw new ArgumentException("GEMM pair: one product's result is an operand of the other; the two must be independent.");
        var kernel = GemmKernels.Default;
        if (threads <= 0) threads = Compute.Threads;
        fixed (float* pa1 = a1.Data, pb1 = b1.Data, pc1 = c1.Data, pBias1 = epilogue1.ColumnBias, pMask1 = epilogue1.Mask,
            pa2 = a2.Data, pb2 = b2.Data, pc2 = c2.Data, pBias2 = epilogue2.ColumnBias, pMask2 = epilogue2.Mask)
        {
            var job1 = GemmJob.ForThisThread;
            var job2 = GemmJob.SecondForThisThread;
            int parts1 = m1 == 0 || n1 == 0 ? 0 : Prepare(job1, transA1, transB1, m1, n1, k1, 1f, pa1, a1.Cols, pb1, b1.Cols, 0f, pc1, c1.Cols,
                threads, kernel, epilogue1, pBias1, pMask1, null);
            int parts2 = m2 == 0 || n2 == 0 ? 0 : Prepare(job2, transA2, transB2, m2, n2, k2, 1f, pa2, a2.Cols, pb2, b2.Cols, 0f, pc2, c2.Cols,
                threads, kernel, epilogue2, pBias2, pMask2, null);
            int parts = Math.Max(parts1, parts2);
            if (parts == 0) return;
            job1.SetZeros(ZerosOf(a1, transA1, b1, transB1));
            job2.SetZeros(ZerosOf(a2, transA2, b2, transB2));
            var pair = PairJob.ForThisThread;
            // A product done here already (parts 0: nothing to multiply) is left out of the job.
            pair.Set(parts1 > 0 ? job1 : null, parts1, parts2 > 0 ? job2 : null, parts2);
            try
            {
                // One part runs on this thread (Run's own shortcut).
                WorkerPool.Current.Run(pair, parts);
            }
            finally
            {
                pair.Set(null, 0, null, 0);
            }
        }
    }

    /// <summary>The product's m, n and k from the tensors' shapes, which must agree (whether the data holds them is <see cref="Validate"/>'s check: a rank-1 tensor reports n x n).</summary>
    private static (int M, int N, int K) ShapesOf(Tensor a, bool transA, Tensor b, bool transB, Tensor c)
    {
        int m = transA ? a.Cols : a.Rows, k = transA ? a.Rows : a.Cols;
        int kb = transB ? b.Cols : b.Rows, n = transB ? b.Rows : b.Cols;
        if (k != kb || c.Rows != m || c.Cols != n)
            throw new ArgumentException($"GEMM shapes do not agree: op(A) is {m}x{k}, op(B) is {kb}x{n}, C is {c.Rows}x{c.Cols}.");
        return (m, n, k);
    }

    /// <summary>The two products of <see cref="MultiplyPair"/> as one job: part i runs part i of each product that has that many parts.</summary>
    private sealed class PairJob : IParallelJob
    {
        [ThreadStatic] private static PairJob? _forThisThread;
        public static PairJob ForThisThread => _forThisThread ??= new PairJob();

        private GemmJob? _first, _second;
        private int _parts1, _parts2;

        public void Set(GemmJob? first, int parts1, GemmJob? second, int parts2) =>
            (_first, _parts1, _second, _parts2) = (first, parts1, second, parts2);

        public void Execute(int index, int count)
        {
            if (index < _parts1) _first!.Execute(index, _parts1);
            if (index < _parts2) _second!.Execute(index, _parts2);
        }

#if INITLAB_PROFILE
        public override string ToString()
        {
            var key = (_first?.ToString() ?? "(done before)", _second?.ToString() ?? "(done before)");
            lock (Descriptions)
            {
                if (!Descriptions.TryGetValue(key, out var text)) Descriptions[key] = text = $"{key.Item1} + {key.Item2}";
                return text;
            }
        }

        private static readonly Dictionary<(string, string), string> Descriptions = new();
#endif
    }

    private static void CheckEpilogue(in GemmEpilogue epilogue, int m, int n)
    {
        if (epilogue.ColumnBias is { } cb && cb.Length < n)
            throw new ArgumentException($"GEMM epilogue: bias has {cb.Length} values for {n} columns.");
        if (epilogue.Mask is { } mk && (long)m * n > mk.Length)
            throw new ArgumentException($"GEMM epilogue: mask has {mk.Length} values for a {m}x{n} result.");
        if (epilogue.StepTarget is { } st && (long)m * n > st.Length)
            throw new ArgumentException($"GEMM epilogue: step target has {st.Length} values for a {m}x{n} result.");
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k,
        int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), "GEMM sizes must be non-negative.");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        CheckOperand("A", aRows, aCols, lda, aLen);
        CheckOperand("B", bRows, bCols, ldb, bLen);
        CheckOperand("C", m, n, ldc, cLen);
    }

    private static void CheckOperand(string name, int rows, int cols, int ld, int length)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new ArgumentException($"GEMM: leading dimension of {name} ({ld}) is smaller than its {cols} columns.");
        if ((long)(rows - 1) * ld + cols > length)
            throw new ArgumentException($"GEMM: {name} needs {(long)(rows - 1) * ld + cols} floats ({rows}x{cols}, ld {ld}) but has {length}.");
    }

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>The reference triple loop (double accumulation). Kept as the oracle for tests.</summary>
    public static void Naive(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a, pb = b, pc = c) Naive(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    private static void Naive(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[(long)p * lda + i] : a[(long)i * lda + p];
                    float bv = transB ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
                    s += (double)av * bv;
                }
                float* cij = c + (long)i * ldc + j;
                *cij = beta == 0f ? (float)(alpha * s) : (float)(alpha * s + (double)beta * *cij);
            }
    }

    /// <summary>Per-thread packing buffers, 64-byte aligned, allocated once per thread and kept.</summary>
    private static class PackBuffers
    {
        [ThreadStatic] private static float* _a;
        [ThreadStatic] private static float* _b;
        [ThreadStatic] private static float* _tile;
        [ThreadStatic] private static float* _a2;

        public static float* A => _a != null ? _a : _a = Alloc(KC * (MC + 16));
        public static float* A2 => _a2 != null ? _a2 : _a2 = Alloc(KC * (MC + 16));
        public static float* B => _b != null ? _b : _b = Alloc(KC * (NC + 32));
        public static float* Tile => _tile != null ? _tile : _tile = Alloc(8 * 32);
        /// <summary>B's nonzero steps per 32-column strip of a packed block (<see cref="Packing.PackBNonzeroSteps"/>), and how many each strip has.</summary>
        public static int* Steps => _steps != null ? _steps : _steps = (int*)Alloc(KC * (NC / 32 + 1));
        public static int* Counts => _counts != null ? _counts : _counts = (int*)Alloc(NC / 32 + 1);
        [ThreadStatic] private static int* _steps;
        [ThreadStatic] private static int* _counts;

        private static float* Alloc(int floats) => (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
    }

    /// <summary>The arguments of one GEMM call, reused per calling thread so a call allocates nothing.</summary>
    private sealed class GemmJob : IParallelJob
    {
        [ThreadStatic] private static GemmJob? _forThisThread, _secondForThisThread;
        public static GemmJob ForThisThread => _forThisThread ??= new GemmJob();
        /// <summary>The second product of <see cref="MultiplyPair"/>, set up beside the first.</summary>
        public static GemmJob SecondForThisThread => _secondForThisThread ??= new GemmJob();

        private bool _ta, _tb;
        private int _m, _n, _k, _lda, _ldb, _ldc;
        private float _alpha, _beta;
        private float* _a, _b, _c;
        private GemmKernel _kernel;
        private int _mr, _nr;
        private bool _splitN;
        // The AVX-512 kernels read strips of A where they lie (a last partial strip too); the others read packed strips.
        private bool _inPlaceA;
        private float* _bias, _mask, _target;
        private float _decay;
        private bool _relu, _sigmoid, _hasEpilogue, _inKernelEpilogue;
        // Whose zero steps the AVX-512 kernels skip (Set resets it; SetZeros after Set).
        private GemmZeros _zeros;

        /// <summary>Skip the zero steps of A or B (the AVX-512 kernels only; the others compute every step, with the same bits for finite operands).</summary>
        public void SetZeros(GemmZeros zeros) => _zeros = _kernel == GemmKernel.Avx512 ? zeros : GemmZeros.None;

        // The second product of MultiplySum (null _a2: none); it shares m, n, transA and C.
        private float* _a2, _b2;
        private int _lda2, _ldb2, _k2;
        private float _alpha2;

        public void SetSecond(float* a2, int lda2, float* b2, int ldb2, int k2, float alpha2)
        {
            _a2 = a2;
            _b2 = b2;
            (_lda2, _ldb2, _k2, _alpha2) = (lda2, ldb2, k2, alpha2);
        }

        private PackedMatrix? _packed;

        public void SetPacked(PackedMatrix? packed) => _packed = packed;

        public void SetEpilogue(float* bias, bool relu, float* mask, bool sigmoid, float* target, float decay)
        {
            _bias = bias;
            _relu = relu;
            _mask = mask;
            _sigmoid = sigmoid;
            _target = target;
            _decay = decay;
            _hasEpilogue = bias != null || relu || mask != null || sigmoid || target != null;
            // In the kernel's registers only where the pass over the tile would use 512-bit vectors too (same bits).
            _inKernelEpilogue = target == null && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        }

        public void Set(bool ta, bool tb, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb,
            float beta, float* c, int ldc, GemmKernel kernel)
        {
            (_ta, _tb, _m, _n, _k, _alpha, _lda, _ldb, _beta, _ldc, _kernel) =
                (ta, tb, m, n, k, alpha, lda, ldb, beta, ldc, kernel);
            _a = a;
            _b = b;
            _c = c;
            (_mr, _nr) = kernel switch
            {
                GemmKernel.Avx512 => (8, 32),
                GemmKernel.Avx2Fma => (6, 16),
                _ => (4, 8),
            };
            _splitN = n >= m;
            _inPlaceA = kernel == GemmKernel.Avx512;
            _zeros = GemmZeros.None;
        }

#if INITLAB_PROFILE
        /// <summary>The call's shape, for the profile build's per-job figures: "GEMM NT 100x256x784", "+k2" for a sum of two products, "packed B", "epilogue".</summary>
        public override string ToString()
        {
            // Seven elements at most: a larger tuple nests one, and hashing it boxed (24 bytes a call).
            int flags = (_ta ? 1 : 0) | (_tb ? 2 : 0) | (_packed != null ? 4 : 0) | (_hasEpilogue ? 8 : 0);
            var key = (flags, _m, _n, _k, _a2 != null ? _k2 : -1);
            lock (Descriptions)
            {
                if (!Descriptions.TryGetValue(key, out var text))
                    Descriptions[key] = text = $"GEMM {(_ta ? 'T' : 'N')}{(_tb ? 'T' : 'N')} {_m}x{_n}x{_k}{(key.Item5 >= 0 ? $"+{_k2}" : "")}{(_packed != null ? " packed B" : "")}{(_hasEpilogue ? " epilogue" : "")}";
                return text;
            }
        }

        /// <summary>Each shape's description, made once (the profile build asks for it on every call).</summary>
        private static readonly Dictionary<(int, int, int, int, int), string> Descriptions = new();
#endif

        /// <summary>How many parts the output can be split into (one register strip each at least).</summary>
        public int MaxParts => _splitN ? (_n + _nr - 1) / _nr : (_m + _mr - 1) / _mr;

        public void Execute(int index, int count)
        {
            int unit = _splitN ? _nr : _mr;
            int total = _splitN ? _n : _m;
            int strips = (total + unit - 1) / unit;
            // Two parts and an odd number of column strips (784 columns are 25 strips of 32): the
            // middle strip is split by rows, so neither thread computes a whole strip more than the
            // other. The split falls on a row tile boundary, so every tile is the same as unsplit.
            if (_splitN && count == 2 && strips % 2 == 1 && _m >= 2 * _mr)
            {
                int mid = strips / 2 * unit, midEnd = Math.Min(total, mid + unit);
                int rows = (_m / 2 + _mr - 1) / _mr * _mr;
                if (index == 0)
                {
                    Region(0, _m, 0, mid);
                    Region(0, rows, mid, midEnd);
                }
                else
                {
                    Region(rows, _m, mid, midEnd);
                    Region(0, _m, midEnd, total);
                }
                return;
            }
            var (s0, s1) = WorkerPool.PartOf(strips, index, count);
            int lo = s0 * unit, hi = Math.Min(total, s1 * unit);
            if (_splitN) Region(0, _m, lo, hi);
            else Region(lo, hi, 0, _n);
        }

        /// <summary>C[r0..r1, c0..c1), one thread's share: its operands' rows and columns located for the blocked loops.</summary>
        private void Region(int r0, int r1, int c0, int c1)
        {
            if (r0 >= r1 || c0 >= c1) return;
            float* a = _ta ? _a + r0 : _a + (long)r0 * _lda;
            float* c = _c + (long)r0 * _ldc + c0;
            if (_a2 != null) BlockedSum(r1 - r0, c1 - c0, a, _b + c0, _ta ? _a2 + r0 : _a2 + (long)r0 * _lda2, _b2 + c0, c, r0, c0);
            else Blocked(r1 - r0, c1 - c0, a, _packed is not null ? null : _tb ? _b + (long)c0 * _ldb : _b + c0, c, r0, c0);
        }

        /// <summary>The sub-problem C[row0.., col0..] of the whole; (row0, col0) locate it for the epilogue.</summary>
        private void Blocked(int m, int n, float* a, float* b, float* c, int row0, int col0)
        {
            float* ap = PackBuffers.A, bp = PackBuffers.B;
            int kcBlock = BlockSize(_k, KC, 8), mcBlock = BlockSize(m, MC, _mr);
            // B's all-zero steps left out where it is packed here, not transposed, for the AVX-512 kernel.
            bool listed = _zeros == GemmZeros.B && _packed is null && !_tb && _inPlaceA;
            int* steps = listed ? PackBuffers.Steps : null, counts = listed ? PackBuffers.Counts : null;
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < _k; pc += kcBlock)
                {
                    int kc = Math.Min(kcBlock, _k - pc);
                    float beta = pc == 0 ? _beta : 1f;
                    if (listed) Packing.PackBNonzeroSteps(b, _ldb, pc, jc, kc, nc, bp, steps, counts);
                    else if (_packed is null) Packing.PackB(_tb, b, _ldb, pc, jc, kc, nc, _nr, bp);
                    else bp = _packed.At(pc, kc, col0 + jc);
                    for (int ic = 0; ic < m; ic += mcBlock)
                    {
                        int mc = Math.Min(mcBlock, m - ic);
                        if (!_inPlaceA) Packing.PackA(_ta, a, _lda, ic, pc, mc, kc, _mr, ap);
                        bool last = pc + kc == _k;
                        Macro(mc, nc, kc, ap, bp, c + (long)ic * _ldc + jc, beta, last && _hasEpilogue, row0 + ic, col0 + jc,
                            _ta ? a + (long)pc * _lda + ic : a + (long)ic * _lda + pc, steps, counts);
                    }
                }
            }
        }

        /// <summary>
        /// Both products of MultiplySum for the sub-problem C[row0.., col0..], each a single k block
        /// (k1 + k2 &lt;= KC): B1's and B2's blocks are packed side by side, and every tile takes
        /// the first product (beta) then the second (beta = 1) before the next tile. The loops of
        /// <see cref="Blocked"/> and <see cref="Macro"/> with a single k block and two products per tile.
        /// </summary>
        private void BlockedSum(int m, int n, float* a, float* b, float* a2, float* b2, float* c, int row0, int col0)
        {
            float* ap = PackBuffers.A, ap2 = PackBuffers.A2, bp = PackBuffers.B;
            int mcBlock = BlockSize(m, MC, _mr);
            nint rs = _ta ? 1 : _lda, rs2 = _ta ? 1 : _lda2;
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc), ncPadded = (nc + _nr - 1) / _nr * _nr;
                float* bp2 = bp + (long)_k * ncPadded;
                Packing.PackB(_tb, b, _ldb, 0, jc, _k, nc, _nr, bp);
                Packing.PackB(_tb, b2, _ldb2, 0, jc, _k2, nc, _nr, bp2);
                for (int ic = 0; ic < m; ic += mcBlock)
                {
                    int mc = Math.Min(mcBlock, m - ic);
                    if (!_inPlaceA)
                    {
                        Packing.PackA(_ta, a, _lda, ic, 0, mc, _k, _mr, ap);
                        Packing.PackA(_ta, a2, _lda2, ic, 0, mc, _k2, _mr, ap2);
                    }
                    float* aBlock = a + ic * rs, aBlock2 = a2 + ic * rs2;
                    float* cBlock = c + (long)ic * _ldc + jc;
                    for (int jr = 0; jr < nc; jr += _nr)
                    {
                        int nr = Math.Min(_nr, nc - jr);
                        for (int ir = 0; ir < mc; ir += _mr)
                        {
                            int mr = Math.Min(_mr, mc - ir);
                            float* cTile = cBlock + (long)ir * _ldc + jr;
                            Tile(_k, _inPlaceA, ap + (long)ir * _k, aBlock + ir * rs, _lda, bp + (long)jr * _k, cTile, _alpha, _beta, mr, nr);
                            Tile(_k2, _inPlaceA, ap2 + (long)ir * _k2, aBlock2 + ir * rs2, _lda2, bp2 + (long)jr * _k2, cTile, _alpha2, 1f, mr, nr);
                            if (_hasEpilogue)
                                GemmEpilogue.Apply(cTile, _ldc, mr, nr, row0 + ic + ir, col0 + jc + jr, _bias, _relu, _mask, _n, _sigmoid, _target, _decay);
                        }
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Macro(int mc, int nc, int kc, float* ap, float* bp, float* c, float beta, bool epilogue, int row, int col,
            float* aBlock, int* steps, int* counts)
        {
            nint rs = _ta ? 1 : _lda;
            for (int jr = 0; jr < nc; jr += _nr)
            {
                int nr = Math.Min(_nr, nc - jr);
                float* bStrip = bp + (long)jr * kc;
                for (int ir = 0; ir < mc; ir += _mr)
                {
                    int mr = Math.Min(_mr, mc - ir);
                    float* cTile = c + (long)ir * _ldc + jr;
                    if (steps != null)
                    {
                        // Only B's nonzero steps of this strip, packed one after another, and where each is in A.
                        int strip = jr / 32;
                        nint cs = _ta ? _lda : 1;
                        int* st = steps + (long)strip * kc;
                        if (mr <= 4) MicroKernels.Avx512x4x32<MicroKernels.ListedB>(counts[strip], aBlock + ir * rs, rs, cs, bStrip, cTile, _ldc, _alpha, beta, mr, nr, PackBuffers.Tile, st);
                        else MicroKernels.Avx512x8x32<MicroKernels.ListedB>(counts[strip], aBlock + ir * rs, rs, cs, bStrip, cTile, _ldc, _alpha, beta, mr, nr, PackBuffers.Tile, steps: st);
                        if (epilogue) GemmEpilogue.Apply(cTile, _ldc, mr, nr, row + ir, col + jr, _bias, _relu, _mask, _n, _sigmoid, _target, _decay);
                        continue;
                    }
                    // A full tile of the AVX-512 kernel takes bias, ReLU, mask and sigmoid in its registers.
                    // The kernel is called here directly: with the epilogue passed through Tile, every
                    // kernel call ran 7% slower (measured).
                    if (epilogue && _inKernelEpilogue && mr == 8 && nr == 32 && _inPlaceA)
                    {
                        long at = (long)(row + ir) * _n + col + jr;
                        var tileEpilogue = new MicroKernels.TileEpilogue(_bias == null ? null : _bias + col + jr, _relu, _mask == null ? null : _mask + at, _n, _sigmoid);
                        float* aTile = aBlock + ir * rs;
                        nint cs = _ta ? _lda : 1;
                        if (_zeros == GemmZeros.A)
                            MicroKernels.Avx512x8x32<MicroKernels.SkipZeroA>(kc, aTile, rs, cs, bStrip, cTile, _ldc, _alpha, beta, mr, nr, PackBuffers.Tile, tileEpilogue);
                        else
                            MicroKernels.Avx512x8x32<MicroKernels.NoZeroSkip>(kc, aTile, rs, cs, bStrip, cTile, _ldc, _alpha, beta, mr, nr, PackBuffers.Tile, tileEpilogue);
                        continue;
                    }
                    Tile(kc, _inPlaceA, ap + (long)ir * kc, aBlock + ir * rs, _lda, bStrip, cTile, _alpha, beta, mr, nr);
                    if (epilogue) GemmEpilogue.Apply(cTile, _ldc, mr, nr, row + ir, col + jr, _bias, _relu, _mask, _n, _sigmoid, _target, _decay);
                }
            }
        }

        /// <summary>
        /// One micro-kernel call: an mr x nr tile of C from a strip of A (read where it lies, from
        /// <paramref name="aInPlace"/> with leading dimension <paramref name="lda"/>, when
        /// <paramref name="direct"/>; else from the packed <paramref name="aStrip"/>) and a packed strip of B.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Tile(int kc, bool direct, float* aStrip, float* aInPlace, int lda, float* bStrip, float* cTile,
            float alpha, float beta, int mr, int nr)
        {
            float* tile = PackBuffers.Tile;
            if (direct)
            {
                nint rs = _ta ? 1 : lda, cs = _ta ? lda : 1;
                if (_zeros == GemmZeros.A)
                {
                    if (mr <= 4) MicroKernels.Avx512x4x32<MicroKernels.SkipZeroA>(kc, aInPlace, rs, cs, bStrip, cTile, _ldc, alpha, beta, mr, nr, tile);
                    else MicroKernels.Avx512x8x32<MicroKernels.SkipZeroA>(kc, aInPlace, rs, cs, bStrip, cTile, _ldc, alpha, beta, mr, nr, tile);
                }
                else if (mr <= 4) MicroKernels.Avx512x4x32<MicroKernels.NoZeroSkip>(kc, aInPlace, rs, cs, bStrip, cTile, _ldc, alpha, beta, mr, nr, tile);
                else MicroKernels.Avx512x8x32<MicroKernels.NoZeroSkip>(kc, aInPlace, rs, cs, bStrip, cTile, _ldc, alpha, beta, mr, nr, tile);
            }
            else switch (_kernel)
            {
                case GemmKernel.Avx512: MicroKernels.Avx512x8x32<MicroKernels.NoZeroSkip>(kc, aStrip, 1, 8, bStrip, cTile, _ldc, alpha, beta, mr, nr, tile); break;
                case GemmKernel.Avx2Fma: MicroKernels.Avx6x16(kc, aStrip, bStrip, cTile, _ldc, alpha, beta, mr, nr, tile); break;
                case GemmKernel.Vector128: MicroKernels.V128x4x8(kc, aStrip, bStrip, cTile, _ldc, alpha, beta, mr, nr, tile); break;
                default: MicroKernels.Scalar4x8(kc, aStrip, bStrip, cTile, _ldc, alpha, beta, mr, nr, tile); break;
            }
        }
    }
}
