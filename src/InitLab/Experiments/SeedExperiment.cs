using InitLab.Data;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Experiments;

/// <summary>
/// The study note's experiment: <see cref="TrainConfig.Note"/> (or <see cref="TrainConfig.NoteDeep"/>)
/// with random.seed(777) for the test digit. The generators are driven exactly as the note's
/// Python program drives them, so the initial weights, the batch order and the "random test
/// digit" are the ones PyTorch would produce.
/// </summary>
public sealed class SeedExperiment
{
    /// <summary>The note's seed, for torch.manual_seed and random.seed.</summary>
    public const ulong Seed = 777;

    /// <summary>The note's training epochs.</summary>
    public const int NoteEpochs = 15;

    private readonly PythonRandom _python = new(Seed);

    private SeedExperiment(bool deep, Trainer trainer) => (Deep, Trainer) = (deep, trainer);

    /// <summary>True for the note's deeper network.</summary>
    public bool Deep { get; }

    /// <summary>The trainer of the note's configuration, ready to <see cref="Trainer.Fit(IProgress{EpochReport}?, CancellationToken, FitOptions?)"/>.</summary>
    public Trainer Trainer { get; }

    /// <summary>The network.</summary>
    public Sequential Model => Trainer.Model;

    /// <summary>The configuration: the note's preset with <c>data</c> and <c>epochs</c> as given.</summary>
    public TrainConfig Config => Trainer.Config!;

    /// <summary>
    /// Builds the note's network for <paramref name="data"/> (named by <paramref name="dataSource"/>
    /// in the configuration). For the deep one the generator first goes through what the note's
    /// session did before it: building the shallow network and 15 epochs of shuffling.
    /// </summary>
    public static SeedExperiment Create(bool deep, int epochs, DataSplits data, string dataSource)
    {
        var shallow = TrainConfig.Note with { Data = dataSource, Epochs = epochs };
        if (!deep) return new SeedExperiment(false, Trainer.Create(shallow, data));
        var generator = new TorchGenerator(Seed);
        Mlp.Create(shallow.Layers, shallow.Activation, shallow.Init, generator);
        DataLoaderOrder.Skip(generator, NoteEpochs);
        return new SeedExperiment(true, Trainer.Create(TrainConfig.NoteDeep with { Data = dataSource, Epochs = epochs }, data, generator: generator));
    }

    /// <summary>
    /// A lesson's network (<see cref="CourseLessons.Configs"/>) run the way the note runs its first
    /// cell: a fresh generator seeded with the configuration's seed, and the note's random test digit.
    /// </summary>
    public static SeedExperiment Create(TrainConfig config, DataSplits data) => new(false, Trainer.Create(config, data));

    /// <summary>The last Linear layer's weight, which the note prints after xavier_uniform_.</summary>
    public Parameter LastWeight => Model.Layers.OfType<Linear>().Last().Weight;

    /// <summary>
    /// random.randint(0, testCount - 1) as the note draws it (the deep cell draws its own after
    /// the shallow cell's, from the same Python generator).
    /// </summary>
    public int PickTestIndex(int testCount)
    {
        int r = _python.RandInt(0, testCount - 1);
        if (Deep) r = _python.RandInt(0, testCount - 1);
        return r;
    }
}
