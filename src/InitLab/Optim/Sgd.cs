using System.Runtime.Intrinsics;
using InitLab.Tensors;
using InitLab.Nn;

namespace InitLab.Optim;

/// <summary>
/// torch.optim.SGD: with weight decay g += wd·p; with momentum the buffer starts as a copy of g,
/// then buf = momentum·buf + (1 - dampening)·g; Nesterov uses g + momentum·buf; p -= lr·update.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly float[][]? _buffers;
    private bool _started;

    /// <summary>torch.optim.SGD's constructor and defaults (plain SGD unless momentum is given).</summary>
    /// <param name="parameters">The parameters to update, in the order their state is named ("0.momentum_buffer", ...).</param>
    /// <param name="learningRate">lr, the step size (&gt;= 0).</param>
    /// <param name="momentum">Momentum factor (&gt;= 0); 0 keeps no buffer.</param>
    /// <param name="dampening">Fraction of the gradient left out of the momentum buffer; must be 0 with Nesterov.</param>
    /// <param name="weightDecay">L2 penalty wd (&gt;= 0): wd·p is added to the gradient.</param>
    /// <param name="nesterov">Nesterov momentum: the update is g + momentum·buf; needs momentum &gt; 0.</param>
    public Sgd(IReadOnlyList<Parameter> parameters, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false) : base(parameters, learningRate)
    {
        CheckNonNegative(momentum, nameof(momentum));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening.");
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        if (momentum != 0) _buffers = parameters.Select(p => new float[p.Value.Length]).ToArray();
    }

    /// <summary>Momentum factor (&gt;= 0); 0 means plain SGD.</summary>
    public double Momentum { get; }

    /// <summary>Dampening: the buffer takes (1 - dampening)·g each step after the first.</summary>
    public double Dampening { get; }

    /// <summary>L2 penalty wd added to the gradient as wd·p.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the update uses Nesterov's look-ahead g + momentum·buf instead of buf.</summary>
    public bool Nesterov { get; }

    /// <summary>Buffers "k.momentum_buffer" when there is momentum; Step is 1 once the buffers hold a first gradient, else 0.</summary>
    public override OptimizerState CaptureState()
    {
        ThrowIfInStep();
        return new(_started ? 1 : 0, _buffers is null ? new Dictionary<string, float[]>() : new Dictionary<string, float[]>(CopyBuffers("momentum_buffer", _buffers)));
    }

    /// <inheritdoc/>
    public override void RestoreState(OptimizerState state)
    {
        ThrowIfInStep();
        if (state.Step is not (0 or 1)) throw new ArgumentException($"SGD state's started flag must be 0 or 1, got {state.Step}.");
        RestoreBuffers(state, "momentum_buffer", _buffers ?? []);
        _started = state.Step == 1;
    }

    /// <inheritdoc/>
    public override bool StepsInParts => true;

    private readonly SliceJob _job = new();
    private float _lr, _wd, _mom, _damp;

    /// <inheritdoc/>
    protected override void OnBeginStep() =>
        (_lr, _wd, _mom, _damp) = ((float)LearningRate, (float)WeightDecay, (float)Momentum, (float)(1 - Dampening));

    /// <inheritdoc/>
    protected override void UpdateParameters(int first, int count)
    {
        _job.Set(this, first, count);
        RunSliced(_job, first, count);
    }

    /// <inheritdoc/>
    protected override void OnEndStep() => _started = true;

    /// <summary>A slice of every parameter of the range being updated, per part: elementwise, so any split gives the same numbers.</summary>
    private sealed class SliceJob : IParallelJob
    {
        private Sgd? _sgd;
        private int _first, _count;

        public void Set(Sgd sgd, int first, int count) => (_sgd, _first, _count) = (sgd, first, count);

        public void Execute(int index, int count)
        {
            var sgd = _sgd!;
            for (int k = _first; k < _first + _count; k++)
            {
                var (lo, hi) = WorkerPool.PartOf(sgd.Parameters[k].Value.Length, index, count);
                sgd.UpdateSlice(sgd.Parameters[k].Value.Data.AsSpan(lo, hi - lo), sgd.Parameters[k].Grad.Data.AsSpan(lo, hi - lo),
                    sgd._buffers is null ? default : sgd._buffers[k].AsSpan(lo, hi - lo));
            }
        }
    }

    /// <summary>
    /// p -= lr·d with d = g (+ wd·p), through the momentum buffer when there is one: the
    /// operations of torch.optim.SGD per element, on 512-bit vectors where the CPU has them
    /// (each element sees the same multiplies and adds either way, never fused).
    /// </summary>
    private void UpdateSlice(Span<float> p, ReadOnlySpan<float> g, Span<float> buf)
    {
        float lr = _lr, wd = _wd, mom = _mom, damp = _damp;
        bool momentum = _buffers is not null, started = _started, nesterov = Nesterov;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vlr = Vector512.Create(lr);
            var vwd = Vector512.Create(wd);
            var vmom = Vector512.Create(mom);
            var vdamp = Vector512.Create(damp);
            for (; i + 16 <= p.Length; i += 16)
            {
                var pv = Vector512.Create(p.Slice(i, 16));
                var d = Vector512.Create(g.Slice(i, 16));
                if (wd != 0f) d += vwd * pv;
                if (momentum)
                {
                    var b = started ? Vector512.Create(buf.Slice(i, 16)) * vmom + vdamp * d : d;
                    b.CopyTo(buf.Slice(i, 16));
                    d = nesterov ? d + vmom * b : b;
                }
                (pv - vlr * d).CopyTo(p.Slice(i, 16));
            }
        }
        for (; i < p.Length; i++)
        {
            float d = g[i];
            if (wd != 0f) d += wd * p[i];
            if (momentum)
            {
                float b = started ? buf[i] * mom + damp * d : d;
                buf[i] = b;
                d = nesterov ? d + mom * b : b;
            }
            p[i] -= lr * d;
        }
    }
}
