using System.Numerics;
using System.Runtime.Intrinsics;
using InitLab.Nn;
using InitLab.Tensors;

namespace InitLab.Optim;

/// <summary>
/// torch.optim.Adam and AdamW. m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
/// p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε). Adam adds wd·p to g (L2); AdamW
/// (decoupled) first shrinks p by (1 - lr·wd). One fused SIMD pass per parameter.
/// </summary>
public sealed class Adam : Optimizer, IParallelJob
{
    private readonly float[][] _m, _v;
    private long _step;
    private Scalars _scalars;

    /// <summary>torch.optim.Adam's constructor and defaults; with <paramref name="decoupledWeightDecay"/> it is AdamW.</summary>
    /// <param name="parameters">The parameters to update, in the order their state is named ("0.exp_avg", ...).</param>
    /// <param name="learningRate">lr, the step size (&gt;= 0).</param>
    /// <param name="beta1">Decay of the first-moment average m, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment average v, in [0, 1).</param>
    /// <param name="eps">Added to sqrt(v̂) so the division stays finite (&gt;= 0).</param>
    /// <param name="weightDecay">wd (&gt;= 0): an L2 term wd·p added to the gradient, or with decoupled decay the per-step shrink factor (1 - lr·wd).</param>
    /// <param name="decoupledWeightDecay">True for AdamW's decoupled weight decay, false for Adam's L2 form.</param>
    public Adam(IReadOnlyList<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = false) : base(parameters, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), $"beta1 must be in [0, 1), got {beta1}.");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), $"beta2 must be in [0, 1), got {beta2}.");
        CheckNonNegative(eps, nameof(eps));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        (Beta1, Beta2, Eps, WeightDecay, Decoupled) = (beta1, beta2, eps, weightDecay, decoupledWeightDecay);
        _m = parameters.Select(p => new float[p.Value.Length]).ToArray();
        _v = parameters.Select(p => new float[p.Value.Length]).ToArray();
    }


    /// <summary>torch.optim.AdamW's defaults: lr 1e-3, weight decay 1e-2, decoupled.</summary>
    public static Adam AdamW(IReadOnlyList<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9,
        double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2) =>
        new(parameters, learningRate, beta1, beta2, eps, weightDecay, decoupledWeightDecay: true);

    /// <summary>β1, the decay of the first-moment (gradient) average, in [0, 1).</summary>
    public double Beta1 { get; }

    /// <summary>β2, the decay of the second-moment (squared gradient) average, in [0, 1).</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to the bias-corrected sqrt(v) in the denominator.</summary>
    public double Eps { get; }

    /// <summary>wd, applied as L2 (Adam) or as decoupled decay (AdamW), per <see cref="Decoupled"/>.</summary>
    public double WeightDecay { get; }

    /// <summary>True for AdamW: p is shrunk by (1 - lr·wd) before the Adam update instead of wd·p joining the gradient.</summary>
    public bool Decoupled { get; }

    /// <summary>t, the number of steps taken (restored from a checkpoint too): the bias corrections 1-β^t use it.</summary>
    public long StepCount => _step;

    /// <summary>Buffers "k.exp_avg" (m) and "k.exp_avg_sq" (v) per parameter; Step is the step count t.</summary>
    public override OptimizerState CaptureState()
    {
        ThrowIfInStep();
        return new(_step, new Dictionary<string, float[]>(CopyBuffers("exp_avg", _m).Concat(CopyBuffers("exp_avg_sq", _v))));
    }

    /// <inheritdoc/>
    public override void RestoreState(OptimizerState state)
    {
        ThrowIfInStep();
        if (state.Step < 0) throw new ArgumentException($"Adam step count must be >= 0, got {state.Step}.");
        var m = new Dictionary<string, float[]>(state.Buffers.Where(b => b.Key.EndsWith(".exp_avg", StringComparison.Ordinal)));
        var v = new Dictionary<string, float[]>(state.Buffers.Where(b => !b.Key.EndsWith(".exp_avg", StringComparison.Ordinal)));
        RestoreBuffers(state with { Buffers = m }, "exp_avg", _m);
        RestoreBuffers(state with { Buffers = v }, "exp_avg_sq", _v);
        _step = state.Step;
    }

    /// <inheritdoc/>
    public override bool StepsInParts => true;

    /// <inheritdoc/>
    protected override void OnBeginStep()
    {
        _step++;
        // Scalars as PyTorch computes them: in double on the Python side, then used as floats.
        double bc1 = 1 - Math.Pow(Beta1, _step), bc2 = 1 - Math.Pow(Beta2, _step);
        _scalars = new Scalars
        {
            B1 = (float)Beta1, OneMinusB1 = (float)(1 - Beta1), B2 = (float)Beta2, OneMinusB2 = (float)(1 - Beta2),
            Eps = (float)Eps, StepSize = (float)(LearningRate / bc1), InvBc2Sqrt = (float)(1 / Math.Sqrt(bc2)),
            L2 = Decoupled ? 0f : (float)WeightDecay,
            Shrink = Decoupled ? (float)(1 - LearningRate * WeightDecay) : 1f,
        };
    }

    /// <inheritdoc/>
    protected override void UpdateParameters(int first, int count)
    {
        (_first, _count) = (first, count);
        RunSliced(this, first, count);
    }

    private int _first, _count;

    /// <summary>Updates slice <paramref name="index"/> of <paramref name="count"/> of every parameter of the current range (elementwise, so any split gives the same numbers).</summary>
    void IParallelJob.Execute(int index, int count)
    {
        for (int k = _first; k < _first + _count; k++)
        {
            var (lo, hi) = WorkerPool.PartOf(Parameters[k].Value.Length, index, count);
            UpdateSlice(Parameters[k].Value.Data.AsSpan(lo, hi - lo), Parameters[k].Grad.Data.AsSpan(lo, hi - lo),
                _m[k].AsSpan(lo, hi - lo), _v[k].AsSpan(lo, hi - lo), _scalars);
        }
    }

    private struct Scalars
    {
        // InvBc2Sqrt replaces PyTorch's division by sqrt(1-β2^t) with a multiplication: a
        // rounding difference of at most an ulp of the denominator, and one division fewer.
        public float B1, OneMinusB1, B2, OneMinusB2, Eps, StepSize, InvBc2Sqrt, L2, Shrink;
    }

    private static unsafe void UpdateSlice(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in Scalars s)
    {
        int n = p.Length, i = 0;
        // The update's divisions and square roots make 256-bit vectors compute-bound; with
        // 512-bit vectors the step is limited by memory traffic instead (measured 2.1x faster).
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            fixed (float* pp = p, gp = g, mp = m, vp = v)
            {
                var b1 = Vector512.Create(s.B1); var omb1 = Vector512.Create(s.OneMinusB1);
                var b2 = Vector512.Create(s.B2); var omb2 = Vector512.Create(s.OneMinusB2);
                var eps = Vector512.Create(s.Eps); var bc2 = Vector512.Create(s.InvBc2Sqrt);
                var step = Vector512.Create(s.StepSize); var l2 = Vector512.Create(s.L2); var shrink = Vector512.Create(s.Shrink);
                bool decay = s.L2 != 0f;
                for (; i <= n - 16; i += 16)
                {
                    var pv = Vector512.Load(pp + i);
                    var gv = Vector512.Load(gp + i);
                    if (decay) gv += l2 * pv;
                    pv *= shrink;
                    var mv = Vector512.Load(mp + i) * b1 + omb1 * gv;
                    var vv = Vector512.Load(vp + i) * b2 + omb2 * (gv * gv);
                    mv.Store(mp + i);
                    vv.Store(vp + i);
                    var denom = Vector512.Sqrt(vv) * bc2 + eps;
                    (pv - step * (mv / denom)).Store(pp + i);
                }
            }
        }
        else if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var b1 = new Vector<float>(s.B1); var omb1 = new Vector<float>(s.OneMinusB1);
            var b2 = new Vector<float>(s.B2); var omb2 = new Vector<float>(s.OneMinusB2);
            var eps = new Vector<float>(s.Eps); var bc2 = new Vector<float>(s.InvBc2Sqrt);
            var step = new Vector<float>(s.StepSize); var l2 = new Vector<float>(s.L2); var shrink = new Vector<float>(s.Shrink);
            for (; i <= n - w; i += w)
            {
                var pv = new Vector<float>(p.Slice(i, w));
                var gv = new Vector<float>(g.Slice(i, w));
                if (s.L2 != 0f) gv += l2 * pv;
                pv *= shrink;
                var mv = new Vector<float>(m.Slice(i, w)) * b1 + omb1 * gv;
                var vv = new Vector<float>(v.Slice(i, w)) * b2 + omb2 * (gv * gv);
                mv.CopyTo(m.Slice(i, w));
                vv.CopyTo(v.Slice(i, w));
                var denom = Vector.SquareRoot(vv) * bc2 + eps;
                (pv - step * (mv / denom)).CopyTo(p.Slice(i, w));
            }
        }
        for (; i < n; i++)
        {
            float pv = p[i], gv = g[i];
            if (s.L2 != 0f) gv += s.L2 * pv;
            pv *= s.Shrink;
            float mv = m[i] * s.B1 + s.OneMinusB1 * gv;
            float vv = v[i] * s.B2 + s.OneMinusB2 * (gv * gv);
            m[i] = mv;
            v[i] = vv;
            p[i] = pv - s.StepSize * (mv / (MathF.Sqrt(vv) * s.InvBc2Sqrt + s.Eps));
        }
    }
}
