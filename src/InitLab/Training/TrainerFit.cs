using InitLab.Tensors;
using InitLab.Data;
using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Rbm;

namespace InitLab.Training;

/// <summary>What <see cref="Trainer.Fit(IProgress{EpochReport}?, CancellationToken, FitOptions?)"/> does besides training.</summary>
public sealed record FitOptions
{
    /// <summary>Write a checkpoint to this file (see <see cref="CheckpointFile"/>) every <see cref="CheckpointEvery"/> epochs, after the last one, and when cancelled.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Epochs between checkpoints (at least 1).</summary>
    public int CheckpointEvery { get; init; } = 1;

    /// <summary>
    /// Write the per-epoch CSV (<see cref="MetricsCsv"/>) to this file: the epochs already in
    /// the history when Fit starts, then one row appended as each epoch finishes (so <c>tail -f</c> follows it).
    /// </summary>
    public string? MetricsPath { get; init; }

    /// <summary>Measure the test accuracy after every epoch (else <see cref="EpochReport.TestAccuracy"/> is NaN).</summary>
    public bool EvaluateEachEpoch { get; init; } = true;

    /// <summary>Progress inside each epoch, after every batch.</summary>
    public IProgress<TrainingProgress>? BatchProgress { get; init; }
}

public sealed partial class Trainer
{
    private readonly List<EpochReport> _history = [];

    /// <summary>The configuration this trainer was created from (null when built from parts with the constructor).</summary>
    public TrainConfig? Config { get; private set; }

    /// <summary>The data <see cref="Fit(IProgress{EpochReport}?, CancellationToken, FitOptions?)"/> trains and tests on (null when built from parts).</summary>
    public DataSplits? Data { get; private set; }

    /// <summary>Every finished epoch, in order: those of a resumed checkpoint first.</summary>
    public IReadOnlyList<EpochReport> History => _history;

    /// <summary>
    /// Builds the network, initializes it as <paramref name="config"/> says (data-driven
    /// initializers look at <paramref name="data"/>'s training split; DBN pretraining reports to
    /// <paramref name="pretrainProgress"/>), and the optimizer. The generator is seeded with
    /// <see cref="TrainConfig.Seed"/>, unless <paramref name="generator"/> continues one (the
    /// note's deep network draws where its shallow one left off). A cancelled <paramref name="cancel"/>
    /// stops DBN pretraining between mini-batches with an <see cref="OperationCanceledException"/>.
    /// </summary>
    public static Trainer Create(TrainConfig config, DataSplits data, IProgress<RbmEpochReport>? pretrainProgress = null, TorchGenerator? generator = null,
        CancellationToken cancel = default)
    {
        CheckFits(config.Validate(), data);
        generator ??= new TorchGenerator(config.Seed);
        var model = Mlp.Create(config.Layers, config.Activation, config.Init, generator, config.Network, new InitContext(data.Train, data.Test, pretrainProgress, cancel));
        return Build(config, data, model, generator);
    }

    /// <summary>
    /// A trainer for <paramref name="config"/> that starts from <paramref name="model"/>'s weights
    /// (e.g. loaded with <see cref="ModelFile.Load"/>) instead of initializing new ones; the
    /// optimizer starts fresh. The model's layer sizes must be the configuration's.
    /// </summary>
    public static Trainer FromModel(TrainConfig config, DataSplits data, Sequential model)
    {
        CheckFits(config.Validate(), data);
        var (sizes, _, options) = ModelFile.DescribeArchitecture(model);
        if (!sizes.SequenceEqual(config.Layers))
            throw new UserInputException($"the model's layers are {string.Join("-", sizes)} but the configuration's are {config.Architecture}.");
        if (options with { ResidualGain = false, ZeroGamma = false } != config.Network with { ResidualGain = false, ZeroGamma = false })
            throw new UserInputException($"the model has dropout {options.Dropout}, norm {MlpOptions.NameOf(options.Norm)}, {options.Residual} residual blocks; the configuration has dropout {config.Dropout}, norm {MlpOptions.NameOf(config.Norm)}, {config.Residual}.");
        return Build(config, data, model, new TorchGenerator(config.Seed));
    }

