using System.Diagnostics;
using InitLab.Data;
using InitLab.Diagnostics;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Tensors;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Experiments;

/// <summary>What stays fixed across a sweep's runs; the defaults are those of <c>initlab train</c>.</summary>
public sealed record SweepOptions
{
    public int Epochs { get; init; } = 15;
    public int BatchSize { get; init; } = 100;
    /// <summary>adam, adamw or sgd.</summary>
    public string Optimizer { get; init; } = "adam";
    public double LearningRate { get; init; } = 0.001;
    /// <summary>Bias initializer for every run: auto, default (PyTorch's), zeros or constant:val=X (see <see cref="Init.BiasInit"/>).</summary>
    public string Bias { get; init; } = "auto";
    /// <summary>Runs at once.</summary>
    public int Parallel { get; init; } = 1;
    /// <summary>Threads for the whole sweep (0: all cores); each run gets max(1, Threads / Parallel).</summary>
    public int Threads { get; init; }
    /// <summary>Training images forwarded by the per-layer probe (the same batch before and after training).</summary>
    public int ProbeBatch { get; init; } = 256;

    public int ThreadsPerRun => Math.Max(1, (Threads > 0 ? Threads : Environment.ProcessorCount) / Math.Max(1, Parallel));
}

public enum SweepEventKind { Skipped, Started, Batch, Epoch, Finished }

/// <summary>Progress of a sweep: a run was skipped as finished, started, advanced, or finished (with its result).</summary>
public sealed record SweepEvent(SweepRun Run, SweepEventKind Kind, int Epoch, int Epochs, double Fraction, EpochMetrics? Metrics = null, RunResult? Result = null);

/// <summary>What a call to <see cref="Sweep.Run"/> did.</summary>
public sealed record SweepSummary(int Total, int SkippedFinished, int Completed, int Invalid, int Redone);

/// <summary>
/// Runs a grid of trainings, each into its own folder under the output folder. A run is written to
/// a temporary folder and renamed when complete, so a folder with result.json is finished; such
/// runs are skipped, and anything else (a folder without result.json, a temporary folder left
/// by a killed process) is removed and redone.
/// </summary>
public static class Sweep
{
    public const string TempPrefix = ".tmp-";

    public static SweepSummary Run(string outDir, IReadOnlyList<SweepRun> runs, DataSplits splits, SweepOptions options,
        IProgress<SweepEvent>? progress = null, CancellationToken cancel = default)
    {
        if (options.Epochs < 1) throw new ArgumentException($"Epochs must be at least 1, got {options.Epochs}.");
        if (options.BatchSize < 1) throw new ArgumentException($"Batch size must be at least 1, got {options.BatchSize}.");
        if (options.Parallel < 1) throw new ArgumentException($"Parallel must be at least 1, got {options.Parallel}.");
        Directory.CreateDirectory(outDir);
        var pending = new List<SweepRun>();
        int skipped = 0, redone = 0;
        foreach (var run in runs)
        {
            string dir = Path.Combine(outDir, run.Id);
            if (RunFiles.IsFinished(dir))
            {
                skipped++;
                progress?.Report(new SweepEvent(run, SweepEventKind.Skipped, options.Epochs, options.Epochs, 1));
                continue;
            }
            // Shards are disjoint, so temporary folders of this run belong to no other live process.
            bool leftover = Directory.Exists(dir);
            foreach (var tmp in Directory.GetDirectories(outDir, TempPrefix + run.Id + ".*")) { Directory.Delete(tmp, true); leftover = true; }
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            if (leftover) redone++;
            pending.Add(run);
        }
        int completed = 0, invalid = 0;
        System.Threading.Tasks.Parallel.ForEach(pending, new ParallelOptions { MaxDegreeOfParallelism = options.Parallel, CancellationToken = cancel }, run =>
        {
            var result = RunOne(outDir, run, splits, options, progress, cancel);
            if (result.Ok) Interlocked.Increment(ref completed); else Interlocked.Increment(ref invalid);
            progress?.Report(new SweepEvent(run, SweepEventKind.Finished, options.Epochs, options.Epochs, 1, Result: result));
        });
        return new SweepSummary(runs.Count, skipped, completed, invalid, redone);
    }

