using System.Globalization;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Io;

/// <summary>
/// A checkpoint read back: the network, the optimizer's state, where training stood, the run's
/// configuration (null in files written without one) and the finished epochs' reports.
/// </summary>
/// <param name="Model">The network with the checkpoint's weights.</param>
/// <param name="Optimizer">The optimizer's step and buffers.</param>
/// <param name="Position">Where training stood: epoch, batches done, cost so far, generator state.</param>
/// <param name="Config">The run's configuration, or null in files written without one.</param>
/// <param name="History">The finished epochs' reports, epochs 1, 2, ... in order.</param>
public sealed record Checkpoint(LoadedModel Model, OptimizerState Optimizer, TrainingPosition Position, TrainConfig? Config,
    IReadOnlyList<EpochReport> History);

/// <summary>
/// A training checkpoint as one safetensors file: the model's tensors under PyTorch's names (so
/// the file also loads as a model), the optimizer's buffers as "optim.0.exp_avg", ..., the
/// generator's state words at the start of the epoch in progress as the U32 tensor
/// "generator.state", and in the metadata the epoch, batch, cost so far, optimizer step and the
/// run's configuration in its canonical JSON form ("initlab.config"), and the finished epochs'
/// reports as <see cref="MetricsCsv"/> rows ("initlab.history"). Written atomically: a crash at
/// any moment leaves the previous checkpoint whole.
/// </summary>
public static class CheckpointFile
{
    /// <summary>The file's name inside a checkpoint folder.</summary>
    public const string FileName = "checkpoint.safetensors";

    /// <summary>Metadata key whose value "checkpoint" tells a checkpoint from a model file.</summary>
    public const string KindKey = "initlab.kind";

    /// <summary>Metadata key: the epoch in progress or next to start (1-based, decimal).</summary>
    public const string EpochKey = "initlab.epoch";

    /// <summary>Metadata key: batches of that epoch already trained (0 at an epoch boundary).</summary>
    public const string BatchKey = "initlab.batch";

    /// <summary>Metadata key: the float32 sum of the epoch's batch costs so far, round-trip formatted.</summary>
    public const string CostKey = "initlab.cost";

    /// <summary>Metadata key: the optimizer's step count (Adam's t; SGD's 0/1 started flag).</summary>
    public const string StepKey = "initlab.optim.step";

    /// <summary>Metadata key: epochs completed (epoch - 1), for readers that want the finished count directly.</summary>
    public const string EpochsCompletedKey = "initlab.epochs_completed";

    /// <summary>Metadata key: the run's configuration in its canonical JSON form; resuming requires it.</summary>
    public const string ConfigKey = "initlab.config";

    /// <summary>Metadata key: the finished epochs' reports as metrics.csv rows.</summary>
    public const string HistoryKey = "initlab.history";

    /// <summary>Name of the U32 tensor holding the generator's state words at the start of the epoch in progress.</summary>
    public const string GeneratorTensor = "generator.state";

    /// <summary>Prefix of the optimizer buffers' tensor names ("optim.0.exp_avg").</summary>
    public const string OptimizerPrefix = "optim.";

    /// <summary>Writes a checkpoint to <paramref name="path"/> atomically (temporary file, flush to disk, rename), with the SHA-256 of its tensor data.</summary>
    public static void Save(string path, Sequential model, Optimizer optimizer, TrainingPosition position, TrainConfig? config = null,
        IReadOnlyList<EpochReport>? history = null)
    {
        var (tensors, metadata) = ModelFile.ToTensors(model);
        var state = optimizer.CaptureState();
        foreach (var (name, values) in state.Buffers) tensors.Add(new NamedTensor(OptimizerPrefix + name, [values.Length], values));
        metadata[KindKey] = "checkpoint";
        metadata[EpochKey] = Text(position.Epoch);
        metadata[BatchKey] = Text(position.Batch);
        metadata[EpochsCompletedKey] = Text(position.EpochsCompleted);
        metadata[CostKey] = position.Cost.ToString("R", CultureInfo.InvariantCulture);
        metadata[StepKey] = Text(state.Step);
        if (config is not null) metadata[ConfigKey] = config.ToJson();
        if (history is { Count: > 0 }) metadata[HistoryKey] = MetricsCsv.Write(history);
        var generator = new NamedU32Tensor(GeneratorTensor, [position.EpochStartGenerator.Length], position.EpochStartGenerator);
        SafeTensors.AddChecksum(metadata, tensors, [generator]);
        SafeTensors.Write(path, tensors, metadata, [generator]);
    }

    /// <summary>Reads a checkpoint; every problem is a <see cref="SafeTensorsFormatException"/> naming the file.</summary>
    public static Checkpoint Load(string path) => FromContent(path, SafeTensors.Read(path));

