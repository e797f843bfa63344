using System.CommandLine;
using System.Globalization;
using InitLab.Data;
using InitLab.Experiments;
using InitLab.Init;
using InitLab.Models;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>`initlab compare`: a sweep of inits × architectures × activations × seeds, one folder per run, then the report.</summary>
internal static class CompareCommand
{
    public const string DefaultInits = "zeros,normal:std=1,default,xavier-uniform,xavier-normal,he-normal,orthogonal,lsuv,dbn";

    public static Command Build(Output o)
    {
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files." };
        var dataset = DataSource.DatasetOption();
        var inits = new Option<string>("--inits") { Description = "Initializers to compare, comma-separated (key=value arguments stay with their spec).", DefaultValueFactory = _ => DefaultInits };
        var layers = new Option<string[]>("--layers") { Description = "Layer sizes, input first; give --layers more than once to compare architectures.", AllowMultipleArgumentsPerToken = false };
        var activation = new Option<string>("--activation") { Description = $"{InitLab.Nn.Activations.Choices}; several comma-separated.", DefaultValueFactory = _ => "relu" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per combination (seed, seed+1, ...).", DefaultValueFactory = _ => 3 };
        var seed = new Option<ulong>("--seed") { Description = "The first seed.", DefaultValueFactory = _ => 777UL };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs per run.", DefaultValueFactory = _ => 15 };
        var optimizer = new Option<string>("--optimizer") { Description = InitLab.Optim.Optimizers.Names + ".", DefaultValueFactory = _ => "adam" };
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 0.001 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 100 };
        var bias = new Option<string>("--bias") { Description = "Bias initializer for every run: " + BiasInit.Choices + ".", DefaultValueFactory = _ => "auto" };
        var outDir = new Option<string>("--out") { Description = "Output folder: one folder per run, and the report.", DefaultValueFactory = _ => "compare-out" };
        var shard = new Option<string?>("--shard") { Description = "Run only slice I of N (0 <= I < N) of the sorted grid, e.g. --shard $SLURM_ARRAY_TASK_ID/4." };
        var parallel = new Option<int>("--parallel") { Description = "Runs at once; each gets threads / K compute threads.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Compute threads for the whole sweep (default: all cores).", DefaultValueFactory = _ => 0 };
        var dropout = new Option<string>("--dropout") { Description = "Dropout probability after each hidden activation (0: none); several comma-separated.", DefaultValueFactory = _ => "0" };
        var norm = new Option<string>("--norm") { Description = "Normalization after each hidden Linear: none, batch or layer; several comma-separated.", DefaultValueFactory = _ => "none" };
        var residual = new Option<int>("--residual") { Description = "Residual blocks of the last hidden width, for every run (0: none).", DefaultValueFactory = _ => 0 };
        var zeroGamma = new Option<bool>("--zero-gamma") { Description = "Start each residual block's last normalization with γ = 0 (Goyal et al. 2017), for every run; needs --norm and --residual." };
        var logEvery = new Option<int>("--log-every") { Description = $"Each run also writes its training log ({RunFiles.Log}: per-layer histograms every N training steps and after each epoch) for `initlab log-plot` and `serve`; 0: none.", DefaultValueFactory = _ => 0 };
        var noReport = new Option<bool>("--no-report") { Description = "Do not write the report at the end (e.g. in a shard; run 'initlab report' after all shards)." };
        var cmd = new Command("compare", "Train every combination of initializers, architectures, activations and seeds, one folder per run, and write a report.")
        {
            data, dataset, inits, layers, activation, seeds, seed, epochs, optimizer, lr, batch, bias, outDir, shard, parallel, threads, noReport, dropout, norm, residual, zeroGamma, logEvery, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p => Run(o, new Settings(p.GetValue(data), p.GetValue(dataset), p.GetValue(inits)!, p.GetValue(layers) ?? [], p.GetValue(activation)!,
            p.GetValue(seeds), p.GetValue(seed), p.GetValue(epochs), p.GetValue(optimizer)!, p.GetValue(lr), p.GetValue(batch), p.GetValue(bias)!, p.GetValue(outDir)!,
            p.GetValue(shard), p.GetValue(parallel), p.GetValue(threads), p.GetValue(noReport), p.GetValue(Cli.Quiet),
            p.GetValue(dropout)!, p.GetValue(norm)!, p.GetValue(residual)) { ZeroGamma = p.GetValue(zeroGamma), LogEvery = p.GetValue(logEvery) }));
        return cmd;
    }

