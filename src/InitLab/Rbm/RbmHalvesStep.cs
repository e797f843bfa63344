using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using InitLab.Tensors;
using InitLab.Training;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Rbm;

/// <summary>
/// The CD-k step of a Bernoulli RBM with the engine's sampler, by two fixed halves of the hidden
/// units. Half g (units [lo, lo + count); the first half's count a multiple of 32, or all the
/// units when there are 32 or fewer, and then one thread does the step) owns its rows
/// of W and of the weight momentum, its hidden biases, its columns of h and its random stream
/// (the sampler for the first half, the sampler's <see cref="FastSampler.Sibling"/> for the
/// second). On two threads each thread computes one half from the start of the step to its end,
/// so no row of W moves between the cores' caches, and the threads meet twice per Gibbs step:
/// once the halves' partial products for the visibles are done, and once the visibles are.
/// On one thread the halves run one after the other with the same numbers, for the visibles are
/// always v- = σ((h₀·W₀ + h₁·W₁) + b): the sum over the hidden units split at the halves.
/// </summary>
internal sealed class RbmHalvesStep : IParallelJob
{
    private sealed class Half
    {
        public int Lo, Count;
        public readonly PackedMatrix Packed = new();
        public Tensor HPos = null!, HState = null!, HNeg = null!, Partial = null!;
        public float[] Bias = [], SumPos = [], SumNeg = []; // the half's hidden biases (for the GEMM epilogue) and its bias step's sums
        public FastSampler Sampler = null!;
    }

    private readonly RestrictedBoltzmannMachine _rbm;
    private readonly Half[] _halves = [new(), new()];
    private readonly int _visibleSplit;
    private Tensor _vNeg = null!;
    private readonly float[] _vSumPos, _vSumNeg;

    // The step in progress (set by Run).
    private Tensor _v0 = null!, _dW = null!;
    private float[] _dc = [], _db = [];
    private float _lr, _momentum, _decay;
    private int _gibbs;
    private bool _sampleVisibles;
    private RowPrefetch? _next, _nextWorker;

    private readonly PairMeeting _meeting = new(); // where the two threads wait for each other

    /// <summary>
    /// How many hidden units the first half has: half, rounded up to 32 (at most all of them; the
    /// second half is then empty, for 32 units or fewer, and the step runs on one thread).
    /// </summary>
    internal static int FirstHalf(int hidden) => Math.Min(hidden, ((hidden + 1) / 2 + 31) / 32 * 32);

    public RbmHalvesStep(RestrictedBoltzmannMachine rbm)
    {
        _rbm = rbm;
        int hidden = rbm.Hidden;
        int first = FirstHalf(hidden);
        (_halves[0].Lo, _halves[0].Count) = (0, first);
        (_halves[1].Lo, _halves[1].Count) = (first, hidden - first);
        foreach (var h in _halves) (h.Bias, h.SumPos, h.SumNeg) = (new float[h.Count], new float[h.Count], new float[h.Count]);
        _visibleSplit = Math.Min(rbm.Visible, ((rbm.Visible + 1) / 2 + 15) / 16 * 16);
        (_vSumPos, _vSumNeg) = (new float[rbm.Visible], new float[rbm.Visible]);
    }

    /// <summary>
    /// One update from the batch <paramref name="v0"/>: momentum buffers <paramref name="dW"/>
    /// (hidden, visible), <paramref name="dc"/> and <paramref name="db"/>, updated in place with the weights and biases.
    /// </summary>
    public void Run(Tensor v0, Tensor dW, float[] dc, float[] db, float lr, float momentum, float decay, int gibbs,
        bool sampleVisibles, FastSampler sampler, RowPrefetch? next = null, RowPrefetch? workerNext = null)
    {
        int bs = v0.Rows;
        foreach (var h in _halves)
        {
            if (h.HPos is null || h.HPos.Rows != bs)
            {
                h.HPos = new Tensor(bs, h.Count);
                h.HState = new Tensor(bs, h.Count);
                h.HNeg = new Tensor(bs, h.Count);
                h.Partial = new Tensor(bs, _rbm.Visible);
            }
        }
        if (_vNeg is null || _vNeg.Rows != bs) _vNeg = new Tensor(bs, _rbm.Visible);
        _halves[0].Sampler = sampler;
        _halves[1].Sampler = sampler.Sibling;
        (_v0, _dW, _dc, _db, _lr, _momentum, _decay, _gibbs, _sampleVisibles, _next, _nextWorker) = (v0, dW, dc, db, lr, momentum, decay, gibbs, sampleVisibles, next, workerNext);
        // A step that failed may have left one thread counted at a meeting.
        _meeting.Reset();
        int parts = Compute.Threads > 1 && _halves[1].Count > 0 ? 2 : 1;
        long t = Profile.Now();
        try
        {
            WorkerPool.Current.Run(this, parts); // one part: Run's own shortcut runs it here
        }
        finally
        {
            _v0 = _dW = null!;
            _next = _nextWorker = null;
        }
        Profile.Add(Profile.RbmHalves, t);
    }

