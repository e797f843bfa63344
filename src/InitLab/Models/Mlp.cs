using InitLab.Init;
using InitLab.Nn;
using InitLab.Random;

namespace InitLab.Models;

/// <summary>Builds dense networks: Linear layers with an activation between each pair.</summary>
public static class Mlp
{
    /// <summary>
    /// Builds Linear(sizes[0], sizes[1]), act, ..., Linear(sizes[^2], sizes[^1]) the way a PyTorch
    /// script does: every Linear is constructed first (drawing PyTorch's default weight then bias
    /// from <paramref name="generator"/>), then <paramref name="init"/> is applied to each weight
    /// in order. Biases keep PyTorch's default. With the same seed this reproduces PyTorch's weights.
    /// </summary>
    public static Sequential Create(IReadOnlyList<int> sizes, string activation, InitSpec init, TorchGenerator generator) =>
        Create(sizes, activation, InitPlan.Of(init), generator);

    /// <summary>
    /// As above with a plan: a weight initializer per layer (or one for all) and a bias rule,
    /// applied by <see cref="InitPlan.Apply"/> once every Linear has drawn PyTorch's defaults.
    /// LSUV and DBN look at the training data in <paramref name="context"/>.
    /// </summary>
    public static Sequential Create(IReadOnlyList<int> sizes, string activation, InitPlan plan, TorchGenerator generator,
        InitContext? context = null)
    {
        if (sizes.Count < 2) throw new ArgumentException("A network needs at least an input and an output size.");
        foreach (int s in sizes)
            if (s <= 0) throw new ArgumentException($"Layer sizes must be positive; got {string.Join(",", sizes)}.");
        var layers = new List<Layer>();
        for (int i = 0; i + 1 < sizes.Count; i++)
        {
            var l = new Linear(sizes[i], sizes[i + 1]);
            Initializers.TorchLinearDefault(l.Weight.Value, l.Bias?.Value, generator);
            layers.Add(l);
            if (i + 2 < sizes.Count) layers.Add(CreateActivation(activation));
        }
        var model = new Sequential(layers.ToArray());
        plan.Apply(model, generator, context);
        return model;
    }

    /// <summary>An activation layer by name (relu, leaky-relu[:slope], sigmoid, tanh): <see cref="Activations.Create(string)"/>.</summary>
    public static Layer CreateActivation(string name) => Activations.Create(name);

    /// <summary>Parses "784,256,256,10" into sizes; "512x30" stands for 30 layers of 512.</summary>
    public static int[] ParseSizes(string text) => ParseSizesUpTo(text, int.MaxValue);

    /// <summary>
    /// As <see cref="ParseSizes(string)"/>, refusing (with a <see cref="FormatException"/>) a list
    /// that expands to more than <paramref name="maxSizes"/> sizes. The total is counted before
    /// anything is expanded, so untrusted text ("1x10000" 2,000 times in a model file's metadata)
    /// costs memory in proportion to its own length, not to what it claims.
    /// </summary>
    public static int[] ParseSizesUpTo(string text, int maxSizes)
    {
        var parts = new List<(int Size, int Count)>();
        long total = 0;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = part.Split('x');
            if (pieces.Length > 2 || !int.TryParse(pieces[0], out int size) || size <= 0)
                throw new FormatException($"Layer size '{part}' in '{Shorten(text)}' is not a positive integer (or SIZExCOUNT).");
            int count = 1;
            if (pieces.Length == 2 && (!int.TryParse(pieces[1], out count) || count < 1 || count > 10_000))
                throw new FormatException($"'{part}' in '{Shorten(text)}': the count after x must be between 1 and 10000.");
            total += count;
            if (total > maxSizes) throw new FormatException($"'{Shorten(text)}' describes more than {maxSizes} layer sizes.");
            parts.Add((size, count));
        }
        if (total < 2) throw new FormatException($"'{Shorten(text)}' needs at least two sizes (input and output), e.g. 784,256,256,10.");
        var sizes = new int[total];
        int at = 0;
        foreach (var (size, count) in parts)
        {
            sizes.AsSpan(at, count).Fill(size);
            at += count;
        }
        return sizes;
    }

    /// <summary>Untrusted text quoted in an error is cut to 80 characters, so a message stays one line.</summary>
    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