    /// <summary>Trains one run into a temporary folder and renames it to its id; returns its result.</summary>
    public static RunResult RunOne(string outDir, SweepRun run, DataSplits splits, SweepOptions options, IProgress<SweepEvent>? progress, CancellationToken cancel)
    {
        int threads = options.ThreadsPerRun;
        // Runs in parallel each get their own worker threads; on the shared pool their GEMMs would take turns.
        using var compute = Compute.UseThreads(threads, ownPool: options.Parallel > 1 && threads > 1);
        string tmp = Path.Combine(outDir, $"{TempPrefix}{run.Id}.{Environment.MachineName}.{Environment.ProcessId}");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        var config = new RunConfig(run.Id, run.Init, run.Sizes, run.Activation, run.Seed, options.Epochs, options.BatchSize, options.Optimizer,
            options.LearningRate, options.Bias, threads, Path.GetDirectoryName(splits.Train.Source) ?? splits.Train.Source, run.InitIndex, run.ArchIndex, run.ActivationIndex, run.SeedIndex);
        File.WriteAllText(Path.Combine(tmp, RunFiles.Config), RunFiles.ToJson(config));
        progress?.Report(new SweepEvent(run, SweepEventKind.Started, 0, options.Epochs, 0));
        long started = Stopwatch.GetTimestamp();
        RunResult result;
        try
        {
            result = Train(tmp, run, splits, options, threads, started, progress, cancel);
        }
        catch (Exception e) when (e is FormatException or ArgumentException && !cancel.IsCancellationRequested)
        {
            // An initializer that does not fit the network (dbn without sigmoid, a per-layer list of
            // the wrong length) is a finding of the sweep, not a reason to stop the others.
            result = new RunResult(run.Id, "invalid", e.Message, null, Stopwatch.GetElapsedTime(started).TotalSeconds, threads, DateTime.UtcNow, Machine.Current);
        }
        catch
        {
            Directory.Delete(tmp, true);
            throw;
        }
        File.WriteAllText(Path.Combine(tmp, RunFiles.Result), RunFiles.ToJson(result));
        Directory.Move(tmp, Path.Combine(outDir, run.Id));
        return result;
    }

    private static RunResult Train(string tmp, SweepRun run, DataSplits splits, SweepOptions options, int threads, long started,
        IProgress<SweepEvent>? progress, CancellationToken cancel)
    {
        if (run.Sizes[0] != splits.Train.FeatureCount)
            throw new InvalidDataException($"Architecture {run.Architecture} starts with {run.Sizes[0]} inputs but {splits.Train.Source} has {splits.Train.FeatureCount} pixels per image.");
        var plan = InitPlan.Parse(run.Init, options.Bias);
        var generator = new TorchGenerator(run.Seed);
        var model = Mlp.Create(run.Sizes, run.Activation, plan, generator, new InitContext(splits.Train, splits.Test, null));
        var (x, y) = DataBatch.First(splits.Train, Math.Min(options.ProbeBatch, splits.Train.Count));
        var before = SignalProbe.Run(model, x, y);
        File.WriteAllText(Path.Combine(tmp, RunFiles.LayersInit), RunFiles.LayersCsv(before));

        var optimizer = Optimizers.Create(options.Optimizer, model.Parameters, options.LearningRate);
        var trainer = new Trainer(model, optimizer, generator, new TrainingOptions { Epochs = options.Epochs, BatchSize = options.BatchSize });
        if (trainer.BatchesPerEpoch(splits.Train.Count) == 0)
            throw new InvalidDataException($"{splits.Train.Source}: {splits.Train.Count} images make no full batch of {options.BatchSize}.");
        var metrics = new List<EpochMetrics>();
        for (int e = 1; e <= options.Epochs; e++)
        {
            int epoch = e, lastPercent = -1;
            // Reported in steps of 1% of the run, not every batch: each event allocates and
            // goes through the display's lock.
            var batches = progress is null ? null : new Progress(p =>
            {
                double fraction = (epoch - 1 + (double)p.Batch / p.Batches) / options.Epochs;
                int percent = (int)(100 * fraction);
                if (percent == lastPercent) return;
                lastPercent = percent;
                progress.Report(new SweepEvent(run, SweepEventKind.Batch, epoch, options.Epochs, fraction));
            });
            var r = trainer.RunEpoch(splits.Train, e, batches, cancel);
            double accuracy = Evaluator.Accuracy(model, splits.Test);
            var m = new EpochMetrics(e, r.Cost, accuracy, r.Seconds);
            metrics.Add(m);
            progress?.Report(new SweepEvent(run, SweepEventKind.Epoch, e, options.Epochs, (double)e / options.Epochs, m));
        }
        File.WriteAllText(Path.Combine(tmp, RunFiles.Metrics), RunFiles.MetricsCsv(metrics));
        var after = SignalProbe.Run(model, x, y);
        File.WriteAllText(Path.Combine(tmp, RunFiles.LayersTrained), RunFiles.LayersCsv(after));
        return new RunResult(run.Id, "ok", null, metrics[^1].TestAccuracy, Stopwatch.GetElapsedTime(started).TotalSeconds, threads, DateTime.UtcNow, Machine.Current);
    }

    /// <summary>A synchronous IProgress: batch reports go straight to the sweep's progress.</summary>
    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
