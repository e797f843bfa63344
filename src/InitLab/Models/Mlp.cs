using InitLab.Dbn;
using InitLab.Init;
using InitLab.Rbm;
using InitLab.Training;
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
    /// As above with a plan: a weight initializer per layer (or one for all) and a bias rule.
    /// LSUV and DBN look at the training data in <paramref name="context"/>.
    /// </summary>
    public static Sequential Create(IReadOnlyList<int> sizes, string activation, InitPlan plan, TorchGenerator generator,
        InitContext? context = null)
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
        bool dbn = plan.Weights.Any(w => w.IsDbn);
        if (plan.NeedsData && plan.Weights.Count != 1)
            throw new FormatException("lsuv and dbn initialize the whole network; they cannot be mixed with other initializers.");
        if (plan.NeedsData && context?.Train is null) throw new ArgumentException($"{plan.Weights[0].Name} needs the training data.");
        if (dbn && !activation.Trim().Equals("sigmoid", StringComparison.OrdinalIgnoreCase))
            throw new FormatException("dbn pretrains sigmoid layers; use --activation sigmoid.");
        // LSUV sets every bias to 0 and DBN takes the hidden biases from its RBMs: a --bias other
        // than auto would be overwritten, and reports would name biases the network does not have.
        if (plan.NeedsData && plan.Bias.Kind != BiasKind.Auto)
            throw new FormatException($"{plan.Weights[0].Name} sets the biases itself; --bias {plan.Bias} cannot be combined with it (leave --bias at auto).");
        for (int i = 0; i < linears.Count; i++)
        {
            var spec = plan.ForLayer(i, linears.Count);
            if (spec.IsDbn) spec = i + 1 < linears.Count ? InitSpec.Parse("default") : InitSpec.Parse(spec.Text("top"));
            if (!spec.IsTorchDefault) spec.Apply(linears[i].Weight.Value, generator);
        }
        for (int i = 0; i < linears.Count; i++)
        {
            var l = linears[i];
            if (l.Bias is null) continue;
            var bias = plan.BiasForLayer(i, linears.Count);
            if (bias.Kind == BiasKind.Zeros) l.Bias.Value.Span.Clear();
            else if (bias.Kind == BiasKind.Constant) l.Bias.Value.Span.Fill(bias.Value);
        }
        var layers = new List<Layer>();
        for (int i = 0; i < linears.Count; i++)
        {
            layers.Add(linears[i]);
            if (i + 1 < linears.Count) layers.Add(CreateActivation(activation));
        }
        var model = new Sequential(layers.ToArray());
        var only = plan.Weights[0];
        if (only.IsLsuv)
            Lsuv.Apply(model, DataBatch.First(context!.Train!, (int)only.Number("batch")).X, only.Number("tol"), (int)only.Number("iters"));
        if (dbn) PretrainDbn(sizes, only, linears, context!, generator);
        return model;
    }

    private static void PretrainDbn(IReadOnlyList<int> sizes, InitSpec spec, List<Linear> linears, InitContext context, TorchGenerator generator)
    {
        bool pcd = spec.Number("pcd") != 0;
        var (initialMomentum, finalMomentum) = RbmOptions.DefaultMomentum(pcd);
        var options = new RbmOptions
        {
            Epochs = (int)spec.Number("epochs"),
            LearningRate = spec.Number("lr"),
            GibbsSteps = (int)spec.Number("cd"),
            Persistent = pcd,
            InitialMomentum = initialMomentum,
            FinalMomentum = finalMomentum,
            BatchSize = (int)spec.Number("batch"),
            WeightDecay = spec.Number("wd"),
            // The RBMs' own randomness follows from the network's generator, so one seed fixes the run.
            Seed = generator.Random64(),
        };
        var train = DataBatch.First(context.Train!, context.Train!.Count).X;
        var held = context.HeldOut is { } h ? DataBatch.First(h, Math.Min(h.Count, options.MonitorRows)).X : null;
        var hidden = sizes.Take(sizes.Count - 1).ToArray();
        var rbms = DeepBeliefNetwork.Pretrain(hidden, train, held, options, context.RbmProgress);
        DeepBeliefNetwork.Unroll(rbms, linears);
    }

    /// <summary>An activation layer by name (relu, leaky-relu[:slope], sigmoid, tanh): <see cref="Activations.Create(string)"/>.</summary>
    public static Layer CreateActivation(string name) => Activations.Create(name);

    /// <summary>Parses "784,256,256,10" into sizes; "512x30" stands for 30 layers of 512.</summary>
    public static int[] ParseSizes(string text)
    {
        var sizes = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = part.Split('x');
            if (pieces.Length > 2 || !int.TryParse(pieces[0], out int size) || size <= 0)
                throw new FormatException($"Layer size '{part}' in '{text}' is not a positive integer (or SIZExCOUNT).");
            int count = 1;
            if (pieces.Length == 2 && (!int.TryParse(pieces[1], out count) || count < 1 || count > 10_000))
                throw new FormatException($"'{part}' in '{text}': the count after x must be between 1 and 10000.");
            sizes.AddRange(Enumerable.Repeat(size, count));
        }
        if (sizes.Count < 2) throw new FormatException($"'{text}' needs at least two sizes (input and output), e.g. 784,256,256,10.");
        return sizes.ToArray();
    }
}
