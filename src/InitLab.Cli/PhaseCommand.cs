using System.CommandLine;
using System.Globalization;
using InitLab.Data;
using InitLab.Experiments;
using InitLab.Init;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>
/// `initlab phase`: the trainability phase diagram (Schoenholz et al. 2017) as a sweep of σw² ×
/// depth: one run folder per cell (resumable, --shard I/N), then phase.png and phase.md in the
/// output folder. `initlab report` reads the same folders as any sweep.
/// </summary>
internal static class PhaseCommand
{
    /// <summary>The command, writing to <paramref name="o"/>.</summary>
    /// <param name="o">Where the command prints.</param>
    public static Command Build(Output o)
    {
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files." };
        var dataset = DataSource.DatasetOption();
        var weightVars = new Option<string>("--weight-vars")
        {
            Description = "σw² values, comma-separated, or FROM:TO:STEP.",
            DefaultValueFactory = _ => string.Join(",", PhaseGrid.DefaultWeightVariances.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        };
        var depths = new Option<string>("--depths") { Description = "Depths (Linear layers), comma-separated.", DefaultValueFactory = _ => string.Join(",", PhaseGrid.DefaultDepths) };
        var width = new Option<int>("--width") { Description = "Width of every hidden layer.", DefaultValueFactory = _ => 100 };
        var biasVar = new Option<double>("--bias-var") { Description = "σb²: biases are drawn from N(0, σb²).", DefaultValueFactory = _ => 0.05 };
        var activation = new Option<string>("--activation") { Description = "The activation (the paper's is tanh).", DefaultValueFactory = _ => "tanh" };
        var lr = new Option<double>("--lr") { Description = "SGD learning rate (no momentum); 0.01 is too large for the deepest rows (depth 80-100 do not train at it).", DefaultValueFactory = _ => 0.001 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size: steps per epoch = training images / batch size.", DefaultValueFactory = _ => 32 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per cell.", DefaultValueFactory = _ => 2 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of every run.", DefaultValueFactory = _ => 777UL };
        var outDir = new Option<string>("--out") { Description = "Output folder: one folder per cell, phase.png and phase.md.", DefaultValueFactory = _ => "phase-out" };
        var shard = new Option<string?>("--shard") { Description = "Run only slice I of N of the sorted grid; run without --shard afterwards to draw the diagram." };
        var parallel = new Option<int>("--parallel") { Description = "Runs at once; each gets threads / K compute threads.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Compute threads for the whole sweep (default: all cores).", DefaultValueFactory = _ => 0 };
        var noReport = new Option<bool>("--no-report") { Description = "Do not draw the diagram at the end (e.g. in a shard)." };
        var cmd = new Command("phase", "Trainability phase diagram: train tanh networks over a grid of σw² × depth and draw test accuracy with the theory's 6·ξ_c curve.")
        {
            data, dataset, weightVars, depths, width, biasVar, activation, lr, batch, epochs, seed, outDir, shard, parallel, threads, noReport, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p =>
        {
            Options.CheckEpochsAndThreads(p.GetValue(epochs), p.GetValue(threads));
            if (p.GetValue(data) is null && p.GetValue(dataset) is null) throw new UsageException($"give --data DIR or --dataset NAME ({DatasetCatalog.Names}).");
            if (p.GetValue(batch) < 1) throw new UsageException($"--batch-size must be at least 1, got {p.GetValue(batch)}.");
            if (p.GetValue(parallel) is < 1 or > 256) throw new UsageException($"--parallel must be between 1 and 256, got {p.GetValue(parallel)}.");
            double lrValue = p.GetValue(lr), sb2 = p.GetValue(biasVar);
            if (!(lrValue > 0) || double.IsInfinity(lrValue)) throw new UsageException($"--lr must be a positive number, got {lrValue}.");
            if (!(sb2 >= 0) || double.IsInfinity(sb2)) throw new UsageException($"--bias-var must be a finite number ≥ 0, got {sb2}.");
            var grid = new PhaseGrid(Options.Parse(() => ParseWeightVariances(p.GetValue(weightVars)!), "--weight-vars"),
                Options.Parse(() => ParseDepths(p.GetValue(depths)!), "--depths"), p.GetValue(width), sb2, p.GetValue(activation)!.Trim().ToLowerInvariant());
            return Run(o, grid, p.GetValue(data), p.GetValue(dataset), lrValue, p.GetValue(batch), p.GetValue(epochs), p.GetValue(seed), p.GetValue(outDir)!,
                p.GetValue(shard), p.GetValue(parallel), p.GetValue(threads), p.GetValue(noReport), p.GetValue(Cli.Quiet));
        });
        return cmd;
    }

    private static int Run(Output o, PhaseGrid grid, string? data, string? dataset, double lr, int batchSize, int epochs, ulong seed, string outDir,
        string? shard, int parallel, int threads, bool noReport, bool quiet)
    {
        Options.Parse(() => InitLab.Theory.Phi.Parse(grid.Activation), "--activation");
        var all = Options.Parse(() => grid.Runs(seed), "--weight-vars/--depths/--width");
        var (shardIndex, shardCount) = shard is null ? (0, 1) : Options.Parse(() => SweepGrid.ParseShard(shard), "--shard");
        var runs = SweepGrid.Shard(all, shardIndex, shardCount);
        var baseConfig = new TrainConfig
        {
            Data = DataSource.Canonical(data, dataset),
            Activation = grid.Activation,
            Init = InitPlan.Of([InitSpec.Parse(PhaseGrid.InitOf(grid.WeightVariances[0]))], grid.Bias),
            Optimizer = OptimizerConfig.Sgd(lr),
            BatchSize = batchSize,
            Epochs = epochs,
        };
        Options.WarnIfMoreThreadsThanProcessors(o, threads);
        var options = new SweepOptions { Base = baseConfig, Parallel = parallel, Threads = threads };
        Sweep.CheckFinishedRunsMatch(outDir, runs, options);
        var splits = DataSource.Load(o, data, dataset, quiet);
        if (splits.Train.FeatureCount != 784 || splits.Train.Classes != 10)
            throw new UserInputException($"phase builds networks for 784 inputs and 10 classes; {splits.Train.Source} has {splits.Train.FeatureCount} and {splits.Train.Classes}.");
        int steps = splits.Train.Count / batchSize * epochs;
        if (!quiet)
            o.Out.WriteLine($"{all.Count} cells ({grid.WeightVariances.Count} σw² × {grid.Depths.Count} depths), {steps} SGD steps each" +
                (shardCount > 1 ? $"; shard {shardIndex}/{shardCount} has {runs.Count}" : "") + $"; output in {outDir}");
        SweepSummary summary;
        using var interrupt = new CtrlC();
        try
        {
            summary = SweepView.Run(o, quiet, runs.Count, epochs, progress => Sweep.Run(outDir, runs, splits, options, progress, interrupt.Token));
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            o.ClearProgress();
            o.Err.WriteLine("initlab: interrupted; finished cells are kept, run the same command again to do the rest.");
            return Cli.Interrupted;
        }
        o.Out.WriteLine($"Done: {summary.Completed} cells trained, {summary.Invalid} invalid, skipped {summary.SkippedFinished} finished.");
        if (noReport) return Cli.Ok;
        var cells = grid.Collect(outDir, seed);
        string caption = $"{steps} SGD steps (lr {lr.ToString(CultureInfo.InvariantCulture)}, batch {batchSize})";
        string png = PhasePlot.Save(outDir, grid, cells, caption);
        int missing = cells.Count(c => c.Accuracy is null);
        o.Out.WriteLine($"Phase diagram written to {png} and {Path.Combine(outDir, "phase.md")}" + (missing > 0 ? $" ({missing} cells missing: run the other shards)" : ""));
        return Cli.Ok;
    }

    /// <summary>"1,1.5,2" or "1:4:0.25" (both ends included).</summary>
    internal static IReadOnlyList<double> ParseWeightVariances(string text)
    {
        var parts = text.Split(':');
        if (parts.Length == 3)
        {
            double[] r = parts.Select(Number).ToArray();
            if (!(r[2] > 0) || r[1] < r[0]) throw new FormatException($"'{text}' is not FROM:TO:STEP with FROM ≤ TO and STEP > 0.");
            int n = (int)Math.Floor((r[1] - r[0]) / r[2] + 1e-9) + 1;
            return Enumerable.Range(0, n).Select(i => Math.Round(r[0] + i * r[2], 10)).ToArray();
        }
        return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Number).ToArray();
    }

    private static double Number(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
        ? v : throw new FormatException($"'{s}' is not a number.");

    private static IReadOnlyList<int> ParseDepths(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int d) ? d : throw new FormatException($"'{s}' is not a whole number.")).ToArray();
}
