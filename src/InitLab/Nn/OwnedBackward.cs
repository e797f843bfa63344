using System.Runtime.Intrinsics;
using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// A Linear layer's backward pass (dW and dx) on two threads that each keep to half of the
/// layer's output units, for layers whose unit count the GEMM sums in exactly two k blocks
/// (<see cref="Gemm.KcBlockOf"/>; 289 to 576 units). GEMM computes dx = dy·W with the units as
/// its inner dimension: dx = acc₁ after the first block, then acc₂ + dx after the second (one
/// rounding), then the ReLU mask. Here thread 0 computes acc₁ over its units' rows of W and its
/// units' rows of dW, thread 1 acc₂ over its own rows and its rows of dW; then each adds the two
/// on one half of dx's columns (acc₁ + acc₂ is acc₂ + acc₁, bit for bit) and applies the mask.
/// So the numbers are the GEMM's on any thread count (with the blocked kernels; the naive loop
/// sums in double, and is not used here). What changes is where data goes: no thread reads the
/// other's rows of W (dx split by columns reads every row). For 512 or 576 units at a batch of
/// at most that many, the forward pass (by 32-unit strips) and Adam (by halves of the elements)
/// split W's rows where this does, so Adam's step writes no line of W that the other core read,
/// and each thread's half of dx's columns is the half of the next layer's units it owns in
/// the forward pass; for other sizes the splits differ by up to a strip.
/// </summary>
internal sealed class OwnedBackward : IParallelJob
{
    private Tensor _x = null!, _dy = null!, _w = null!, _dw = null!, _dx = null!;
    private float[]? _mask;
    private float[] _second = [];
    private int _split;
    private GemmKernel _kernel;
    private readonly PairMeeting _meeting = new(); // where the two threads wait for each other

    /// <summary>
    /// Where the units split for a layer of <paramref name="units"/> output units: at the end of
    /// the GEMM's first k block when it has exactly two (and a product over either part alone has
    /// the same block); 0 otherwise.
    /// </summary>
    public static int SplitOf(int units)
    {
        // Two blocks: the first (a multiple of 8, at most KC) is one block alone too, and the rest
        // (at most KC) is one block alone, so each half's own product has the full call's block.
        int block = Gemm.KcBlockOf(units);
        return units > block && units <= 2 * block ? block : 0;
    }

    /// <summary>
    /// dW = dyᵀx and dx = dy·W (zeroed where <paramref name="mask"/> ≤ 0 when given), split at
    /// <paramref name="split"/> units (<see cref="SplitOf"/>), on two threads when
    /// <see cref="Compute.Threads"/> allows, with <paramref name="kernel"/>'s GEMMs (not the naive
    /// loop, which sums all units in one double sum).
    /// </summary>
    public void Run(Tensor x, Tensor dy, Tensor w, Tensor dw, Tensor dx, float[]? mask, int split, GemmKernel kernel = GemmKernel.Auto)
    {
        if (kernel == GemmKernel.Auto) kernel = GemmKernels.Default;
        if (kernel == GemmKernel.Naive) throw new ArgumentException("OwnedBackward gives the GEMM's numbers with the blocked kernels only, not the naive loop.", nameof(kernel));
        if (split <= 0 || split != SplitOf(w.Rows)) throw new ArgumentException($"{split} is not where the GEMM's two k blocks of {w.Rows} units meet.", nameof(split));
        (_x, _dy, _w, _dw, _dx, _mask, _split, _kernel) = (x, dy, w, dw, dx, mask, split, kernel);
        int size = dy.Rows * w.Cols;
        if (_second.Length < size) _second = new float[size];
        _meeting.Reset();
        try
        {
            WorkerPool.Current.Run(this, Math.Min(2, Compute.Threads)); // one part: Run's own shortcut runs it here
        }
        finally
        {
            _x = _dy = _w = _dw = _dx = null!;
            _mask = null;
        }
    }

    public void Execute(int index, int count)
    {
        if (count > 2) throw new ArgumentOutOfRangeException(nameof(count), "OwnedBackward runs in one or two parts.");
        try
        {
            if (count == 1)
            {
                Product(0);
                Product(1);
                Gradient(0);
                Gradient(1);
                Finish(0, _w.Cols);
                return;
            }
            Product(index);
            Gradient(index);
            if (!_meeting.Meet()) return;
            int strips = (_w.Cols + 31) / 32;
            var (s0, s1) = WorkerPool.PartOf(strips, index, 2);
            Finish(s0 * 32, Math.Min(_w.Cols, s1 * 32));
        }
        catch
        {
            _meeting.Fail();
            throw;
        }
    }

    /// <summary>Part <paramref name="part"/>'s units: [0, split) or [split, units).</summary>
    private (int Lo, int Hi) Units(int part) => part == 0 ? (0, _split) : (_split, _w.Rows);

