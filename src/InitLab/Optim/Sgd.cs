using System.Numerics;
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
    public override OptimizerState CaptureState() =>
        new(_started ? 1 : 0, _buffers is null ? new Dictionary<string, float[]>() : new Dictionary<string, float[]>(CopyBuffers("momentum_buffer", _buffers)));

    /// <inheritdoc/>
    public override void RestoreState(OptimizerState state)
    {
        if (state.Step is not (0 or 1)) throw new ArgumentException($"SGD state's started flag must be 0 or 1, got {state.Step}.");
        RestoreBuffers(state, "momentum_buffer", _buffers ?? []);
        _started = state.Step == 1;
    }

    /// <inheritdoc/>
    public override void Step()
    {
        float lr = (float)LearningRate, wd = (float)WeightDecay, mom = (float)Momentum, damp = (float)(1 - Dampening);
        for (int k = 0; k < Parameters.Count; k++)
        {
            Span<float> p = Parameters[k].Value.Data, g = Parameters[k].Grad.Data;
            Span<float> buf = _buffers is null ? default : _buffers[k];
            for (int i = 0; i < p.Length; i++)
            {
                float d = g[i];
                if (wd != 0f) d += wd * p[i];
                if (_buffers is not null)
                {
                    float b = _started ? buf[i] * mom + damp * d : d;
                    buf[i] = b;
                    d = Nesterov ? d + mom * b : b;
                }
                p[i] -= lr * d;
            }
        }
        _started = true;
    }
}
