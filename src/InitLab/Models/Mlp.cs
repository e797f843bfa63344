using InitLab.Init;
using InitLab.Nn;
using InitLab.Random;

namespace InitLab.Models;

/// <summary>Builds dense networks: Linear layers with an activation between each pair.</summary>
public static class Mlp
{
    /// <summary>The activation names <see cref="CreateActivation"/> accepts.</summary>
    public static readonly string[] ActivationNames = ["relu", "leaky-relu", "sigmoid", "tanh"];

    /// <summary>
    /// Builds Linear(sizes[0], sizes[1]), act, ..., Linear(sizes[^2], sizes[^1]) the way a PyTorch
    /// script does: every Linear is constructed first (drawing PyTorch's default weight then bias
    /// from <paramref name="generator"/>), then <paramref name="init"/> is applied to each weight
    /// in order. Biases keep PyTorch's default. With the same seed this reproduces PyTorch's weights.
    /// </summary>
    public static Sequential Create(IReadOnlyList<int> sizes, string activation, InitSpec init, TorchGenerator generator)
    {
        if (sizes.Count < 2) throw new ArgumentException("A network needs at least an input and an output size.");
        foreach (int s in sizes)
            if (s <= 0) throw new ArgumentException($"Layer sizes must be positive; got {string.Join(",", sizes)}.");
        var linears = new List<Linear>();
        for (int i = 0; i + 1 < sizes.Count; i++)
        {
            var l = new Linear(sizes[i], sizes[i + 1]);
            Initializers.TorchLinearDefault(l.Weight.Value, l.Bias?.Value, generator);
            linears.Add(l);
        }
        if (!init.IsTorchDefault)
            foreach (var l in linears) init.Apply(l.Weight.Value, generator);
        var layers = new List<Layer>();
        for (int i = 0; i < linears.Count; i++)
        {
            layers.Add(linears[i]);
            if (i + 1 < linears.Count) layers.Add(CreateActivation(activation));
        }
        return new Sequential(layers.ToArray());
    }

    /// <summary>relu, leaky-relu (slope 0.01, or leaky-relu:0.2), sigmoid or tanh.</summary>
    public static Layer CreateActivation(string name)
    {
        string n = name.Trim().ToLowerInvariant().Replace('_', '-');
        if (n.StartsWith("leaky-relu:", StringComparison.Ordinal) &&
            float.TryParse(n["leaky-relu:".Length..], System.Globalization.CultureInfo.InvariantCulture, out float slope))
            return new LeakyRelu(slope);
        return n switch
        {
            "relu" => new Relu(),
            "leaky-relu" or "leakyrelu" => new LeakyRelu(),
            "sigmoid" => new Sigmoid(),
            "tanh" => new Tanh(),
            _ => throw new ArgumentException($"Unknown activation '{name}'; use {string.Join(", ", ActivationNames)}."),
        };
    }

    /// <summary>Parses "784,256,256,10" into sizes.</summary>
    public static int[] ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out sizes[i]) || sizes[i] <= 0)
                throw new FormatException($"Layer size '{parts[i]}' in '{text}' is not a positive integer.");
        if (sizes.Length < 2) throw new FormatException($"'{text}' needs at least two sizes (input and output), e.g. 784,256,256,10.");
        return sizes;
    }
}
