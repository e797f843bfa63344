using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Init;

/// <summary>
/// The torch.nn.init functions, drawing from a <see cref="TorchGenerator"/> in PyTorch's order so
/// the same seed gives PyTorch's weights.
/// </summary>
public static class Initializers
{
    public static void Zeros(Tensor t) => t.Span.Clear();

    public static void Constant(Tensor t, float value) => t.Span.Fill(value);

    /// <summary>U(a, b).</summary>
    public static void Uniform(Tensor t, TorchGenerator g, double a = 0, double b = 1) => g.Uniform(t.Span, a, b);

    /// <summary>N(mean, std²).</summary>
    public static void Normal(Tensor t, TorchGenerator g, double mean = 0, double std = 1) => g.Normal(t.Span, mean, std);

    /// <summary>U(-a, a) with a = gain·sqrt(6 / (fan_in + fan_out)).</summary>
    public static void XavierUniform(Tensor t, TorchGenerator g, double gain = 1)
    {
        var (fanIn, fanOut) = Fan.Of(t);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        double a = Math.Sqrt(3.0) * std;
        g.Uniform(t.Span, -a, a);
    }

    /// <summary>N(0, std²) with std = gain·sqrt(2 / (fan_in + fan_out)).</summary>
    public static void XavierNormal(Tensor t, TorchGenerator g, double gain = 1)
    {
        var (fanIn, fanOut) = Fan.Of(t);
        g.Normal(t.Span, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
    }

    /// <summary>U(-b, b) with b = sqrt(3)·gain(nonlinearity, a) / sqrt(fan).</summary>
    public static void KaimingUniform(Tensor t, TorchGenerator g, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu")
    {
        double std = Gain.For(nonlinearity, a) / Math.Sqrt(SelectFan(t, mode));
        double bound = Math.Sqrt(3.0) * std;
        g.Uniform(t.Span, -bound, bound);
    }

    /// <summary>N(0, std²) with std = gain(nonlinearity, a) / sqrt(fan).</summary>
    public static void KaimingNormal(Tensor t, TorchGenerator g, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu")
    {
        double std = Gain.For(nonlinearity, a) / Math.Sqrt(SelectFan(t, mode));
        g.Normal(t.Span, 0, std);
    }

    /// <summary>What torch.nn.Linear's constructor does: kaiming_uniform(a=√5) weight, then U(±1/√fan_in) bias.</summary>
    public static void TorchLinearDefault(Tensor weight, Tensor? bias, TorchGenerator g)
    {
        KaimingUniform(weight, g, a: Math.Sqrt(5));
        if (bias is null) return;
        int fanIn = Fan.Of(weight).FanIn;
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        g.Uniform(bias.Span, -bound, bound);
    }

    private static int SelectFan(Tensor t, string mode)
    {
        var (fanIn, fanOut) = Fan.Of(t);
        return mode.ToLowerInvariant() switch
        {
            "fan_in" or "fan-in" => fanIn,
            "fan_out" or "fan-out" => fanOut,
            _ => throw new ArgumentException($"Mode '{mode}' is not supported; use fan_in or fan_out."),
        };
    }
}
