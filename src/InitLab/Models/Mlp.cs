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
        InitContext? context = null) => Create(sizes, activation, plan, generator, MlpOptions.Plain, context);

    /// <summary>
    /// As above, with dropout, normalization and residual blocks as <paramref name="options"/> say.
    /// Each hidden layer is Linear → [norm] → activation → [Dropout]; then the residual blocks of
    /// the last hidden width; then the output Linear. Every module is constructed in this order
    /// (each Linear drawing PyTorch's default weight and bias as it is made, norms and blocks'
    /// gains drawing nothing), which is the order the equivalent nn.Sequential draws in; the plan
    /// then initializes every Linear, inside blocks too, in that order. Dropout draws its masks
    /// from <paramref name="generator"/> while training.
    /// </summary>
    public static Sequential Create(IReadOnlyList<int> sizes, string activation, InitPlan plan, TorchGenerator generator,
        MlpOptions options, InitContext? context = null)
    {
        if (sizes.Count < 2) throw new ArgumentException("A network needs at least an input and an output size.");
        foreach (int s in sizes)
            if (s <= 0) throw new ArgumentException($"Layer sizes must be positive; got {string.Join(",", sizes)}.");
        if (!(options.Dropout >= 0 && options.Dropout < 1)) throw new ArgumentException($"Dropout must be in [0, 1), got {options.Dropout}.");
        if (options.Residual < 0) throw new ArgumentException($"Residual blocks must be 0 or more, got {options.Residual}.");
        var layers = new List<Layer>();
        for (int i = 0; i + 1 < sizes.Count; i++)
        {
            if (i + 2 == sizes.Count)
                for (int b = 0; b < options.Residual; b++) layers.Add(Block(sizes[i], activation, options, generator));
            layers.Add(NewLinear(sizes[i], sizes[i + 1], generator));
            if (i + 2 >= sizes.Count) continue;
            if (CreateNorm(options.Norm, sizes[i + 1]) is { } norm) layers.Add(norm);
            layers.Add(CreateActivation(activation));
            if (options.Dropout > 0) layers.Add(new Dropout(options.Dropout, generator));
        }
        var model = new Sequential(layers.ToArray());
        plan.Apply(model, generator, context);
        return model;
    }

    /// <summary>A Linear with PyTorch's default weights and bias drawn from <paramref name="generator"/>, as nn.Linear's constructor draws them.</summary>
    private static Linear NewLinear(int inFeatures, int outFeatures, TorchGenerator generator)
    {
        var l = new Linear(inFeatures, outFeatures);
        Initializers.TorchLinearDefault(l.Weight.Value, l.Bias?.Value, generator);
        return l;
    }

    /// <summary>One residual block of <paramref name="width"/>: Linear → [norm] → activation → Linear → [norm].</summary>
    private static ResidualBlock Block(int width, string activation, MlpOptions options, TorchGenerator generator)
    {
        var branch = new List<Layer> { NewLinear(width, width, generator) };
        if (CreateNorm(options.Norm, width) is { } n1) branch.Add(n1);
        branch.Add(CreateActivation(activation));
        branch.Add(NewLinear(width, width, generator));
        if (CreateNorm(options.Norm, width) is { } n2)
        {
            // Goyal et al. 2017's zero-γ: the block's last norm outputs β = 0, so x + branch(x) = x.
            // Setting a value draws nothing, so the other layers' draws stay those of γ = 1.
            if (options.ZeroGamma) n2.Parameters[0].Value.Span.Clear();
            branch.Add(n2);
        }
        return new ResidualBlock(new Sequential(branch.ToArray()), options.ResidualGain);
    }

    /// <summary>The normalization layer of <paramref name="kind"/> over <paramref name="features"/>, or null for none.</summary>
    public static Layer? CreateNorm(NormKind kind, int features) => kind switch
    {
        NormKind.Batch => new BatchNorm1d(features),
        NormKind.Layer => new LayerNorm(features),
        _ => null,
    };

    /// <summary>An activation layer by name (relu, leaky-relu[:slope], sigmoid, tanh, selu, prelu): <see cref="Activations.Create(string)"/>.</summary>
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
