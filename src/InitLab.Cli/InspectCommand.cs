using InitLab.Io;
using System.CommandLine;
using System.Globalization;
using InitLab.Data;
using InitLab.Diagnostics;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>`initlab inspect`: what an initialization does to a deep network's signals, per layer.</summary>
internal static class InspectCommand
{
    public static Command Build(Output o)
    {
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files (a batch of its training images is used)." };
        var dataset = DataSource.DatasetOption();
        var layers = new Option<string>("--layers") { Description = "Layer sizes; SIZExN repeats a layer, e.g. 784,512x30,10.", DefaultValueFactory = _ => "784,512x30,10" };
        var activation = new Option<string>("--activation") { Description = $"{Activations.Choices}.", DefaultValueFactory = _ => "relu" };
        var init = new Option<string>("--init") { Description = "The initializer to inspect.", DefaultValueFactory = _ => "he-normal" };
        var compare = new Option<string?>("--compare") { Description = "Several initializers side by side, e.g. zeros,normal:std=1,xavier-normal,he-normal." };
        var bias = new Option<string>("--bias") { Description = "Bias initializer for every network: " + BiasInit.Choices + ".", DefaultValueFactory = _ => "auto" };
        var batch = new Option<int>("--batch") { Description = "Images in the batch.", DefaultValueFactory = _ => 256 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the PyTorch-compatible generator.", DefaultValueFactory = _ => 777UL };
        var plot = new Option<string?>("--plot") { Description = "Draw each layer's activation std per initializer into this PNG." };
        var threads = new Option<int>("--threads") { Description = "Compute threads (default: all cores).", DefaultValueFactory = _ => 0 };
        var summary = SummaryCommand.Option();
        var norm = new Option<string>("--norm") { Description = "Normalization after each hidden Linear: none, batch or layer (BatchNorm uses the batch's statistics, as the first training step does).", DefaultValueFactory = _ => "none" };
        var residual = new Option<int>("--residual") { Description = "Residual blocks of the last hidden width (0: none); each block's output gets a row.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("inspect", "Forward a batch through freshly initialized networks and show per-layer activation statistics and gradient norms.")
        {
            data, dataset, layers, activation, init, compare, bias, batch, seed, plot, threads, summary, norm, residual, Cli.Verbose,
        };
        cmd.SetAction(p =>
        {
            // --init has a default, so only an --init the user typed conflicts with --compare.
            if (p.GetValue(compare) is not null && p.GetResult(init) is { Implicit: false })
                throw new UsageException("give --init NAME or --compare A,B,..., not both.\nPut the --init initializer into the --compare list to see it beside the others.");
            if (p.GetValue(summary))
            {
                int[] sizes = Options.Parse(() => Mlp.ParseSizes(p.GetValue(layers)!), "--layers");
                string act = SummaryCommand.Canonical(p.GetValue(activation)!);
                SummaryCommand.Print(o.Out, SummaryCommand.Network(sizes, act), $"{string.Join('-', sizes)} {act}");
            }
            return Run(o, p.GetValue(data), p.GetValue(dataset), p.GetValue(layers)!, p.GetValue(activation)!, p.GetValue(init)!, p.GetValue(compare),
            p.GetValue(bias)!, p.GetValue(batch), p.GetValue(seed), p.GetValue(plot), p.GetValue(threads), p.GetValue(norm)!, p.GetValue(residual));
        });
        return cmd;
    }

    private static int Run(Output o, string? dataDir, string? dataset, string layersText, string activation, string initText, string? compare,
        string biasText, int batchSize, ulong seed, string? plotPath, int threads, string normText = "none", int residual = 0)
    {
        Options.CheckEpochsAndThreads(1, threads);
        var normKind = Options.Parse(() => MlpOptions.ParseNorm(normText), "--norm");
        if (residual < 0 || residual > 10_000) throw new UsageException($"--residual must be between 0 and 10000, got {residual}.");
        if (batchSize < 2) throw new UsageException($"--batch must be at least 2, got {batchSize}.");
        int[] sizes = Options.Parse(() => Mlp.ParseSizes(layersText), "--layers");
        Options.Activation(activation);
        activation = SummaryCommand.Canonical(activation);
        Options.CheckPng(plotPath, "--plot");
        var specs = Options.Parse(() => SplitSpecs(compare ?? initText).Select(t => InitPlan.Parse(t, biasText)).ToList(), compare is null ? "--init" : "--compare");
        if (plotPath is not null) OutputCheck.Writable(plotPath, "--plot");

        var splits = DataSource.Load(o, dataDir, dataset, quiet: false);
        if (sizes[0] != splits.Train.FeatureCount)
            throw new ArgumentException($"--layers starts with {sizes[0]} inputs but {splits.Train.Source} has {splits.Train.FeatureCount} pixels per image.");
        var (x, y) = DataBatch.First(splits.Train, batchSize);
        string shape = layersText.Replace(",", "-") + (residual > 0 ? $" +{residual} residual blocks" : "") + (normKind != NormKind.None ? $" {MlpOptions.NameOf(normKind)}norm" : "");
        var results = new List<(string Name, IReadOnlyList<LayerStats> Stats)>();
        var predicted = new List<IReadOnlyList<double>?>();
        using var compute = InitLab.Tensors.Compute.UseThreads(threads);
        foreach (var plan in specs)
        {
            var options = new MlpOptions { Norm = normKind, Residual = residual, ResidualGain = plan.NeedsResidualGain };
            var model = Mlp.Create(sizes, activation, plan, new TorchGenerator(seed), options, new InitContext(splits.Train, splits.Test, RbmReporter.For(o)));
            // A plain network keeps its evaluation-mode probe (the same numbers as before); with a
            // norm, BatchNorm normalizes with the batch's statistics, as training sees it.
            var stats = SignalProbe.Run(model, x, y, trainingMode: !options.IsPlain);
            string name = string.Join("|", plan.Weights);
            results.Add((name, stats));
            // Mean-field theory here is for plain Linear/activation stacks.
            predicted.Add(options.IsPlain ? SignalTheory.PredictPreActivationSquare(model, plan, x) : null);
            PrintBlock(o, name, $"{shape} {activation}, biases {plan.DescribeBias(sizes.Length - 1)}", x.Rows, stats, predicted[^1]);
        }
        if (results.Count > 1) PrintComparison(o, activation, results);
        if (plotPath is not null)
        {
            StdPlot.Save(plotPath, $"Activation std per layer: {shape}, {activation}, batch {x.Rows}", DeadLabel(activation), results, predicted: predicted);
            o.Out.WriteLine($"Plot written to {plotPath}");
        }
        return Cli.Ok;
    }

    /// <summary>Splits a comma list of specs, keeping key=value arguments with the spec they belong to.</summary>
    public static List<string> SplitSpecs(string text)
    {
        var specs = new List<string>();
        foreach (var token in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.Contains('=') && !token.Contains(':') && specs.Count > 0) specs[^1] += "," + token;
            else specs.Add(token);
        }
        if (specs.Count == 0) throw new FormatException("No initializer given.");
        return specs;
    }

    /// <summary>What the activation's dead-or-saturated fraction counts ("dead" or "saturated"), as a column heading.</summary>
    internal static string DeadLabel(string activation) =>
        Activations.TryCreate(activation, out var layer) ? layer.DeadOrSaturatedLabel ?? "saturated" : "saturated";

    private static void PrintBlock(Output o, string name, string network, int batch, IReadOnlyList<LayerStats> stats, IReadOnlyList<double>? theory)
    {
        string activation = network.Split(' ')[1].TrimEnd(',');
        o.Out.WriteLine($"init {name}: {network}, batch {batch}");
        // q is mean-field theory's quantity: the pre-activations' mean square; "theory" its prediction.
        o.Out.WriteLine($"{"layer",5} {"units",6} {"mean",11} {"std",11} {DeadLabel(activation),10} {"grad norm",11} {"q (pre)",11} {"q theory",11}");
        foreach (var s in stats)
        {
            string dead = s.IsOutput || double.IsNaN(s.DeadOrSaturated) ? "-" : (s.DeadOrSaturated * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
            o.Out.WriteLine($"{(s.IsOutput ? "out" : s.Layer.ToString(CultureInfo.InvariantCulture)),5} {s.Units,6} {Num(s.Mean),11} {Num(s.Std),11} {dead,10} {Num(s.WeightGradNorm),11} {Num(s.PreActivationSquare),11} {(theory is null ? "-" : Num(theory[s.Layer - 1])),11}");
        }
        o.Out.WriteLine();
    }

    private static void PrintComparison(Output o, string activation, List<(string Name, IReadOnlyList<LayerStats> Stats)> results)
    {
        o.Out.WriteLine($"activation std per layer ({DeadLabel(activation)} fraction in brackets):");
        int width = Math.Max(14, results.Max(r => r.Name.Length));
        o.Out.WriteLine($"{"layer",5} " + string.Join(" ", results.Select(r => r.Name.PadLeft(width))));
        for (int i = 0; i < results[0].Stats.Count; i++)
        {
            var cells = results.Select(r =>
            {
                var s = r.Stats[i];
                string dead = s.IsOutput || double.IsNaN(s.DeadOrSaturated) ? "" : $" ({(s.DeadOrSaturated * 100).ToString("0", CultureInfo.InvariantCulture) + "%"})";
                return (Num(s.Std) + dead).PadLeft(width);
            });
            o.Out.WriteLine($"{(results[0].Stats[i].IsOutput ? "out" : (i + 1).ToString(CultureInfo.InvariantCulture)),5} " + string.Join(" ", cells));
        }
        o.Out.WriteLine();
    }

    /// <summary>A statistic for tables: 0, nan and inf spelled out, scientific below 1e-3 and from 1e4.</summary>
    internal static string Num(double v) =>
        double.IsNaN(v) ? "nan" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf")
        : v == 0 ? "0" : Math.Abs(v) >= 1e4 || Math.Abs(v) < 1e-3 ? v.ToString("0.00e+00", CultureInfo.InvariantCulture) : v.ToString("0.0000", CultureInfo.InvariantCulture);
}
