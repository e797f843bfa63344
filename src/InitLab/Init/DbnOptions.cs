using InitLab.Rbm;

namespace InitLab.Init;

/// <summary>
/// The settings of DBN pretraining as an initializer, typed: what
/// <c>dbn:epochs=…,lr=…,cd=…,pcd=…,batch=…,wd=…,top=…</c> means. The defaults are the
/// registry's (those <c>initlab inits</c> lists).
/// </summary>
public sealed record DbnOptions
{
    /// <summary>RBM epochs per hidden layer (at least 1).</summary>
    public int Epochs { get; init; } = InitRegistry.Default<int>("dbn", "epochs");

    /// <summary>RBM learning rate (above 0).</summary>
    public double LearningRate { get; init; } = InitRegistry.Default<double>("dbn", "lr");

    /// <summary>Gibbs steps per update, the k of CD-k or PCD-k (at least 1).</summary>
    public int GibbsSteps { get; init; } = InitRegistry.Default<int>("dbn", "cd");

    /// <summary>Persistent contrastive divergence (and then no momentum) instead of CD.</summary>
    public bool Persistent { get; init; } = InitRegistry.Default<bool>("dbn", "pcd");

    /// <summary>RBM mini-batch rows (at least 1).</summary>
    public int BatchSize { get; init; } = InitRegistry.Default<int>("dbn", "batch");

    /// <summary>L2 weight decay on the RBM weights (at least 0).</summary>
    public double WeightDecay { get; init; } = InitRegistry.Default<double>("dbn", "wd");

    /// <summary>The output layer's initializer: any per-layer one (not lsuv or dbn).</summary>
    public InitSpec Top { get; init; } = InitRegistry.Default<InitSpec>("dbn", "top");

    /// <summary>The options a <c>dbn</c> spec stands for.</summary>
    public static DbnOptions Of(InitSpec spec) => spec.IsDbn
        ? new()
        {
            Epochs = spec.Integer("epochs"), LearningRate = spec.Real("lr"), GibbsSteps = spec.Integer("cd"), Persistent = spec.Boolean("pcd"),
            BatchSize = spec.Integer("batch"), WeightDecay = spec.Real("wd"), Top = spec.Spec("top"),
        }
        : throw new ArgumentException($"'{spec}' is not dbn.");

    /// <summary>
    /// The <c>dbn</c> spec these options stand for, listing the values that differ from the
    /// defaults (so it prints short); throws <see cref="ArgumentException"/> for a value the registry refuses.
    /// </summary>
    public InitSpec ToSpec()
    {
        var d = new DbnOptions();
        var args = new List<(string, object)>();
        if (Epochs != d.Epochs) args.Add(("epochs", Epochs));
        if (LearningRate != d.LearningRate) args.Add(("lr", LearningRate));
        if (GibbsSteps != d.GibbsSteps) args.Add(("cd", GibbsSteps));
        if (Persistent != d.Persistent) args.Add(("pcd", Persistent));
        if (BatchSize != d.BatchSize) args.Add(("batch", BatchSize));
        if (WeightDecay != d.WeightDecay) args.Add(("wd", WeightDecay));
        if (!Equals(Top, d.Top)) args.Add(("top", Top ?? throw new ArgumentException("dbn: top must be an initializer, got null.")));
        return InitSpec.Create("dbn", [.. args]);
    }

    // Momentum is left unset so that RbmOptions.DefaultMomentum picks it (0.5 then 0.9 for CD, none for PCD).
    internal RbmOptions ToRbmOptions(ulong seed) => new()
    {
        Epochs = Epochs, LearningRate = LearningRate, GibbsSteps = GibbsSteps, Persistent = Persistent,
        BatchSize = BatchSize, WeightDecay = WeightDecay, Seed = seed,
    };
}
