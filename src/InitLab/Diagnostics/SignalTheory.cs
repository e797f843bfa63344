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
/// in wide layers. Other initializers (orthogonal, sparse, lsuv, dbn, constants) get no prediction.
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
    public static IReadOnlyList<double>? PredictPreActivationSquare(Sequential model, InitPlan plan, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(x);
        var linears = model.Layers.OfType<Linear>().ToList();
        var activation = model.Layers.OfType<Activation>().FirstOrDefault();
        if (linears.Count == 0 || activation is null || plan.NeedsData) return null;
        var phi = PhiOf(activation);
        if (phi is null) return null;
        var q = new double[linears.Count];
        double q0 = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(x.Span) / (double)x.Length;
        for (int l = 0; l < linears.Count; l++)
        {
            var bias = plan.BiasForLayer(l, linears.Count);
            var spec = plan.ForLayer(l, linears.Count);
            if (spec.IsCritical) spec = CriticalInit.Resolve(spec, model, linears[l], bias);
            if (EffectiveWeightVariance(spec, linears[l].InFeatures, linears[l].OutFeatures) is not { } sw2) return null;
            double sb2 = linears[l].Bias is null ? 0 : bias.Variance(linears[l].InFeatures);
            q[l] = l == 0 ? sw2 * q0 + sb2 : new MeanField(phi, sw2, sb2).LengthMap(q[l - 1]);
        }
        return q;
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
            _ => null,
        };
    }

    private static double Square(double v) => v * v;

    private static Phi? PhiOf(Activation a) => a switch
    {
        Relu => Phi.Relu,
        LeakyRelu l => Phi.LeakyRelu(l.NegativeSlope),
        Tanh => Phi.Tanh,
        Sigmoid => Phi.Sigmoid,
        _ => null,
    };
}
