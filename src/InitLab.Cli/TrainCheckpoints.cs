using System.Globalization;
using InitLab.Io;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>
/// `train --checkpoint DIR [--checkpoint-every N] [--resume]`: where the checkpoint lives, the
/// settings written into it, and the check that a resumed run is the run that wrote it.
/// </summary>
internal sealed class TrainCheckpoints
{
    private readonly TrainCommand.Settings _settings;

    private TrainCheckpoints(string path, TrainCommand.Settings settings) => (Path, _settings) = (path, settings);

    /// <summary>DIR/checkpoint.safetensors.</summary>
    public string Path { get; }

    /// <summary>Checks the options; null without --checkpoint. Creates DIR if it does not exist.</summary>
    public static TrainCheckpoints? Prepare(TrainCommand.Settings s)
    {
        if (s.CheckpointEvery < 1) throw new UsageException($"--checkpoint-every must be at least 1, got {s.CheckpointEvery}.");
        if (s.Checkpoint is null)
        {
            if (s.Resume) throw new UsageException("--resume needs --checkpoint DIR, the folder holding the checkpoint to continue from.");
            return null;
        }
        if (s.Resume && s.Load is not null) throw new UsageException("--resume and --load cannot be combined: the checkpoint holds the weights.");
        string path = System.IO.Path.Combine(s.Checkpoint, CheckpointFile.FileName);
        if (s.Resume && !File.Exists(path))
            throw new FileNotFoundException($"--resume: there is no checkpoint to continue from ({path} does not exist).");
        if (!s.Resume) Directory.CreateDirectory(s.Checkpoint);
        return new TrainCheckpoints(path, s);
    }

    /// <summary>The settings a checkpoint records; a resumed run must give the same ones (all but the thread count).</summary>
    public static Dictionary<string, string> Describe(TrainCommand.Settings s) => new()
    {
        ["layers"] = string.Join(",", InitLab.Models.Mlp.ParseSizes(s.Layers)),
        ["activation"] = s.Activation.Trim().ToLowerInvariant(),
        ["init"] = s.Init,
        ["bias"] = s.Bias,
        ["optimizer"] = s.Optimizer.ToLowerInvariant(),
        ["lr"] = s.Lr.ToString("R", CultureInfo.InvariantCulture),
        ["momentum"] = s.Momentum.ToString("R", CultureInfo.InvariantCulture),
        ["nesterov"] = s.Nesterov ? "true" : "false",
        ["weight-decay"] = s.WeightDecay is { } wd ? wd.ToString("R", CultureInfo.InvariantCulture) : "default",
        ["batch-size"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
        ["epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture),
        ["threads"] = s.Threads.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Reads the checkpoint for --resume (null without --resume) and checks that its settings are the command line's.</summary>
    public Checkpoint? LoadForResume()
    {
        if (!_settings.Resume) return null;
        var checkpoint = CheckpointFile.Load(Path);
        var now = Describe(_settings);
        // Threads are recorded but may differ: results are bit-identical whatever the thread count.
        var differences = now.Keys.Union(checkpoint.Settings.Keys).Where(k => k != "threads")
            .Where(k => !(now.TryGetValue(k, out var a) && checkpoint.Settings.TryGetValue(k, out var b) && a == b))
            .Select(k => $"--{k} is {Show(now, k)} but the checkpoint was written with {Show(checkpoint.Settings, k)}")
            .ToList();
        if (differences.Count > 0)
            throw new ArgumentException($"--resume {Path}: the settings differ from the checkpoint's: {string.Join("; ", differences)}.");
        return checkpoint;
    }

    /// <summary>Puts the optimizer's state and the position back; a state that does not fit is an error naming the file.</summary>
    public void Restore(Checkpoint checkpoint, Optimizer optimizer, Trainer trainer)
    {
        try
        {
            optimizer.RestoreState(checkpoint.Optimizer);
            trainer.Restore(checkpoint.Position);
        }
        catch (ArgumentException e)
        {
            throw new SafeTensorsFormatException(Path, e.Message);
        }
    }

    public void Save(Sequential model, Optimizer optimizer, TrainingPosition position, string metricsRows) =>
        CheckpointFile.Save(Path, model, optimizer, position, Describe(_settings), metricsRows);

    /// <summary>
    /// The --metrics rows of the epochs a checkpoint's run finished (one "epoch,cost,seconds,samples_per_second"
    /// line each, epochs 1 .. before the one in progress), checked so that a resumed run's CSV stays well formed.
    /// </summary>
    public string MetricsRows(Checkpoint checkpoint)
    {
        var lines = checkpoint.History.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int finished = checkpoint.Position.EpochsCompleted;
        // A checkpoint written before this record existed has none: the CSV then starts at the resumed epoch.
        if (lines.Length == 0) return "";
        if (lines.Length != finished)
            throw new SafeTensorsFormatException(Path, $"metadata {CheckpointFile.HistoryKey} has {lines.Length} metrics rows for {finished} finished epochs.");
        for (int i = 0; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            bool ok = f.Length == 4 && int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int e) && e == i + 1 &&
                      f.Skip(1).All(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            if (!ok) throw new SafeTensorsFormatException(Path, $"metadata {CheckpointFile.HistoryKey} line {i + 1} '{lines[i]}' is not the metrics row of epoch {i + 1}.");
        }
        return string.Join("\n", lines) + "\n";
    }

    private static string Show(IReadOnlyDictionary<string, string> settings, string key) =>
        settings.TryGetValue(key, out var v) ? $"'{v}'" : "(not recorded)";
}

/// <summary>Turns Ctrl+C (SIGINT) into a cancelled token instead of ending the process; a second Ctrl+C ends it as usual.</summary>
internal sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _cts = new();

    public CtrlC() => Console.CancelKeyPress += OnCancel;

    public CancellationToken Token => _cts.Token;

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (_cts.IsCancellationRequested) return;
        e.Cancel = true;
        _cts.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _cts.Dispose();
    }
}
