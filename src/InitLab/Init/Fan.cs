using InitLab.Tensors;

namespace InitLab.Init;

/// <summary>Fan-in and fan-out as torch.nn.init._calculate_fan_in_and_fan_out computes them.</summary>
public static class Fan
{
    /// <summary>For a Linear weight (out, in): fan_in = in, fan_out = out.</summary>
    public static (int FanIn, int FanOut) Of(Tensor weight)
    {
        if (weight.Rank < 2)
            throw new ArgumentException("Fan in and fan out can not be computed for a tensor with fewer than 2 dimensions.");
        int receptive = 1;
        for (int d = 2; d < weight.Rank; d++) receptive *= weight.Shape[d];
        return (weight.Shape[1] * receptive, weight.Shape[0] * receptive);
    }
}

/// <summary>torch.nn.init.calculate_gain: the recommended gain for a nonlinearity.</summary>
public static class Gain
{
    /// <summary>
    /// The gain for <paramref name="nonlinearity"/> (case-insensitive torch name: linear, conv1d..3d,
    /// sigmoid 1; tanh 5/3; relu √2; leaky_relu √(2/(1+a²)) with a = <paramref name="param"/>, default 0.01; selu 3/4).
    /// </summary>
    public static double For(string nonlinearity, double? param = null) => nonlinearity.ToLowerInvariant() switch
    {
        "linear" or "identity" or "conv1d" or "conv2d" or "conv3d" or "sigmoid" => 1.0,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" or "leaky-relu" => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        "selu" => 3.0 / 4,
        _ => throw new ArgumentException($"Unsupported nonlinearity '{nonlinearity}' (expected linear, sigmoid, tanh, relu, leaky_relu or selu)."),
    };
}
