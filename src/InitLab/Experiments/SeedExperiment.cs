using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Experiments;

/// <summary>
/// The study note's experiment: MNIST, 784-256-256-10 ReLU (or 784-512-512-512-512-10), xavier_uniform_
/// weights, Adam lr 0.001, batch 100, 15 epochs, torch.manual_seed(777) and random.seed(777).
/// The generators are driven exactly as the note's Python program drives them, so the initial
/// weights, the batch order and the "random test digit" are the ones PyTorch would produce.
/// </summary>
public sealed class SeedExperiment
{
    public const ulong Seed = 777;
    public const int NoteEpochs = 15;
    public static readonly int[] ShallowSizes = [784, 256, 256, 10];
    public static readonly int[] DeepSizes = [784, 512, 512, 512, 512, 10];

    private readonly PythonRandom _python = new(Seed);

    private SeedExperiment(bool deep, Sequential model, TorchGenerator generator, Trainer trainer, Adam optimizer)
        => (Deep, Model, Generator, Trainer, Optimizer) = (deep, model, generator, trainer, optimizer);

    public bool Deep { get; }
    public Sequential Model { get; }
    public TorchGenerator Generator { get; }
    public Trainer Trainer { get; }
    public Adam Optimizer { get; }

    /// <summary>
    /// Builds the note's network. For the deep one the generator first goes through what the
    /// note's session did before it: building the shallow network and 15 epochs of shuffling.
    /// </summary>
    public static SeedExperiment Create(bool deep, int epochs)
    {
        var generator = new TorchGenerator(Seed);
        var init = InitSpec.Parse("xavier-uniform");
        var model = Mlp.Create(ShallowSizes, "relu", init, generator);
        if (deep)
        {
            DataLoaderOrder.Skip(generator, NoteEpochs);
            model = Mlp.Create(DeepSizes, "relu", init, generator);
        }
        var optimizer = new Adam(model.Parameters, learningRate: 0.001);
        var trainer = new Trainer(model, optimizer, generator, new TrainingOptions { Epochs = epochs, BatchSize = 100 });
        return new SeedExperiment(deep, model, generator, trainer, optimizer);
    }

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