    internal sealed record Settings(string? Data, string? Dataset, string Inits, string[] Layers, string Activations, int Seeds, ulong Seed, int Epochs,
        string Optimizer, double Lr, int BatchSize, string Bias, string Out, string? Shard, int Parallel, int Threads, bool NoReport, bool Quiet,
        string Dropout = "0", string Norm = "none", int Residual = 0)
    {
        /// <summary>--zero-gamma for every run.</summary>
        public bool ZeroGamma { get; init; }

        /// <summary>--log-every N: each run's training log samples every N steps; 0 writes no log.</summary>
        public int LogEvery { get; init; }
    }

    internal static int Run(Output o, Settings s)
    {
        Options.CheckEpochsAndThreads(s.Epochs, s.Threads);
        if (s.Data is null && s.Dataset is null) throw new UsageException($"give --data DIR or --dataset NAME ({DatasetCatalog.Names}).");
        if (s.Seeds < 1 || s.Seeds > 1000) throw new UsageException($"--seeds must be between 1 and 1000, got {s.Seeds}.");
        if (s.BatchSize < 1) throw new UsageException($"--batch-size must be at least 1, got {s.BatchSize}.");
        Options.CheckLogEvery(s.LogEvery, zeroIsOff: true);
        if (s.Parallel < 1 || s.Parallel > 256) throw new UsageException($"--parallel must be between 1 and 256, got {s.Parallel}.");
        if (!(s.Lr > 0) || double.IsInfinity(s.Lr)) throw new UsageException($"--lr must be a positive number, got {s.Lr}.");
        Options.Parse(() => InitLab.Optim.Optimizers.Check(s.Optimizer), "--optimizer");
        var inits = Options.Parse(() => InspectCommand.SplitSpecs(s.Inits), "--inits");
        foreach (var i in inits) Options.Parse(() => InitPlan.Parse(i, s.Bias), "--inits/--bias");
        var archs = Options.Parse(() => (s.Layers.Length == 0 ? ["784,256,256,10"] : s.Layers).Select(Mlp.ParseSizes).ToList(), "--layers");
        var activations = s.Activations.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var a in activations) Options.Activation(a);
        var norms = Options.Parse(() => List(s.Norm, "--norm").Select(MlpOptions.ParseNorm).ToList(), "--norm");
        var dropouts = List(s.Dropout, "--dropout").Select(ParseDropout).ToList();
        if (s.Residual < 0 || s.Residual > 10_000) throw new UsageException($"--residual must be between 0 and 10000, got {s.Residual}.");
        // A single --norm or --dropout is the whole sweep's setting (the run folders keep their names);
        // several make an axis of the grid, and the report groups by it.
        var gridSpec = new SweepGridSpec(inits, archs, activations, s.Seeds, s.Seed)
        {
            Norms = norms.Count > 1 ? norms : null,
            Dropouts = dropouts.Count > 1 ? dropouts : null,
        };
        var grid = Options.Parse(gridSpec.Runs, ulong.MaxValue - s.Seed < (ulong)(s.Seeds - 1) ? "--seed/--seeds" : "--inits/--layers/--activation/--norm/--dropout");
        var (shardIndex, shardCount) = s.Shard is null ? (0, 1) : Options.Parse(() => SweepGrid.ParseShard(s.Shard), "--shard");
        // Shards slice the grid sorted by Id (the same in every process); within this process the
        // runs go in the user's order: --inits as typed, then architectures, activations, seeds.
        IReadOnlyList<SweepRun> runs = [.. SweepGrid.Shard(grid, shardIndex, shardCount)
            .OrderBy(r => r.InitIndex).ThenBy(r => r.ArchIndex).ThenBy(r => r.ActivationIndex).ThenBy(r => r.NormIndex).ThenBy(r => r.DropoutIndex).ThenBy(r => r.SeedIndex)];