    /// <summary>As <see cref="Load(string)"/>, from a seekable stream; <paramref name="name"/> names it in errors.</summary>
    public static Checkpoint Load(Stream stream, string name) => FromContent(name, SafeTensors.Read(stream, name));

    private static Checkpoint FromContent(string path, SafeTensorsContent content)
    {
        var meta = content.Metadata;
        if (!meta.TryGetValue(KindKey, out string? kind) || kind != "checkpoint")
            throw new SafeTensorsFormatException(path, $"is not an InitLab checkpoint (no {KindKey}=checkpoint metadata; a model file?).");
        int epoch = (int)Number(path, meta, EpochKey, 1, int.MaxValue);
        int batch = (int)Number(path, meta, BatchKey, 0, int.MaxValue);
        long step = Number(path, meta, StepKey, 0, long.MaxValue);
        if (!meta.TryGetValue(CostKey, out string? costText) || !float.TryParse(costText, NumberStyles.Float, CultureInfo.InvariantCulture, out float cost)
            || !float.IsFinite(cost) || cost < 0)
            throw new SafeTensorsFormatException(path, $"metadata {CostKey} is missing or not a finite, non-negative number.");
        if (meta.TryGetValue(EpochsCompletedKey, out string? completed) && completed != Text(epoch - 1L))
            throw new SafeTensorsFormatException(path, $"metadata {EpochsCompletedKey} '{completed}' disagrees with {EpochKey} {epoch}.");

        var words = content.U32Tensors.FirstOrDefault(t => t.Name == GeneratorTensor)
            ?? throw new SafeTensorsFormatException(path, $"has no U32 tensor '{GeneratorTensor}' (the generator's state).");
        if (content.U32Tensors.FirstOrDefault(t => t.Name != GeneratorTensor) is { } stray)
            throw new SafeTensorsFormatException(path, $"tensor '{stray.Name}' does not belong in a checkpoint.");
        try
        {
            new TorchGenerator().SetState(words.Data);
        }
        catch (ArgumentException e)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{GeneratorTensor}': {e.Message}");
        }

        var optimizerTensors = content.Tensors.Where(t => t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToArray();
        // NaN in Adam's buffers would make every later step NaN: refused as non-finite weights are.
        foreach (var t in optimizerTensors) ModelFile.CheckFinite(path, t);
        var buffers = optimizerTensors.ToDictionary(t => t.Name[OptimizerPrefix.Length..], t => t.Data);
        var model = ModelFile.FromContent(path, ModelPart(content));
        TrainConfig? config = null;
        if (meta.TryGetValue(ConfigKey, out string? json))
        {
            try
            {
                config = TrainConfig.FromJson(json, $"{path}: metadata {ConfigKey}");
            }
            catch (UserInputException e)
            {
                throw new SafeTensorsFormatException(path, e.Message);
            }
        }
        return new Checkpoint(model, new OptimizerState(step, buffers), new TrainingPosition(epoch, batch, cost, words.Data), config,
            ReadHistory(path, meta, epoch - 1, config?.Epochs ?? epoch - 1));
    }

    /// <summary>The finished epochs' rows: exactly <paramref name="finished"/> of them, epochs 1, 2, ... (none in files written without a history).</summary>
    private static IReadOnlyList<EpochReport> ReadHistory(string path, IReadOnlyDictionary<string, string> meta, int finished, int epochs)
    {
        if (!meta.TryGetValue(HistoryKey, out string? text)) return [];
        IReadOnlyList<EpochReport> rows;
        try
        {
            rows = MetricsCsv.Parse(text, $"metadata {HistoryKey}", epochs);
        }
        catch (InvalidDataException e)
        {
            throw new SafeTensorsFormatException(path, e.Message);
        }
        if (rows.Count != finished)
            throw new SafeTensorsFormatException(path, $"metadata {HistoryKey} has {rows.Count} epoch rows for {finished} finished epochs.");
        return rows;
    }

    /// <summary>The model's tensors of a checkpoint (without optimizer buffers and generator words); other content as it is.</summary>
    public static SafeTensorsContent ModelPart(SafeTensorsContent content) =>
        content.Metadata.TryGetValue(KindKey, out string? kind) && kind == "checkpoint"
            ? new SafeTensorsContent(content.Tensors.Where(t => !t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToArray(), content.Metadata)
            : content;

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long Number(string path, IReadOnlyDictionary<string, string> meta, string key, long min, long max)
    {
        if (!meta.TryGetValue(key, out string? text)) throw new SafeTensorsFormatException(path, $"metadata {key} is missing.");
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
            throw new SafeTensorsFormatException(path, $"metadata {key} '{text}' is not an integer in {min}..{max}.");
        return v;
    }
}
