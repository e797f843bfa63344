using InitLab.Init;
using InitLab.Models;

namespace InitLab.Training;

/// <summary>
/// Everything that determines one training run: the data, the network (layer sizes, activation),
/// how its weights and biases are initialized, the optimizer, the batch size, the number of
/// epochs and the seed. Two runs with equal configurations give the same numbers, whatever the
/// thread count (which is therefore not part of it). The canonical JSON form
/// (<see cref="ToJson"/>) is what checkpoints, run folders' config.json, <c>compare</c>,
/// <c>seed</c> and <c>train</c> record; equality is equality of that form, so an alias of an
/// initializer (he-normal, kaiming_normal) is the same configuration.
/// </summary>
/// <example>
/// <code>
/// var config = TrainConfig.Note with { Layers = [784, 128, 10], Init = InitPlan.Parse("he-normal") };
/// </code>
/// </example>
public sealed record TrainConfig
{
    private readonly IReadOnlyList<int> _layers = [784, 256, 256, 10];

    /// <summary>A dataset name (mnist, fashion-mnist, kmnist: see <see cref="Data.DatasetCatalog"/>) or a folder with the four MNIST-format files.</summary>
    public string Data { get; init; } = "mnist";

    /// <summary>Layer sizes, input first: 784, 256, 256, 10 is two hidden layers of 256.</summary>
    public IReadOnlyList<int> Layers { get => _layers; init => _layers = [.. value]; }

    /// <summary>The activation between Linear layers: relu, leaky-relu[:slope], sigmoid or tanh.</summary>
    public string Activation { get; init; } = "relu";

    /// <summary>How weights and biases are initialized (one initializer, one per layer, LSUV or DBN; and the bias rule).</summary>
    public InitPlan Init { get; init; } = InitPlan.Parse("xavier-uniform");

    /// <summary>The optimizer and its settings.</summary>
    public OptimizerConfig Optimizer { get; init; } = new();

    /// <summary>Mini-batch size; the last incomplete batch is dropped, as the note's DataLoader does.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Training epochs.</summary>
    public int Epochs { get; init; } = 15;

    /// <summary>Seed of the PyTorch-compatible generator: initial weights, batch order, data-driven initializers.</summary>
    public ulong Seed { get; init; } = 777;

    /// <summary>Dropout probability after each hidden activation while training, in [0, 1); 0 (the default) adds no Dropout layer.</summary>
    public double Dropout { get; init; }

    /// <summary>Normalization after each hidden Linear: none (the default), batch (BatchNorm1d) or layer (LayerNorm).</summary>
    public NormKind Norm { get; init; }

    /// <summary>Residual blocks of the last hidden width before the output layer (see <see cref="MlpOptions.Residual"/>); 0, the default, for none.</summary>
    public int Residual { get; init; }

    /// <summary>What the network has besides its Linear layers and activations, for <see cref="Mlp.Create(IReadOnlyList{int}, string, InitPlan, Random.TorchGenerator, MlpOptions, InitContext?)"/>.</summary>
    public MlpOptions Network => new() { Dropout = Dropout, Norm = Norm, Residual = Residual, ResidualGain = Init.NeedsResidualGain, ZeroGamma = ZeroGamma };

    /// <summary>
    /// Goyal et al. 2017's zero-γ: the last normalization of each residual block starts with γ = 0,
    /// so every block starts as the identity; needs <see cref="Norm"/> and <see cref="Residual"/>.
    /// False (the default): γ = 1, β = 0 everywhere, as PyTorch constructs them.
    /// </summary>
    public bool ZeroGamma { get; init; }

    /// <summary>The Linear layers the network has: one per pair of sizes, and two per residual block.</summary>
    public int LinearCount => Layers.Count - 1 + 2 * Residual;

    /// <summary>The study note's experiment: MNIST, 784-256-256-10 ReLU, xavier_uniform_, Adam 0.001, batch 100, 15 epochs, seed 777.</summary>
    public static TrainConfig Note { get; } = new();

