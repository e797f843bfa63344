using InitLab.Init;
using InitLab.Nn;
using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Diagnostics;

/// <summary>
/// Mean-field theory's prediction of what <see cref="SignalProbe"/> measures: per layer the mean
/// square q(l) of the pre-activations, for a network initialized by an <see cref="InitPlan"/>.
/// <para>
/// What is predicted: the theory assumes i.i.d. zero-mean weights of variance σw²/fan_in and
/// biases of variance σb², and wide layers (the pre-activations are then Gaussian across units).
/// Each layer's σw² is fan_in·Var(W) of its initializer's nominal distribution — mean-field: X;
/// critical: its critical σw²; xavier: gain²·2·fan_in/(fan_in + fan_out), which is gain² for equal
/// widths; kaiming: gain²·fan_in/fan; PyTorch's default U(±1/√fan_in): 1/3; normal (mean 0):
/// std²·fan_in — and σb² is the bias rule's variance (<see cref="BiasInit.Variance"/>).
/// Uniform weights count by their variance alone, which the central limit theorem makes enough
/// in wide layers; orthogonal: gain²·min(1, fan_in/fan_out) (the variance of a (semi-)orthogonal
/// matrix's entries). Other initializers (sparse, lsuv, dbn, constants) get no prediction.
/// </para>
/// </summary>
public static class SignalTheory
{
    /// <summary>
    /// q(1..L) for <paramref name="model"/> initialized by <paramref name="plan"/> on inputs
    /// <paramref name="x"/> (batch, in): q(1) = σw²(1)·|x|²/n + σb²(1), then q(l+1) = σw²·E[φ(√q(l) z)²] + σb²
    /// with each layer's own variances; null when some layer's initializer has no such form or
    /// the activation is not one theory knows.
    /// </summary>
    /// <param name="model">A Linear/activation stack (as <c>Mlp.Create</c> builds).</param>
    /// <param name="plan">The plan it was initialized with.</param>
    /// <param name="x">The batch the probe forwards.</param>
    public static IReadOnlyList<double>? PredictPreActivationSquare(Sequential model, InitPlan plan, Tensor x) =>
        Layers(model, plan, x)?.Select(l => l.Q).ToList();

    /// <summary>
    /// The mean squared singular value of the Jacobian that <see cref="NetworkJacobian.Compute(InitLab.Nn.Sequential, ReadOnlySpan{double}, int, int)"/>
    /// gives for the segment <paramref name="from"/>..<paramref name="to"/> (0-based Linear layers,
    /// each followed by its activation): ∏ χ(l) with χ(l) = σw²(l)·E[φ'(√q(l) z)²], the product of
    /// the per-layer gradient-norm factors. Mean-field theory predicts it for Gaussian and
    /// orthogonal weights alike (the spectrum's shape differs, not its mean square); null when
    /// <see cref="PredictPreActivationSquare"/> has no prediction.
    /// </summary>
    /// <param name="model">A Linear/activation stack.</param>
    /// <param name="plan">The plan it was initialized with.</param>
    /// <param name="x">The batch whose mean square sets q(1).</param>
    /// <param name="from">First Linear layer of the segment, 0-based.</param>
    /// <param name="to">Last Linear layer of the segment, 0-based.</param>
    public static double? PredictJacobianMeanSquare(Sequential model, InitPlan plan, Tensor x, int from, int to)
    {
        if (Layers(model, plan, x) is not { } layers || from < 0 || to >= layers.Count || from > to) return null;
        double product = 1;
        for (int l = from; l <= to; l++) product *= layers[l].Field.BackwardFactor(layers[l].Q);
        return product;
    }