        // --residual is one setting for the whole sweep, and so are --norm and --dropout when given
        // once: the run folders' names do not carry them, so a folder of runs with other ones is
        // refused by the settings check below.
        foreach (var norm in norms) Options.Setting(() => TrainConfig.CheckZeroGamma(s.ZeroGamma, norm, s.Residual));
        var baseConfig = new TrainConfig
        {
            ZeroGamma = s.ZeroGamma,
            Dropout = dropouts[0],
            Norm = norms[0],
            Residual = s.Residual,
            Data = DataSource.Canonical(s.Data, s.Dataset),
            Init = InitPlan.Parse(inits[0], s.Bias),
            Optimizer = new OptimizerConfig { Name = s.Optimizer, LearningRate = s.Lr },
            BatchSize = s.BatchSize,
            Epochs = s.Epochs,
        };
        Options.WarnIfMoreThreadsThanProcessors(o, s.Threads);
        var options = new SweepOptions { Base = baseConfig, Parallel = s.Parallel, Threads = s.Threads, Grid = gridSpec, LogEvery = s.LogEvery };
        Sweep.CheckFinishedRunsMatch(s.Out, runs, options);
        var splits = DataSource.Load(o, s.Data, s.Dataset, s.Quiet);
        // Once, before any run: layers that do not fit the data, or a batch larger than it, would fail every run alike.
        foreach (var arch in archs)
            Options.Parse(() => { Trainer.CheckData(baseConfig with { Layers = arch }, splits); return 0; }, "--layers/--batch-size");
        if (!s.Quiet)
            o.Out.WriteLine($"{grid.Count} runs in the grid ({N(inits.Count, "init")} × {N(archs.Count, "architecture")} × {N(activations.Length, "activation")} × " +
                (norms.Count > 1 ? $"{N(norms.Count, "normalization")} × " : "") + (dropouts.Count > 1 ? $"{N(dropouts.Count, "dropout")} × " : "") + $"{N(s.Seeds, "seed")})" +
                (shardCount > 1 ? $"; shard {shardIndex}/{shardCount} has {runs.Count}" : "") +
                $";\n{s.Parallel} at once with {N(options.ThreadsPerRun, "thread")} each; output in {s.Out}");
        SweepSummary summary;
        using var interrupt = new CtrlC();
        try
        {
            summary = SweepView.Run(o, s.Quiet, runs.Count, s.Epochs, progress => Sweep.Run(s.Out, runs, splits, options, progress, interrupt.Token));
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            o.ClearProgress();
            o.Err.WriteLine("initlab: interrupted; finished runs are kept, run the same command again to do the rest.");
            return Cli.Interrupted;
        }
        o.Out.WriteLine($"Done: {summary.Completed} runs trained, {summary.Invalid} invalid, skipped {summary.SkippedFinished} finished runs" +
            (summary.Redone > 0 ? $", redid {summary.Redone} unfinished" : "") +
            (summary.FinishedElsewhere > 0 ? $", {summary.FinishedElsewhere} trained by another process" : "") +
            (summary.Discarded > 0 ? $", discarded {summary.Discarded} that another process finished first" : "") + ".");
        if (summary.Completed + summary.SkippedFinished > 0) SweepTable.Print(o.Out, s.Out);
        if (!s.NoReport)
        {
            var (written, results) = ReportCommand.Write(s.Out, [s.Out]);
            ReportCommand.WarnMissing(o, results);
            o.Out.WriteLine($"Report written to {written}");
        }
        return Cli.Ok;
    }

    /// <summary>A comma-separated option's values (spaces trimmed, empty items dropped); a usage error when none is left.</summary>
    private static List<string> List(string text, string option)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (items.Count == 0) throw new UsageException($"{option} needs at least one value, got '{text}'.");
        if (items.Distinct(StringComparer.OrdinalIgnoreCase).Count() != items.Count) throw new UsageException($"{option} lists a value twice ('{text}').");
        return items;
    }

    private static double ParseDropout(string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) || !(p >= 0 && p < 1))
            throw new UsageException($"--dropout must be in [0, 1), got '{text}'.");
        return p;
    }

    private static string N(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    internal static string Percent(double fraction) => (fraction * 100).ToString("0.00", CultureInfo.InvariantCulture);
}
