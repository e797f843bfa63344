using System.Globalization;
using InitLab.Nn;
using InitLab.Theory;

namespace InitLab.Init;

/// <summary>
/// The <c>critical</c> initializer's σw²: on mean-field theory's critical line χ₁ = 1 (the edge of
/// chaos) for its activation and bias variance. Both may be <c>auto</c>; <see cref="InitPlan.Apply"/>
/// then fills them in from the network (the activation next to the layer) and the layer's bias
/// rule (<see cref="BiasInit.Variance"/>), so the registry line itself stays a plain function of
/// the tensor and the generator.
/// </summary>
internal static class CriticalInit
{
    /// <summary>The activation choices; '-' is read as '_' by the choice parameter.</summary>
    public static readonly string[] Activations = ["auto", "linear", "relu", "leaky_relu", "tanh", "sigmoid"];

    /// <summary>σw² of a spec whose activation and bias_var are given (not auto).</summary>
    public static double WeightVariance(InitSpec spec)
    {
        string activation = spec.Choice("activation");
        double biasVariance = spec.Real("bias_var");
        if (activation == "auto" || double.IsNaN(biasVariance))
            throw new InvalidOperationException(
                $"'{spec}' takes its activation or bias variance from the network; apply it with InitPlan.Apply (or Mlp.Create), or give activation= and bias_var=.");
        return CriticalLine.WeightVariance(Phi.Parse(activation), biasVariance);
    }

    /// <summary>
    /// The spec with auto filled in for <paramref name="linear"/> of <paramref name="network"/>:
    /// the activation after it (before it, for the output layer), and <paramref name="bias"/>'s
    /// variance at its fan-in (PyTorch's default U(±1/√fan_in) counts as 1/(3·fan_in)).
    /// </summary>
    public static InitSpec Resolve(InitSpec spec, Sequential network, Linear linear, BiasInit bias)
    {
        string activation = spec.Choice("activation");
        double biasVariance = spec.Real("bias_var");
        if (activation == "auto") activation = NameOf(ActivationNear(network, linear));
        if (double.IsNaN(biasVariance)) biasVariance = bias.Variance(linear.InFeatures);
        return InitSpec.Create("critical", ("activation", activation), ("bias_var", biasVariance));
    }

    private static Activation ActivationNear(Sequential network, Linear linear)
    {
        var layers = network.Layers;
        int at = layers.ToList().IndexOf(linear);
        var after = layers.Skip(at + 1).TakeWhile(l => l is not Linear).OfType<Activation>().FirstOrDefault();
        return after ?? layers.Take(at).OfType<Activation>().LastOrDefault()
            ?? throw new ArgumentException("critical needs an activation in the network (or activation= given).");
    }

    private static string NameOf(Activation a) => a switch
    {
        Relu => "relu",
        // The activation choice carries no slope: leaky_relu means torch's default 0.01, so a
        // network with another slope cannot be matched by name.
        LeakyRelu l when l.NegativeSlope == 0.01f => "leaky_relu",
        LeakyRelu l => throw new ArgumentException(
            $"critical knows leaky ReLU with slope 0.01 only, the network has {l.NegativeSlope.ToString(CultureInfo.InvariantCulture)}."),
        Tanh => "tanh",
        Sigmoid => "sigmoid",
        _ => throw new ArgumentException($"critical does not know the activation {a}."),
    };
}