    /// <summary>
    /// The back-propagated gradient norm ‖∂L/∂h(l)‖ per layer that mean-field theory predicts from
    /// the measured one at the logits, <paramref name="outputGradNorm"/>: going down,
    /// ‖∂L/∂h(l)‖² = σw²(l+1)·E[φ'(√q(l) z)²]·‖∂L/∂h(l+1)‖² (each layer's χ, with the next layer's
    /// weight variance); null when there is no prediction.
    /// </summary>
    /// <param name="model">A Linear/activation stack.</param>
    /// <param name="plan">The plan it was initialized with.</param>
    /// <param name="x">The batch whose mean square sets q(1).</param>
    /// <param name="outputGradNorm">The measured ‖∂L/∂logits‖, the anchor.</param>
    public static IReadOnlyList<double>? PredictPreActivationGradNorm(Sequential model, InitPlan plan, Tensor x, double outputGradNorm)
    {
        if (Layers(model, plan, x) is not { } layers) return null;
        var norms = new double[layers.Count];
        norms[^1] = outputGradNorm;
        for (int l = layers.Count - 2; l >= 0; l--)
        {
            var (field, q) = layers[l];
            double chi = new MeanField(field.Phi, layers[l + 1].Field.WeightVariance, field.BiasVariance).BackwardFactor(q);
            norms[l] = norms[l + 1] * Math.Sqrt(chi);
        }
        return norms;
    }

    // Per Linear layer: its mean-field map (σw², σb², φ) and q(l); null when theory has no prediction.
    private static List<(MeanField Field, double Q)>? Layers(Sequential model, InitPlan plan, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(x);
        var linears = model.Layers.OfType<Linear>().ToList();
        var activation = model.Layers.OfType<Activation>().FirstOrDefault();
        if (linears.Count == 0 || activation is null || plan.NeedsData) return null;
        var phi = PhiOf(activation);
        if (phi is null) return null;
        var layers = new List<(MeanField, double)>(linears.Count);
        double q0 = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(x.Span) / (double)x.Length;
        for (int l = 0; l < linears.Count; l++)
        {
            var bias = plan.BiasForLayer(l, linears.Count);
            var spec = plan.ForLayer(l, linears.Count);
            if (spec.IsCritical) spec = CriticalInit.Resolve(spec, model, linears[l], bias);
            if (EffectiveWeightVariance(spec, linears[l].InFeatures, linears[l].OutFeatures) is not { } sw2) return null;
            double sb2 = linears[l].Bias is null ? 0 : bias.Variance(linears[l].InFeatures);
            var field = new MeanField(phi, sw2, sb2);
            layers.Add((field, l == 0 ? sw2 * q0 + sb2 : field.LengthMap(layers[l - 1].Item2)));
        }
        return layers;
    }

    /// <summary>fan_in·Var(W) of <paramref name="spec"/>'s distribution for a (fanOut, fanIn) weight; null when it is not i.i.d. with mean 0.</summary>
    /// <param name="spec">The initializer.</param>
    /// <param name="fanIn">Inputs of the layer.</param>
    /// <param name="fanOut">Outputs of the layer.</param>
    public static double? EffectiveWeightVariance(InitSpec spec, int fanIn, int fanOut)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Name switch
        {
            "default" => 1.0 / 3,  // kaiming_uniform(a=√5): U(±1/√fan_in), variance 1/(3·fan_in)
            "mean-field" => spec.Real("weight_var"),
            "critical" when spec.Choice("activation") != "auto" && !double.IsNaN(spec.Real("bias_var")) => CriticalInit.WeightVariance(spec),
            "xavier-normal" or "xavier-uniform" => spec.Gain("gain") * spec.Gain("gain") * 2.0 * fanIn / (fanIn + fanOut),
            "kaiming-normal" or "kaiming-uniform" => Square(Gain.For(spec.Choice("nonlinearity"), spec.Real("a"))) * fanIn
                / (spec.Choice("mode") == "fan_in" ? fanIn : fanOut),
            "normal" when spec.Real("mean") == 0 => Square(spec.Real("std")) * fanIn,
            // Orthonormal rows (fan_out ≤ fan_in) have entry variance 1/fan_in; orthonormal columns 1/fan_out.
            "orthogonal" => spec.Gain("gain") * spec.Gain("gain") * Math.Min(1.0, (double)fanIn / fanOut),
            _ => null,
        };
    }

    private static double Square(double v) => v * v;

    internal static Phi? PhiOf(Activation a) => a switch
    {
        Relu => Phi.Relu,
        LeakyRelu l => Phi.LeakyRelu(l.NegativeSlope),
        Tanh => Phi.Tanh,
        Sigmoid => Phi.Sigmoid,
        _ => null,
    };
}