    /// <summary>
    /// Continues the run that wrote the checkpoint at <paramref name="checkpointPath"/> exactly:
    /// its weights, optimizer state, batch order and history. <paramref name="config"/> must equal
    /// the checkpoint's configuration (canonically: an alias of the same initializer is the same);
    /// otherwise a <see cref="UserInputException"/> names every differing setting.
    /// </summary>
    public static Trainer Resume(string checkpointPath, TrainConfig config, DataSplits data)
    {
        CheckFits(config.Validate(), data);
        var checkpoint = CheckpointFile.Load(checkpointPath);
        if (checkpoint.Config is null)
            throw new UserInputException($"{checkpointPath}: the checkpoint records no configuration ({CheckpointFile.ConfigKey}); it was written by an older InitLab and cannot be resumed.");
        var differences = config.Differences(checkpoint.Config);
        if (differences.Count > 0)
            throw new UserInputException($"{checkpointPath}: the settings differ from the checkpoint's (given vs recorded): {string.Join("; ", differences)}.");
        var trainer = Build(config, data, checkpoint.Model.Model, new TorchGenerator(config.Seed));
        try
        {
            trainer._optimizer.RestoreState(checkpoint.Optimizer);
            trainer.Restore(checkpoint.Position);
        }
        catch (ArgumentException e)
        {
            throw new SafeTensorsFormatException(checkpointPath, e.Message);
        }
        if (checkpoint.Position.Batch > trainer.BatchesPerEpoch(data.Train.Count))
            throw new SafeTensorsFormatException(checkpointPath, $"stopped after batch {checkpoint.Position.Batch}, but an epoch of {data.Train.Source} has {trainer.BatchesPerEpoch(data.Train.Count)} batches.");
        if (checkpoint.Position.Epoch > config.Epochs + 1 || (checkpoint.Position.Epoch == config.Epochs + 1 && checkpoint.Position.Batch > 0))
            throw new SafeTensorsFormatException(checkpointPath, $"is at epoch {checkpoint.Position.Epoch}, past the run's {config.Epochs} epochs.");
        CheckStep(checkpointPath, checkpoint, trainer);
        trainer._history.AddRange(checkpoint.History);
        return trainer;
    }

    /// <summary>
    /// The optimizer's step counter must be what the position implies: Adam steps once per batch,
    /// so t equals the batches done; SGD records only whether it has started. A larger t (2^63-1)
    /// would resume with bias corrections of a run that never happened.
    /// </summary>
    private static void CheckStep(string path, Checkpoint checkpoint, Trainer trainer)
    {
        var position = checkpoint.Position;
        long done = (long)(position.Epoch - 1) * trainer.BatchesPerEpoch(trainer.Data!.Train.Count) + position.Batch;
        long expected = trainer._optimizer is Optim.Sgd ? Math.Min(done, 1) : done;
        if (checkpoint.Optimizer.Step != expected)
            throw new SafeTensorsFormatException(path, $"metadata {CheckpointFile.StepKey} is {checkpoint.Optimizer.Step}, but {done} batches done (epoch {position.Epoch}, batch {position.Batch}) make it {expected}.");
    }

    private static Trainer Build(TrainConfig config, DataSplits data, Sequential model, TorchGenerator generator)
    {
        // Dropout draws from the run's generator, as PyTorch's from the global one: a model read
        // from a checkpoint then draws the masks the interrupted run would have drawn.
        foreach (var d in model.Flatten().OfType<Dropout>()) d.Generator = generator;
        var optimizer = config.Optimizer.Create(model.Parameters);
        var trainer = new Trainer(model, optimizer, generator, new TrainingOptions { BatchSize = config.BatchSize }) { Config = config, Data = data };
        if (trainer.BatchesPerEpoch(data.Train.Count) == 0)
            throw new UserInputException($"{data.Train.Source}: {data.Train.Count} images make no full batch of {config.BatchSize}.");
        return trainer;
    }

