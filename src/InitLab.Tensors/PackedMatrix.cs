using System.Runtime.InteropServices;

namespace InitLab.Tensors;

/// <summary>
/// A GEMM right-hand operand op(B) packed once into the strip layout the micro-kernel reads,
/// for several products with the same B (an RBM's Wᵀ, used by the positive and the negative
/// phase of a step). GEMM with a packed B skips its own packing and gives the same results,
/// bit for bit, as with B unpacked: the blocking over k is the same. Holds native memory:
/// dispose it, or let the finalizer free it. Not for concurrent <see cref="Pack(Tensor, bool, int, GemmKernel)"/> calls.
/// </summary>
public sealed unsafe class PackedMatrix : IDisposable, IParallelJob
{
    private float* _data;
    private nuint _capacity;

    /// <summary>op(B)'s rows (the k of the products it takes part in).</summary>
    public int K { get; private set; }

    /// <summary>op(B)'s columns (the n of the products).</summary>
    public int N { get; private set; }

    internal GemmKernel Kernel { get; private set; }
    internal int Nr { get; private set; }
    internal int KcBlock { get; private set; }
    internal int PaddedN { get; private set; }
    internal float* Data => _data;

    // The source of the pack in progress, for Execute.
    private float* _src;
    private int _ldb;
    private bool _transB;

    /// <summary>
    /// Packs op(<paramref name="b"/>) (<paramref name="b"/> itself, or its transpose when
    /// <paramref name="transB"/>), replacing what was packed before; reuses the memory when it
    /// is large enough. <paramref name="threads"/> = 0 takes <see cref="Compute.Threads"/>.
    /// </summary>
    public void Pack(Tensor b, bool transB, int threads = 0, GemmKernel kernel = GemmKernel.Auto) =>
        Pack(b, 0, b.Rows, transB, threads, kernel);

    /// <summary>
    /// Packs rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rows"/>)
    /// of <paramref name="b"/> as if they were the whole matrix (an RBM's weights of one group
    /// of hidden units, for the product with those units alone).
    /// </summary>
    internal void Pack(Tensor b, int firstRow, int rows, bool transB, int threads = 0, GemmKernel kernel = GemmKernel.Auto)
    {
        if (kernel == GemmKernel.Auto) kernel = GemmKernels.Default;
        if (!GemmKernels.IsSupported(kernel) || kernel == GemmKernel.Naive)
            throw new ArgumentException($"GEMM kernel {kernel} cannot take a packed operand here.");
        if (firstRow < 0 || rows < 0 || firstRow > b.Rows - rows)
            throw new ArgumentOutOfRangeException(nameof(rows), $"Rows {firstRow}..{firstRow + rows} are not all in a matrix of {b.Rows} rows.");
        K = transB ? b.Cols : rows;
        N = transB ? rows : b.Cols;
        Kernel = kernel;
        Nr = Gemm.NrOf(kernel);
        KcBlock = Gemm.KcBlockOf(K);
        PaddedN = (N + Nr - 1) / Nr * Nr;
        nuint floats = (nuint)((long)K * PaddedN);
        if (floats > _capacity)
        {
            if (_data != null) NativeMemory.AlignedFree(_data);
            _data = (float*)NativeMemory.AlignedAlloc(Math.Max(floats, 1) * sizeof(float), 64);
            _capacity = floats;
        }
        if (K == 0 || N == 0) return;
        fixed (float* src = b.Data)
        {
            _src = src + (long)firstRow * b.Cols;
            _ldb = b.Cols;
            _transB = transB;
            int strips = PaddedN / Nr;
            if (threads <= 0) threads = Compute.Threads;
            int parts = (long)K * N < 1 << 16 ? 1 : Math.Min(threads, strips);
            if (parts <= 1) Execute(0, 1);
            else WorkerPool.Current.Run(this, parts);
            _src = null;
        }
    }

    /// <summary>Packs strips [s0, s1) of every k block (one part of <see cref="Pack(Tensor, bool, int, GemmKernel)"/>).</summary>
    public void Execute(int index, int count)
    {
        int strips = PaddedN / Nr;
        var (s0, s1) = WorkerPool.PartOf(strips, index, count);
        if (s0 >= s1) return;
        int j0 = s0 * Nr, cols = Math.Min(N, s1 * Nr) - j0;
        for (int pc = 0; pc < K; pc += KcBlock)
        {
            int kc = Math.Min(KcBlock, K - pc);
            Packing.PackB(_transB, _src, _ldb, pc, j0, kc, cols, Nr, _data + (long)pc * PaddedN + (long)j0 * kc);
        }
    }

    /// <summary>Where the strips of columns from <paramref name="col"/> (a multiple of the strip width) of the k block at <paramref name="pc"/> begin.</summary>
    internal float* At(int pc, int kc, int col) => _data + (long)pc * PaddedN + (long)col * kc;

    /// <summary>Frees the packed memory.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the packed memory if <see cref="Dispose"/> was not called.</summary>
    ~PackedMatrix() => Free();

    private void Free()
    {
        if (_data != null) NativeMemory.AlignedFree(_data);
        _data = null;
        _capacity = 0;
    }
}