    /// <summary>Part <paramref name="index"/> of the step: half <paramref name="index"/> on two threads, both halves in turn on one.</summary>
    public void Execute(int index, int count)
    {
        try
        {
            if (count == 1) Alone();
            else Together(index);
        }
        catch
        {
            _meeting.Fail();
            throw;
        }
    }

    private void Alone()
    {
        _next?.Upto(1, 4);
        _nextWorker?.Upto(1, 4);
        Positive(_halves[0]);
        Positive(_halves[1]);
        for (int s = 0; s < _gibbs; s++)
        {
            _next?.Upto(2, 4);
            _nextWorker?.Upto(2, 4);
            Partial(_halves[0]);
            Partial(_halves[1]);
            Visibles(0);
            Visibles(1);
            _next?.Upto(3, 4);
            _nextWorker?.Upto(3, 4);
            Negative(_halves[0], s);
            Negative(_halves[1], s);
        }
        _next?.Upto(4, 4);
        _nextWorker?.Upto(4, 4);
        Update(_halves[0]);
        Update(_halves[1]);
        VisibleBias(0);
        VisibleBias(1);
    }

    private void Together(int g)
    {
        // The next batch's rows start on their way to the cache in four parts, each thread's from
        // that thread (it gathers them; with one prefetch for both, from the calling thread).
        var next = g == 0 ? _next : _nextWorker;
        next?.Upto(1, 4);
        var half = _halves[g];
        Positive(half);
        for (int s = 0; s < _gibbs; s++)
        {
            next?.Upto(2, 4);
            Partial(half);
            if (!_meeting.Meet()) return;
            Visibles(g);
            if (!_meeting.Meet()) return;
            next?.Upto(3, 4);
            Negative(half, s);
        }
        next?.Upto(4, 4);
        Update(half);
        VisibleBias(g);
    }

    private GemmEpilogue HiddenEpilogue(Half h) => new() { ColumnBias = h.Bias, Sigmoid = true };

    /// <summary>h+ = σ(v0·Wᵀ + c) for the half's units, and the first hidden states sampled from it.</summary>
    private void Positive(Half h)
    {
        if (h.Count == 0) return;
        _rbm.HiddenBias.Span.Slice(h.Lo, h.Count).CopyTo(h.Bias);
        h.Packed.Pack(_rbm.Weights, h.Lo, h.Count, transB: true, threads: 1);
        Gemm.Multiply(_v0, false, h.Packed, h.HPos, threads: 1, epilogue: HiddenEpilogue(h));
        h.HPos.Span.CopyTo(h.HState.Span);
        h.Sampler.Bernoulli(h.HState.Span);
    }

    /// <summary>The half's share of the visibles' input: h·W over its units.</summary>
    private void Partial(Half h)
    {
        if (h.Count == 0) return;
        int visible = _rbm.Visible;
        Gemm.Multiply(false, false, h.HState.Rows, visible, h.Count, 1f, h.HState.Data, h.Count,
            _rbm.Weights.Data.AsSpan(h.Lo * visible, h.Count * visible), visible, 0f, h.Partial.Data, visible, threads: 1);
    }

    private (int Lo, int Hi) VisibleColumns(int g) => g == 0 ? (0, _visibleSplit) : (_visibleSplit, _rbm.Visible);

