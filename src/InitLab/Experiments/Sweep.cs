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

/// <summary>What stays fixed across a sweep's runs, and how the sweep is run.</summary>
public sealed record SweepOptions
{
    /// <summary>
    /// The settings every run shares (data, optimizer, batch size, epochs, the bias rule in
    /// <see cref="TrainConfig.Init"/>); each run replaces the initializer, layers, activation and seed.
    /// </summary>
    public TrainConfig Base { get; init; } = TrainConfig.Note;

    /// <summary>Runs at once.</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>Threads for the whole sweep (0: all cores); each run gets max(1, Threads / Parallel).</summary>
    public int Threads { get; init; }

    /// <summary>Training images forwarded by the per-layer probe (the same batch before and after training).</summary>
    public int ProbeBatch { get; init; } = 256;

    /// <summary>Compute threads of each run.</summary>
    public int ThreadsPerRun => Math.Max(1, (Threads > 0 ? Threads : Environment.ProcessorCount) / Math.Max(1, Parallel));

    /// <summary>The configuration of <paramref name="run"/>: <see cref="Base"/> with the run's initializer, layers, activation and seed.</summary>
    public TrainConfig ConfigOf(SweepRun run) => Base with
    {
        Init = InitPlan.Parse(run.Init, Base.Init.Bias.ToString()),
        Layers = run.Sizes,
        Activation = run.Activation,
        Seed = run.Seed,
    };
}

/// <summary>What a <see cref="SweepEvent"/> reports.</summary>
public enum SweepEventKind
{
    /// <summary>The run's folder already holds a finished run with the same settings; it is not trained again.</summary>
    Skipped,

    /// <summary>The run's configuration is written and training is about to begin.</summary>
    Started,

    /// <summary>Training advanced by at least 1% of the run (reported per percent, not per batch).</summary>
    Batch,

    /// <summary>An epoch finished; the event carries its metrics.</summary>
    Epoch,

    /// <summary>The run ended, "ok" or "invalid"; the event carries its result.</summary>
    Finished,
}

/// <summary>Progress of a sweep: a run was skipped as finished, started, advanced, or finished (with its result).</summary>
public sealed record SweepEvent(SweepRun Run, SweepEventKind Kind, int Epoch, int Epochs, double Fraction, EpochReport? Metrics = null, RunResult? Result = null);

/// <summary>What a call to <see cref="Sweep.Run"/> did.</summary>
public sealed record SweepSummary(int Total, int SkippedFinished, int Completed, int Invalid, int Redone);

/// <summary>
/// Runs a grid of trainings, each into its own folder under the output folder. A run is written to
/// a temporary folder and renamed when complete, so a folder with result.json is finished; such
/// runs are skipped — unless they were trained with another configuration, which is an error
/// (their results would be reported as this sweep's) — and anything else (a folder without
/// result.json, a temporary folder left by a killed process) is removed and redone.
/// </summary>
public static class Sweep
{
    /// <summary>Prefix of the temporary folder a run is trained in before it is renamed to its id.</summary>
    internal const string TempPrefix = ".tmp-";