    /// <summary>The note's deeper network, 784-512-512-512-512-10, otherwise as <see cref="Note"/>.</summary>
    public static TrainConfig NoteDeep { get; } = new() { Layers = [784, 512, 512, 512, 512, 10] };

    /// <summary>"784-256-256-10".</summary>
    public string Architecture => string.Join("-", Layers);

    /// <summary>
    /// Checks every setting on its own and together; throws <see cref="UserInputException"/>
    /// naming the setting. Data-dependent checks (input size against the images) happen when the
    /// data is loaded.
    /// </summary>
    public TrainConfig Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) throw new UserInputException("data: give a dataset name or a folder.");
        if (Layers.Count < 2) throw new UserInputException($"layers: a network needs at least an input and an output size, got {Layers.Count} size(s).");
        if (Layers.Any(s => s <= 0)) throw new UserInputException($"layers: sizes must be positive, got {Architecture}.");
        Wrap("activation", () => Mlp.CreateActivation(Activation));
        if (!(Dropout >= 0 && Dropout < 1)) throw new UserInputException($"dropout must be in [0, 1), got {Dropout}.");
        if (!Enum.IsDefined(Norm)) throw new UserInputException($"norm: {Norm} is not none, batch or layer.");
        if (Residual < 0 || Residual > 10_000) throw new UserInputException($"residual: the number of blocks must be between 0 and 10000, got {Residual}.");
        CheckZeroGamma(ZeroGamma, Norm, Residual);
        Wrap("init", () => Init.ForLayer(0, LinearCount));
        Optimizer.Validate();
        if (BatchSize < 1) throw new UserInputException($"batch_size must be at least 1, got {BatchSize}.");
        if (Epochs < 1) throw new UserInputException($"epochs must be at least 1, got {Epochs}.");
        return this;
    }

    /// <summary>
    /// The check <see cref="Validate"/> makes of <see cref="ZeroGamma"/>: without a norm and
    /// residual blocks it would change nothing, so it is refused with a
    /// <see cref="UserInputException"/> starting "zero_gamma:" (a command line names its option there).
    /// </summary>
    /// <param name="zeroGamma">Whether zero-γ is asked for.</param>
    /// <param name="norm">The network's normalization.</param>
    /// <param name="residual">The network's residual blocks.</param>
    public static void CheckZeroGamma(bool zeroGamma, NormKind norm, int residual)
    {
        if (zeroGamma && (norm == NormKind.None || residual == 0))
            throw new UserInputException("zero_gamma: zeroes the γ of each residual block's last normalization, so it needs a norm (batch or layer) and residual blocks.");
    }

    /// <summary>The canonical JSON form (fixed key order, initializers and activation in canonical spelling), ending with a newline.</summary>
    public string ToJson() => TrainConfigJson.Write(this);

    /// <summary>Reads <see cref="ToJson"/>'s form; errors name <paramref name="source"/> and the field.</summary>
    public static TrainConfig FromJson(string json, string source = "config") => TrainConfigJson.Read(json, source);

    /// <summary>
    /// The settings that differ from <paramref name="other"/>'s, as "name: this vs other" (empty when
    /// the configurations are equal); <paramref name="ignore"/> lists JSON keys to leave out
    /// (e.g. "seed" when runs of one cell are compared).
    /// </summary>
    public IReadOnlyList<string> Differences(TrainConfig other, params string[] ignore) =>
        TrainConfigJson.Differences(this, other, ignore);

    /// <summary>Equal when the canonical JSON forms are equal.</summary>
    public bool Equals(TrainConfig? other) => other is not null && ToJson() == other.ToJson();

    /// <inheritdoc/>
    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);

    private static void Wrap(string field, Action check)
    {
        try
        {
            check();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UserInputException($"{field}: {e.Message}", e);
        }
    }
}