    /// <summary>v- = σ((P₀ + P₁) + b) on one of the two column ranges of the visibles; sampled if asked (with that range's stream).</summary>
    private void Visibles(int g)
    {
        var (lo, hi) = VisibleColumns(g);
        if (lo == hi) return;
        int visible = _rbm.Visible;
        var b = _rbm.VisibleBias.Span[lo..hi];
        var p0 = _halves[0].Partial.Data;
        var p1 = _halves[1].Partial.Data;
        bool second = _halves[1].Count > 0;
        for (int i = 0; i < _vNeg.Rows; i++)
        {
            var v = _vNeg.Data.AsSpan(i * visible + lo, hi - lo);
            var r0 = p0.AsSpan(i * visible + lo, hi - lo);
            var r1 = second ? p1.AsSpan(i * visible + lo, hi - lo) : default;
            // One pass in 512-bit vectors where they fit: σ as 1/(1 + Vector512.Exp(-x)), which
            // is TensorPrimitives.Sigmoid's result bit for bit (as in the GEMM epilogue); the rest
            // (and CPUs without them) through TensorPrimitives.
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var one = Vector512<float>.One;
                for (; j + 16 <= v.Length; j += 16)
                {
                    var x = Vector512.Create(r0[j..]);
                    if (second) x += Vector512.Create(r1[j..]);
                    x += Vector512.Create(b[j..]);
                    (one / (one + Vector512.Exp(-x))).CopyTo(v[j..]);
                }
            }
            if (j < v.Length)
            {
                var rest = v[j..];
                if (second) TensorPrimitives.Add(r0[j..], r1[j..], rest);
                else r0[j..].CopyTo(rest);
                TensorPrimitives.Add(rest, b[j..], rest);
                TensorPrimitives.Sigmoid(rest, rest);
            }
            if (_sampleVisibles) _halves[g].Sampler.Bernoulli(v);
        }
    }

    /// <summary>h- = σ(v-·Wᵀ + c) for the half's units; sampled into the states when another Gibbs step follows.</summary>
    private void Negative(Half h, int step)
    {
        if (h.Count == 0) return;
        Gemm.Multiply(_vNeg, false, h.Packed, h.HNeg, threads: 1, epilogue: HiddenEpilogue(h));
        if (step + 1 < _gibbs)
        {
            h.HNeg.Span.CopyTo(h.HState.Span);
            h.Sampler.Bernoulli(h.HState.Span);
        }
    }

    /// <summary>
    /// The half's rows of the weight step, dW ← m·dW + lr/B·(h+ᵀv0 − h-ᵀv-), then dW ← dW − lr·wd·W
    /// and W ← W + dW (one GEMM with the step in its epilogue), and its hidden biases' step.
    /// </summary>
    private void Update(Half h)
    {
        if (h.Count == 0) return;
        int visible = _rbm.Visible;
        Gemm.MultiplySumInto(h.HPos, _v0, _lr, h.HNeg, _vNeg, -_lr, _dW.Data.AsSpan(h.Lo * visible, h.Count * visible), _momentum,
            _rbm.Weights.Data.AsSpan(h.Lo * visible, h.Count * visible), _decay, threads: 1);
        Ops.SumRows(h.HPos.Data, h.HPos.Rows, h.Count, h.SumPos);
        Ops.SumRows(h.HNeg.Data, h.HNeg.Rows, h.Count, h.SumNeg);
        Step(h.SumPos, h.SumNeg, _dc.AsSpan(h.Lo, h.Count), _rbm.HiddenBias.Span.Slice(h.Lo, h.Count));
    }

    /// <summary>The visible biases' step on one of the two column ranges.</summary>
    private void VisibleBias(int g)
    {
        var (lo, hi) = VisibleColumns(g);
        if (lo == hi) return;
        int visible = _rbm.Visible;
        var pos = _vSumPos.AsSpan(lo, hi - lo);
        var neg = _vSumNeg.AsSpan(lo, hi - lo);
        pos.Clear();
        neg.Clear();
        for (int i = 0; i < _v0.Rows; i++)
        {
            TensorPrimitives.Add(pos, _v0.Data.AsSpan(i * visible + lo, hi - lo), pos);
            TensorPrimitives.Add(neg, _vNeg.Data.AsSpan(i * visible + lo, hi - lo), neg);
        }
        Step(pos, neg, _db.AsSpan(lo, hi - lo), _rbm.VisibleBias.Span[lo..hi]);
    }

    /// <summary>delta ← m·delta + lr·(Σpos − Σneg); bias ← bias + delta (the trainer's bias step, on a range).</summary>
    private void Step(Span<float> sumPos, ReadOnlySpan<float> sumNeg, Span<float> delta, Span<float> bias)
    {
        TensorPrimitives.Subtract(sumPos, sumNeg, sumPos);
        TensorPrimitives.Multiply(delta, _momentum, delta);
        TensorPrimitives.MultiplyAdd(sumPos, _lr, delta, delta);
        TensorPrimitives.Add(bias, delta, bias);
    }
}