    /// <summary>
    /// Trains every run of <paramref name="runs"/> not yet finished under <paramref name="outDir"/>,
    /// <see cref="SweepOptions.Parallel"/> at a time, on <paramref name="splits"/>. A run whose
    /// configuration is bad input (dbn with relu, a per-layer list of the wrong length) is recorded
    /// as "invalid" with the reason; any other exception stops the sweep.
    /// </summary>
    /// <param name="outDir">The output folder: one subfolder per run id; created if missing.</param>
    /// <param name="runs">The runs of this sweep (or of this shard of it).</param>
    /// <param name="splits">The training and test data every run uses.</param>
    /// <param name="options">The shared settings and the parallelism.</param>
    /// <param name="progress">Receives a <see cref="SweepEvent"/> per skip, start, percent, epoch and finish; called from worker threads.</param>
    /// <param name="cancel">Stops the sweep; runs in progress are removed, finished ones kept.</param>
    public static SweepSummary Run(string outDir, IReadOnlyList<SweepRun> runs, DataSplits splits, SweepOptions options,
        IProgress<SweepEvent>? progress = null, CancellationToken cancel = default)
    {
        options.Base.Validate();
        if (options.Parallel < 1) throw new ArgumentException($"Parallel must be at least 1, got {options.Parallel}.");
        int epochs = options.Base.Epochs;
        CheckFinishedRunsMatch(outDir, runs, options);
        Directory.CreateDirectory(outDir);
        var pending = new List<SweepRun>();
        int skipped = 0, redone = 0;
        foreach (var run in runs)
        {
            string dir = Path.Combine(outDir, run.Id);
            if (RunFiles.IsFinished(dir))
            {
                skipped++;
                progress?.Report(new SweepEvent(run, SweepEventKind.Skipped, epochs, epochs, 1));
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
        // NoBuffering hands out the runs one at a time in list order (a list alone is split into
        // ranges, one per worker), so runs start in the order the caller gave them.
        System.Threading.Tasks.Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(pending, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering), new ParallelOptions { MaxDegreeOfParallelism = options.Parallel, CancellationToken = cancel }, run =>
        {
            var result = RunOne(outDir, run, splits, options, progress, cancel);
            if (result.Ok) Interlocked.Increment(ref completed); else Interlocked.Increment(ref invalid);
            progress?.Report(new SweepEvent(run, SweepEventKind.Finished, epochs, epochs, 1, Result: result));
        });
        return new SweepSummary(runs.Count, skipped, completed, invalid, redone);
    }

    /// <summary>
    /// Refuses, before anything is trained or removed, an output folder whose finished runs were
    /// trained with other settings than <paramref name="options"/> give them: the
    /// <see cref="UserInputException"/> names the differing settings (this sweep's value first)
    /// and how many runs differ. <see cref="Run"/> calls it first; a front end may call it before
    /// it loads the data.
    /// </summary>
    public static void CheckFinishedRunsMatch(string outDir, IReadOnlyList<SweepRun> runs, SweepOptions options)
    {
        var differing = new List<(SweepRun Run, IReadOnlyList<string> Differences)>();
        foreach (var run in runs)
        {
            string dir = Path.Combine(outDir, run.Id);
            if (!RunFiles.IsFinished(dir)) continue;
            var recorded = RunFiles.ReadConfig(Path.Combine(dir, RunFiles.Config)).Train;
            var differences = options.ConfigOf(run).Differences(recorded);
            if (differences.Count > 0) differing.Add((run, differences));
        }
        if (differing.Count == 0) return;
        var settings = differing.SelectMany(d => d.Differences).Distinct().Take(6);
        throw new UserInputException($"{outDir} already holds {differing.Count} finished run(s) trained with other settings (this sweep vs the folder's: " +
            $"{string.Join("; ", settings)}), e.g. {differing[0].Run.Id}. Use another --out, or remove those run folders to train them again.");
    }

    /// <summary>Trains one run into a temporary folder and renames it to its id; returns its result.</summary>
    internal static RunResult RunOne(string outDir, SweepRun run, DataSplits splits, SweepOptions options, IProgress<SweepEvent>? progress, CancellationToken cancel)
    {
        int threads = options.ThreadsPerRun;
        // Runs in parallel each get their own worker threads; on the shared pool their GEMMs would take turns.
        using var compute = Compute.UseThreads(threads, ownPool: options.Parallel > 1 && threads > 1);
        string tmp = Path.Combine(outDir, $"{TempPrefix}{run.Id}.{Environment.MachineName}.{Environment.ProcessId}");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        var config = new RunConfig(run.Id, run.Init, options.ConfigOf(run), run.InitIndex, run.ArchIndex, run.ActivationIndex, run.SeedIndex);
        File.WriteAllText(Path.Combine(tmp, RunFiles.Config), RunFiles.ToJson(config));
        progress?.Report(new SweepEvent(run, SweepEventKind.Started, 0, config.Train.Epochs, 0));
        long started = Stopwatch.GetTimestamp();
        RunResult result;
        try
        {
            result = Train(tmp, run, config.Train, splits, options, threads, started, progress, cancel);
        }
        catch (Exception e) when (e is UserInputException or FormatException && !cancel.IsCancellationRequested)
        {
            // An initializer that does not fit the network (dbn without sigmoid, a per-layer list of
            // the wrong length) is a finding of the sweep, not a reason to stop the others. Anything
            // else (an ArgumentException or InvalidOperationException from inside the library) is a
            // bug: it ends the sweep with its stack trace instead of being recorded as an invalid run.
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

    private static RunResult Train(string tmp, SweepRun run, TrainConfig config, DataSplits splits, SweepOptions options, int threads, long started,
        IProgress<SweepEvent>? progress, CancellationToken cancel)
    {
        var trainer = Trainer.Create(config, splits);
        var (x, y) = DataBatch.First(splits.Train, Math.Min(options.ProbeBatch, splits.Train.Count));
        var before = SignalProbe.Run(trainer.Model, x, y);
        File.WriteAllText(Path.Combine(tmp, RunFiles.LayersInit), RunFiles.LayersCsv(before));

        int epochs = config.Epochs, lastPercent = -1;
        // Reported in steps of 1% of the run, not every batch: each event allocates and goes
        // through the display's lock.
        var batches = progress is null ? null : new InlineProgress<TrainingProgress>(p =>
        {
            double fraction = (p.Epoch - 1 + (double)p.Batch / p.Batches) / epochs;
            int percent = (int)(100 * fraction);
            if (percent == lastPercent) return;
            lastPercent = percent;
            progress.Report(new SweepEvent(run, SweepEventKind.Batch, p.Epoch, epochs, fraction));
        });
        var epochDone = progress is null ? null : new InlineProgress<EpochReport>(m =>
            progress.Report(new SweepEvent(run, SweepEventKind.Epoch, m.Epoch, epochs, (double)m.Epoch / epochs, m)));
        var history = trainer.Fit(epochDone, cancel, new FitOptions { MetricsPath = Path.Combine(tmp, RunFiles.Metrics), BatchProgress = batches });
        var after = SignalProbe.Run(trainer.Model, x, y);
        File.WriteAllText(Path.Combine(tmp, RunFiles.LayersTrained), RunFiles.LayersCsv(after));
        return new RunResult(run.Id, "ok", null, history[^1].TestAccuracy, Stopwatch.GetElapsedTime(started).TotalSeconds, threads, DateTime.UtcNow, Machine.Current);
    }
}
