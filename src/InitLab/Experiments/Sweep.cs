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

    /// <summary>
    /// The whole grid this sweep (or shard) belongs to, recorded in each run's config.json so a
    /// report can name the grid's missing runs; null records none.
    /// </summary>
    public SweepGridSpec? Grid { get; init; }

    /// <summary>
    /// When above 0, each run also writes its training log (<see cref="RunFiles.Log"/>) into its
    /// folder, with per-layer histograms every this many steps (and after each epoch) on the
    /// <see cref="ProbeBatch"/> images; 0 (the default) writes none. How a run is watched, not what
    /// it trains: it is no part of <see cref="ConfigOf"/>, so a finished run matches this sweep
    /// whether or not either logged.
    /// </summary>
    public int LogEvery { get; init; }

    /// <summary>Compute threads of each run.</summary>
    public int ThreadsPerRun => Math.Max(1, (Threads > 0 ? Threads : Environment.ProcessorCount) / Math.Max(1, Parallel));

    /// <summary>
    /// The configuration of <paramref name="run"/>: <see cref="Base"/> with the run's initializer,
    /// layers, activation and seed, and its normalization and dropout where the grid gives them.
    /// </summary>
    public TrainConfig ConfigOf(SweepRun run) => Base with
    {
        Init = InitPlan.Parse(run.Init, Base.Init.Bias.ToString()),
        Layers = run.Sizes,
        Activation = run.Activation,
        Seed = run.Seed,
        Norm = run.Norm ?? Base.Norm,
        Dropout = run.Dropout ?? Base.Dropout,
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
/// <param name="Run">The run the event is about.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Epoch">The epoch in progress or just finished (1-based; 0 before the first).</param>
/// <param name="Epochs">The run's epochs.</param>
/// <param name="Fraction">How much of the run is done, in [0, 1].</param>
/// <param name="Metrics">The finished epoch's report (Epoch events only).</param>
/// <param name="Result">The run's result (Finished events only).</param>
public sealed record SweepEvent(SweepRun Run, SweepEventKind Kind, int Epoch, int Epochs, double Fraction, EpochReport? Metrics = null, RunResult? Result = null);

/// <summary>What a call to <see cref="Sweep.Run"/> did.</summary>
/// <param name="Total">Runs given to this call.</param>
/// <param name="SkippedFinished">Runs already finished when the sweep looked at them first.</param>
/// <param name="Completed">Runs this process trained to the end.</param>
/// <param name="Invalid">Runs this process recorded as invalid (bad input for that combination).</param>
/// <param name="Redone">Runs whose unfinished folder (of a killed or dead process) was removed and trained again.</param>
/// <param name="FinishedElsewhere">Runs another process on the same folder trained while this one waited or worked.</param>
/// <param name="Discarded">Runs this process trained but another finished first (after taking over a claim it judged dead); its result was kept and ours discarded.</param>
public sealed record SweepSummary(int Total, int SkippedFinished, int Completed, int Invalid, int Redone, int FinishedElsewhere = 0, int Discarded = 0);

/// <summary>
/// Runs a grid of trainings, each into its own folder under the output folder. A run is written to
/// a temporary folder and renamed when complete, so a folder with result.json is finished; such
/// runs are skipped — unless they were trained with another configuration, which is an error
/// (their results would be reported as this sweep's) — and anything else (a folder without
/// result.json, a temporary folder left by a killed process) is removed and redone.
/// Several processes may work on one output folder at once (on one machine, or on several
/// sharing a file system): each run is claimed first (<see cref="RunClaim"/>), a run claimed by a
/// live process is left to it and waited for, and only the leftovers of dead processes are removed.
/// </summary>
public static class Sweep
{
    /// <summary>Prefix of the temporary folder a run is trained in before it is renamed to its id.</summary>
    internal const string TempPrefix = ".tmp-";

    /// <summary>How often a sweep looks again at runs that another live process is training.</summary>
    internal static TimeSpan WaitPoll { get; set; } = TimeSpan.FromSeconds(1);

    private sealed class Counts
    {
        public int Skipped, Completed, Invalid, Redone, Elsewhere, Discarded;
    }

    /// <summary>
    /// Trains every run of <paramref name="runs"/> not yet finished under <paramref name="outDir"/>,
    /// <see cref="SweepOptions.Parallel"/> at a time, on <paramref name="splits"/>. A run whose
    /// configuration is bad input (dbn with relu, a per-layer list of the wrong length) is recorded
    /// as "invalid" with the reason; a setting no run can train with (layers that do not fit the
    /// data, a batch larger than it) is refused before any run starts. Runs that another live
    /// process has claimed are left to it; the call returns when every run is finished by someone.
    /// </summary>
    /// <param name="outDir">The output folder: one subfolder per run id; created if missing.</param>
    /// <param name="runs">The runs of this sweep (or of this shard of it).</param>
    /// <param name="splits">The training and test data every run uses.</param>
    /// <param name="options">The shared settings and the parallelism.</param>
    /// <param name="progress">Receives a <see cref="SweepEvent"/> per skip, start, percent, epoch and finish; called from worker threads.</param>
    /// <param name="cancel">Stops the sweep; runs in progress are removed, finished ones kept.</param>
    /// <exception cref="UserInputException">Bad settings, or the folder's finished runs have other settings.</exception>
    /// <exception cref="IOException">A run's files could not be written (e.g. a full disk); the message names the file.</exception>
    /// <exception cref="AggregateException">An internal fault inside a run (a bug): not unwrapped, so it keeps its stack trace.</exception>
    public static SweepSummary Run(string outDir, IReadOnlyList<SweepRun> runs, DataSplits splits, SweepOptions options,
        IProgress<SweepEvent>? progress = null, CancellationToken cancel = default)
    {
        options.Base.Validate();
        if (options.Parallel < 1) throw new ArgumentException($"Parallel must be at least 1, got {options.Parallel}.");
        if (options.LogEvery < 0) throw new ArgumentException($"LogEvery must be 0 (no log) or more, got {options.LogEvery}.");
        CheckFinishedRunsMatch(outDir, runs, options);
        // Once for every architecture, not once per run: every run would fail the same way.
        foreach (var sizes in runs.Select(r => r.Sizes).DistinctBy(s => string.Join("-", s)))
            Trainer.CheckData(options.Base with { Layers = sizes }, splits);
        Directory.CreateDirectory(outDir);
        var counts = new Counts();
        var held = new System.Collections.Concurrent.ConcurrentDictionary<string, RunClaim>(StringComparer.Ordinal);
        using var heartbeat = new Timer(_ => { foreach (var c in held.Values) c.Touch(); }, null, RunClaim.Heartbeat, RunClaim.Heartbeat);
        var waiting = runs.ToList();
        for (bool first = true; ; first = false)
        {
            var deferred = new System.Collections.Concurrent.ConcurrentBag<SweepRun>();
            try
            {
                // NoBuffering hands out the runs one at a time in list order (a list alone is split
                // into ranges, one per worker), so runs start in the order the caller gave them.
                System.Threading.Tasks.Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(waiting, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering),
                    new ParallelOptions { MaxDegreeOfParallelism = options.Parallel, CancellationToken = cancel }, run =>
                {
                    if (!TryRun(outDir, run, splits, options, first, counts, held, progress, cancel)) deferred.Add(run);
                });
            }
            catch (AggregateException e)
            {
                throw Unwrap(e, cancel);
            }
            if (deferred.IsEmpty) break;
            // Runs another live process is training: wait for them, and train any whose owner dies.
            waiting = deferred.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
            if (cancel.WaitHandle.WaitOne(WaitPoll)) cancel.ThrowIfCancellationRequested();
        }
        return new SweepSummary(runs.Count, counts.Skipped, counts.Completed, counts.Invalid, counts.Redone, counts.Elsewhere, counts.Discarded);
    }

    /// <summary>
    /// The first error of a user's making (bad input, a file that cannot be written) out of the
    /// exceptions of the parallel runs, rethrown with its own stack; cancellation as itself. Any
    /// other exception is a bug and keeps the AggregateException, which the CLI does not hide.
    /// </summary>
    private static Exception Unwrap(AggregateException e, CancellationToken cancel)
    {
        var inner = e.Flatten().InnerExceptions;
        var user = inner.FirstOrDefault(x => x is UserInputException or IOException or UnauthorizedAccessException or InvalidDataException);
        if (user is not null && inner.All(x => x is UserInputException or IOException or UnauthorizedAccessException or InvalidDataException or OperationCanceledException))
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(user);
        if (cancel.IsCancellationRequested && inner.All(x => x is OperationCanceledException)) return new OperationCanceledException(cancel);
        return e;
    }

    /// <summary>
    /// Trains <paramref name="run"/> if it is neither finished nor claimed by a live process;
    /// false when another live process holds it (the caller comes back to it later).
    /// </summary>
    private static bool TryRun(string outDir, SweepRun run, DataSplits splits, SweepOptions options, bool first, Counts counts,
        System.Collections.Concurrent.ConcurrentDictionary<string, RunClaim> held, IProgress<SweepEvent>? progress, CancellationToken cancel)
    {
        int epochs = options.Base.Epochs;
        string dir = Path.Combine(outDir, run.Id);
        if (RunFiles.IsFinished(dir))
        {
            Interlocked.Increment(ref first ? ref counts.Skipped : ref counts.Elsewhere);
            progress?.Report(new SweepEvent(run, SweepEventKind.Skipped, epochs, epochs, 1));
            return true;
        }
        using var claim = RunClaim.TryTake(outDir, run.Id);
        if (claim is null) return false;
        held[run.Id] = claim;
        try
        {
            // Another process may have finished it between the look above and the claim.
            if (RunFiles.IsFinished(dir))
            {
                Interlocked.Increment(ref counts.Elsewhere);
                progress?.Report(new SweepEvent(run, SweepEventKind.Skipped, epochs, epochs, 1));
                return true;
            }
            if (RemoveLeftovers(outDir, run)) Interlocked.Increment(ref counts.Redone);
            var (result, kept) = RunOne(outDir, run, splits, options, progress, cancel);
            if (!kept) Interlocked.Increment(ref counts.Discarded);
            else if (result.Ok) Interlocked.Increment(ref counts.Completed);
            else Interlocked.Increment(ref counts.Invalid);
            progress?.Report(new SweepEvent(run, SweepEventKind.Finished, epochs, epochs, 1, Result: result));
            return true;
        }
        finally
        {
            held.TryRemove(run.Id, out _);
        }
    }

    /// <summary>
    /// Under this process's claim: removes the run's unfinished folder and the temporary folders
    /// of processes that are dead (a live one's is left alone); true when anything was removed.
    /// </summary>
    private static bool RemoveLeftovers(string outDir, SweepRun run)
    {
        bool leftover = false;
        foreach (var tmp in Directory.GetDirectories(outDir, TempPrefix + run.Id + ".*"))
        {
            string owner = Path.GetFileName(tmp)[(TempPrefix.Length + run.Id.Length + 1)..];
            int dot = owner.LastIndexOf('.');
            bool alive = dot > 0 && owner[..dot] == RunClaim.Host && int.TryParse(owner[(dot + 1)..], out int pid) && pid != Environment.ProcessId && RunClaim.IsAlive(pid, null);
            if (alive) continue;
            Directory.Delete(tmp, true);
            leftover = true;
        }
        string dir = Path.Combine(outDir, run.Id);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, true);
            leftover = true;
        }
        return leftover;
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

    /// <summary>
    /// Trains one run into a temporary folder and renames it to its id; returns its result, and
    /// false for Kept when another process had already put a finished run there (ours is discarded).
    /// </summary>
    internal static (RunResult Result, bool Kept) RunOne(string outDir, SweepRun run, DataSplits splits, SweepOptions options, IProgress<SweepEvent>? progress, CancellationToken cancel)
    {
        int threads = options.ThreadsPerRun;
        // Runs in parallel each get their own worker threads; on the shared pool their GEMMs would take turns.
        using var compute = Compute.UseThreads(threads, ownPool: options.Parallel > 1 && threads > 1);
        string tmp = Path.Combine(outDir, $"{TempPrefix}{run.Id}.{RunClaim.Host}.{Environment.ProcessId}");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        long started = Stopwatch.GetTimestamp();
        RunResult result;
        try
        {
            Directory.CreateDirectory(tmp);
            var config = new RunConfig(run.Id, run.Init, options.ConfigOf(run), run.InitIndex, run.ArchIndex, run.ActivationIndex, run.SeedIndex)
            {
                Grid = options.Grid, NormIndex = run.NormIndex, DropoutIndex = run.DropoutIndex,
            };
            File.WriteAllText(Path.Combine(tmp, RunFiles.Config), RunFiles.ToJson(config));
            progress?.Report(new SweepEvent(run, SweepEventKind.Started, 0, config.Train.Epochs, 0));
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
            File.WriteAllText(Path.Combine(tmp, RunFiles.Result), RunFiles.ToJson(result));
        }
        catch (Exception e)
        {
            TryDelete(tmp);
            // A full disk or a read-only folder: one line naming the run's folder, not a stack trace.
            if (e is IOException && e is not FileNotFoundException && !e.Message.Contains(tmp, StringComparison.Ordinal))
                throw new IOException($"{tmp}: could not write the run's files: {e.Message}", e);
            throw;
        }
        return (result, Publish(tmp, Path.Combine(outDir, run.Id)));
    }

    /// <summary>
    /// Renames the finished temporary folder to the run's folder; false (and ours removed) when a
    /// finished run is already there, put by a process that trained the same run.
    /// </summary>
    private static bool Publish(string tmp, string dir)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Move(tmp, dir);
                return true;
            }
            catch (IOException) when (Directory.Exists(dir) && attempt < 2)
            {
                if (RunFiles.IsFinished(dir))
                {
                    TryDelete(tmp);
                    return false;
                }
                // An unfinished folder (of a writer that does not claim): ours is complete, so it replaces it.
                TryDelete(dir);
            }
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
        catch (IOException)
        {
            // Left behind, it is removed as a dead process's leftover by the next sweep.
        }
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
        // The log is written into the temporary folder with the rest, so it is published only with a finished run.
        using var log = options.LogEvery == 0 ? null : new TrainingLogWriter(Path.Combine(tmp, RunFiles.Log), trainer,
            new TrainingLogOptions { SampleEvery = options.LogEvery, ProbeRows = options.ProbeBatch });
        // An invalid run (result.json "invalid") keeps a log that says why it ended.
        var history = TrainingLogWriter.Fit(trainer, log, epochDone, cancel, new FitOptions { MetricsPath = Path.Combine(tmp, RunFiles.Metrics), BatchProgress = batches },
            _ => File.WriteAllText(Path.Combine(tmp, RunFiles.LayersTrained), RunFiles.LayersCsv(SignalProbe.Run(trainer.Model, x, y))));
        return new RunResult(run.Id, "ok", null, history[^1].TestAccuracy, Stopwatch.GetElapsedTime(started).TotalSeconds, threads, DateTime.UtcNow, Machine.Current);
    }
}