    /// <summary>Part <paramref name="part"/>'s block of the sum over the units: dy[:, part's units]·W[part's units, :], into dx (part 0) or the second buffer (part 1).</summary>
    private void Product(int part)
    {
        int batch = _dy.Rows, units = _w.Rows, inputs = _w.Cols;
        var (lo, hi) = Units(part);
        var into = part == 0 ? _dx.Data.AsSpan(0, batch * inputs) : _second.AsSpan(0, batch * inputs);
        Gemm.Multiply(Gemm.ZerosOf(_dy, false, null, false), false, false, batch, inputs, hi - lo, 1f, _dy.Data.AsSpan(lo), units, _w.Data.AsSpan(lo * inputs, (hi - lo) * inputs), inputs,
            0f, into, inputs, threads: 1, kernel: _kernel);
    }

    /// <summary>dW[part's units, :] = dy[:, part's units]ᵀ·x.</summary>
    private void Gradient(int part)
    {
        var (lo, hi) = Units(part);
        OwnedGradient.Rows(_x, _dy, _dw, lo, hi, _kernel);
    }

    /// <summary>dx = the two blocks' sum, then zero where the mask is ≤ 0, on columns [c0, c1).</summary>
    private void Finish(int c0, int c1)
    {
        int inputs = _w.Cols;
        var dx = _dx.Data;
        var mask = _mask;
        for (int r = 0; r < _dy.Rows; r++)
        {
            var d = dx.AsSpan(r * inputs + c0, c1 - c0);
            var second = _second.AsSpan(r * inputs + c0, c1 - c0);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var zero = Vector512<float>.Zero;
                for (; j + 16 <= d.Length; j += 16)
                {
                    var v = Vector512.Create(d[j..]) + Vector512.Create(second[j..]);
                    if (mask is not null) v = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Create(mask.AsSpan(r * inputs + c0 + j, 16)), zero), v, zero);
                    v.CopyTo(d[j..]);
                }
            }
            for (; j < d.Length; j++)
            {
                float v = d[j] + second[j];
                if (mask is not null && !(mask[r * inputs + c0 + j] > 0f)) v = 0f;
                d[j] = v;
            }
        }
    }
}

/// <summary>
/// The weight gradient dW = dyᵀx of a layer that computes no dx (the first), on two threads by
/// halves of its units (rows of dW), split where the forward pass splits them (32-unit strips).
/// GEMM would split it by columns (it has more inputs than units); by rows, each thread writes
/// the rows of the gradient that Adam's step by rows then reads on the same core, and reads the
/// columns of dy that it wrote itself as the next layer's dx. Each element is the same
/// computation (one chain over the batch), so the numbers are the same bits.
/// </summary>
internal sealed class OwnedGradient : IParallelJob
{
    private Tensor _x = null!, _dy = null!, _dw = null!;
    private int _split;

    /// <summary>Where the units split: the forward pass's split of 32-unit strips between two threads.</summary>
    public static int SplitOf(int units) => Math.Min(units, WorkerPool.PartOf((units + 31) / 32, 0, 2).Hi * 32);

    /// <summary>dW = dyᵀx, by halves of the units on two threads when <see cref="Compute.Threads"/> allows.</summary>
    public void Run(Tensor x, Tensor dy, Tensor dw)
    {
        (_x, _dy, _dw, _split) = (x, dy, dw, SplitOf(dw.Rows));
        try
        {
            WorkerPool.Current.Run(this, Math.Min(2, Compute.Threads));
        }
        finally
        {
            _x = _dy = _dw = null!;
        }
    }

    public void Execute(int index, int count)
    {
        if (count > 2) throw new ArgumentOutOfRangeException(nameof(count), "OwnedGradient runs in one or two parts.");
        if (count == 1 || index == 0) Rows(_x, _dy, _dw, 0, _split);
        if (count == 1 || index == 1) Rows(_x, _dy, _dw, _split, _dw.Rows);
    }

    /// <summary>dW[lo:hi, :] = dy[:, lo:hi]ᵀ·x on the calling thread: rows [lo, hi) of a layer's weight gradient.</summary>
    internal static void Rows(Tensor x, Tensor dy, Tensor dw, int lo, int hi, GemmKernel kernel = GemmKernel.Auto)
    {
        if (lo == hi) return;
        int batch = dy.Rows, units = dw.Rows, inputs = dw.Cols;
        Gemm.Multiply(Gemm.ZerosOf(dy, true, x, false), true, false, hi - lo, inputs, batch, 1f, dy.Data.AsSpan(lo), units, x.Data.AsSpan(0, batch * inputs), inputs,
            0f, dw.Data.AsSpan(lo * inputs, (hi - lo) * inputs), inputs, threads: 1, kernel: kernel);
    }
}