    /// <summary>
    /// Refuses, before anything is built or trained, a configuration that cannot train on
    /// <paramref name="data"/>: layers whose input is not the images' pixel count or whose output
    /// has fewer units than the classes, or a batch size that makes no batch. Throws
    /// <see cref="UserInputException"/> naming the data file; <see cref="Create"/> checks the same.
    /// </summary>
    public static void CheckData(TrainConfig config, DataSplits data)
    {
        CheckFits(config, data);
        var options = new TrainingOptions { BatchSize = config.BatchSize };
        int batches = options.DropLast ? data.Train.Count / options.BatchSize : (data.Train.Count > 0 ? 1 : 0);
        if (batches == 0)
            throw new UserInputException($"{data.Train.Source}: {data.Train.Count} images make no full batch of {config.BatchSize}.");
    }

    private static void CheckFits(TrainConfig config, DataSplits data)
    {
        if (config.Layers[0] != data.Train.FeatureCount)
            throw new UserInputException($"layers start with {config.Layers[0]} inputs but {data.Train.Source} has {data.Train.FeatureCount} pixels per image.");
        if (config.Layers[^1] < data.Train.Classes)
            throw new UserInputException($"layers end with {config.Layers[^1]} outputs but the data has {data.Train.Classes} classes.");
    }

    /// <summary>Trains the configuration's epochs on its data (a trainer from <see cref="Create"/> or <see cref="Resume"/>).</summary>
    /// <inheritdoc cref="Fit(DataSplits, int, IProgress{EpochReport}?, CancellationToken, FitOptions?)"/>
    public IReadOnlyList<EpochReport> Fit(IProgress<EpochReport>? progress = null, CancellationToken cancel = default, FitOptions? options = null)
    {
        if (Config is null || Data is null) throw new InvalidOperationException("This trainer was built from parts; call Fit(data, epochs, ...).");
        return Fit(Data, Config.Epochs, progress, cancel, options);
    }

    /// <summary>
    /// Trains from where the trainer stands (epoch 1, or a resumed checkpoint's place) to the end
    /// of epoch <paramref name="epochs"/>, on <paramref name="data"/>'s training split, measuring
    /// the test accuracy after each epoch. Each finished epoch is added to <see cref="History"/>,
    /// reported to <paramref name="progress"/>, appended to the metrics file and checkpointed as
    /// <paramref name="options"/> say. A cancelled token stops between batches: the checkpoint (if
    /// any) is written at that batch, so a resume continues exactly, and
    /// <see cref="OperationCanceledException"/> is thrown. Returns <see cref="History"/>.
    /// </summary>
    public IReadOnlyList<EpochReport> Fit(DataSplits data, int epochs, IProgress<EpochReport>? progress = null, CancellationToken cancel = default,
        FitOptions? options = null)
    {
        options ??= new FitOptions();
        if (options.CheckpointEvery < 1) throw new UserInputException($"checkpoint every: must be at least 1 epoch, got {options.CheckpointEvery}.");
        if (options.MetricsPath is { } m) AtomicFile.WriteAllText(m, MetricsCsv.Write(_history));
        try
        {
            for (int e = Position.Epoch; e <= epochs; e++)
            {
                var r = RunEpoch(data.Train, e, options.BatchProgress, cancel);
                long tEval = Profile.Now();
                double accuracy = options.EvaluateEachEpoch ? EvaluateTest(data.Test) : double.NaN;
                Profile.Add(Profile.Evaluate, tEval);
                var report = new EpochReport(e, epochs, r.Cost, accuracy, r.Seconds, r.SamplesPerSecond);
                _history.Add(report);
                if (options.MetricsPath is { } path) AppendLine(path, MetricsCsv.Row(report));
                if (options.CheckpointPath is { } cp && (e % options.CheckpointEvery == 0 || e == epochs)) SaveCheckpoint(cp);
                progress?.Report(report);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (options.CheckpointPath is { } cp) SaveCheckpoint(cp);
            throw;
        }
        return _history;
    }

    /// <summary>Writes a checkpoint of where training stands now (atomically) to <paramref name="path"/>.</summary>
    public void SaveCheckpoint(string path) => CheckpointFile.Save(path, _model, _optimizer, Position, Config, _history);

    private static void AppendLine(string path, string line)
    {
        using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using var w = new StreamWriter(f);
        w.Write(line);
        w.Write('\n');
        w.Flush();
        f.Flush(flushToDisk: false);
    }
}
