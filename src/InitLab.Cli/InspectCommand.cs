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
        var jacobian = new Option<string?>("--jacobian") { Description = "Draw the singular values of each network's hidden-to-hidden Jacobian (layers 2 .. L-1) into this PNG." };
        var jacobianSamples = new Option<int>("--jacobian-samples") { Description = "Images the Jacobian is taken at (each gives one spectrum).", DefaultValueFactory = _ => 4 };
        var seeds = new Option<int>("--seeds") { Description = "Probe K networks per initializer (seeds seed..seed+K-1, each on its own batch) and draw their spread as bands.", DefaultValueFactory = _ => 1 };
        var float64 = new Option<bool>("--float64") { Description = "Probe in double precision (values below float32's resolution are measured, not a plateau) and show the back-propagated gradient with its theory." };
        var threads = new Option<int>("--threads") { Description = "Compute threads (default: all cores).", DefaultValueFactory = _ => 0 };
        var summary = SummaryCommand.Option();
        var norm = new Option<string>("--norm") { Description = "Normalization after each hidden Linear: none, batch or layer (BatchNorm uses the batch's statistics, as the first training step does).", DefaultValueFactory = _ => "none" };
        var residual = new Option<int>("--residual") { Description = "Residual blocks of the last hidden width (0: none); each block's output gets a row.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("inspect", "Forward a batch through freshly initialized networks and show per-layer activation statistics and gradient norms.")
        {
            data, dataset, layers, activation, init, compare, bias, batch, seed, plot, jacobian, jacobianSamples, float64, seeds, threads, summary, norm, residual, Cli.Verbose,
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
            p.GetValue(bias)!, p.GetValue(batch), p.GetValue(seed), p.GetValue(plot), p.GetValue(threads), p.GetValue(jacobian), p.GetValue(jacobianSamples), p.GetValue(float64), p.GetValue(seeds),
            p.GetValue(norm)!, p.GetValue(residual));
        });
        return cmd;
    }

    private static int Run(Output o, string? dataDir, string? dataset, string layersText, string activation, string initText, string? compare,
        string biasText, int batchSize, ulong seed, string? plotPath, int threads, string? jacobianPath = null, int jacobianSamples = 4, bool float64 = false, int seedCount = 1,
        string normText = "none", int residual = 0)
    {
        if (seedCount is < 1 or > 100) throw new UsageException($"--seeds must be between 1 and 100, got {seedCount}.");
        if (float64 && activation is "selu" or "prelu") throw new UsageException($"--float64 takes relu, leaky-relu, tanh or sigmoid, not {activation}.");
        Options.CheckEpochsAndThreads(1, threads);
        var normKind = Options.Parse(() => MlpOptions.ParseNorm(normText), "--norm");
        if (residual < 0 || residual > 10_000) throw new UsageException($"--residual must be between 0 and 10000, got {residual}.");
        if ((float64 || jacobianPath is not null) && (normKind != NormKind.None || residual > 0))
            throw new UsageException($"{(float64 ? "--float64" : "--jacobian")} probes plain Linear/activation networks; leave out --norm and --residual for it.");
        if (batchSize < 2) throw new UsageException($"--batch must be at least 2, got {batchSize}.");
        int[] sizes = Options.Parse(() => Mlp.ParseSizes(layersText), "--layers");
        Options.Activation(activation);
        activation = SummaryCommand.Canonical(activation);
        Options.CheckPng(plotPath, "--plot");
        var typed = Options.Parse(() => SplitSpecs(compare ?? initText), compare is null ? "--init" : "--compare");
        var specs = Options.Parse(() => typed.Select(t => InitPlan.Parse(t, biasText)).ToList(), compare is null ? "--init" : "--compare");
        if (plotPath is not null) OutputCheck.Writable(plotPath, "--plot");
        if (jacobianPath is not null)
        {
            Options.CheckPng(jacobianPath, "--jacobian");
            if (jacobianSamples < 1 || jacobianSamples > batchSize) throw new UsageException($"--jacobian-samples must be between 1 and --batch ({batchSize}), got {jacobianSamples}.");
            if (sizes.Length < 4) throw new UsageException($"--jacobian needs at least two hidden layers (e.g. --layers 784,200x10,10), got {layersText}.");
            if (activation is "selu" or "prelu") throw new UsageException($"--jacobian takes relu, leaky-relu, tanh or sigmoid, not {activation}.");
            OutputCheck.Writable(jacobianPath, "--jacobian");
        }

        var splits = DataSource.Load(o, dataDir, dataset, quiet: false);
        if (sizes[0] != splits.Train.FeatureCount)
            throw new ArgumentException($"--layers starts with {sizes[0]} inputs but {splits.Train.Source} has {splits.Train.FeatureCount} pixels per image.");
        if ((long)seedCount * batchSize > splits.Train.Count)
            throw new UsageException($"--seeds {seedCount} × --batch {batchSize} needs {(long)seedCount * batchSize} training images; {splits.Train.Source} has {splits.Train.Count}.");
        var (all, allLabels) = DataBatch.First(splits.Train, batchSize * seedCount);
        var x = all.CopyRows(0, batchSize);
        var y = allLabels[..batchSize];
        string shape = layersText.Replace(",", "-") + (residual > 0 ? $" +{residual} residual blocks" : "") + (normKind != NormKind.None ? $" {MlpOptions.NameOf(normKind)}norm" : "");
        var results = new List<(string Name, IReadOnlyList<LayerStats> Stats)>();
        var predicted = new List<IReadOnlyList<double>?>();
        var spectra = new List<(string Name, JacobianSpectrum Spectrum)>();
        var predictedGrad = new List<IReadOnlyList<double>?>();
        var spreads = new List<IReadOnlyList<IReadOnlyList<LayerStats>>?>();
        using var compute = Options.UseThreads(o, threads);
        foreach (var (plan, typedName) in specs.Zip(typed))
        {
            var options = new MlpOptions { Norm = normKind, Residual = residual, ResidualGain = plan.NeedsResidualGain };
            var model = Mlp.Create(sizes, activation, plan, new TorchGenerator(seed), options, new InitContext(splits.Train, splits.Test, RbmReporter.For(o)));
            // A plain network keeps its evaluation-mode probe (the same numbers as before); with a
            // norm, BatchNorm normalizes with the batch's statistics, as training sees it.
            IReadOnlyList<LayerStats> Probe(Sequential m, InitLab.Tensors.Tensor xs, int[] ys) =>
                float64 ? SignalProbe64.Run(m, xs, ys) : SignalProbe.Run(m, xs, ys, trainingMode: !options.IsPlain);
            var stats = Probe(model, x, y);
            // Shown as typed (he-normal), with the registry's name beside it where that differs.
            string name = typedName;
            results.Add((name, stats));
            // Mean-field theory here is for plain Linear/activation stacks.
            predicted.Add(options.IsPlain ? SignalTheory.PredictPreActivationSquare(model, plan, x) : null);
            predictedGrad.Add(float64 ? SignalTheory.PredictPreActivationGradNorm(model, plan, x, stats[^1].PreActivationGradNorm) : null);
            PrintBlock(o, InitNames.Alias(name, plan) is { } canonical ? $"{name} ({canonical})" : name,
                $"{shape} {activation}, biases {plan.DescribeBias(sizes.Length - 1)}{(float64 ? ", float64 probe" : "")}", x.Rows, stats, predicted[^1], predictedGrad[^1]);
            var replicas = new List<IReadOnlyList<LayerStats>> { stats };
            for (int k = 1; k < seedCount; k++)
            {
                var m = Mlp.Create(sizes, activation, plan, new TorchGenerator(seed + (ulong)k), options, new InitContext(splits.Train, splits.Test, RbmReporter.For(o)));
                var xk = all.CopyRows(k * batchSize, batchSize);
                var yk = allLabels[(k * batchSize)..((k + 1) * batchSize)];
                replicas.Add(Probe(m, xk, yk));
            }
            if (seedCount > 1) PrintSpread(o, seed, replicas);
            spreads.Add(seedCount > 1 ? replicas : null);
            if (jacobianPath is not null) spectra.Add((name, Spectrum(o, model, plan, x, jacobianSamples)));
        }
        if (results.Count > 1) PrintComparison(o, activation, results);
        if (plotPath is not null)
        {
            StdPlot.Save(plotPath, $"{shape} {activation}, batch {x.Rows}", DeadOrSaturatedLabel.Heading(activation), results, predicted: predicted,
                footnote: InitNames.Footnote(typed), predictedGrad: float64 ? predictedGrad : null, spreads: spreads);
            o.Out.WriteLine($"Plot written to {plotPath}");
        }
        if (jacobianPath is not null)
        {
            int hidden = sizes.Length - 2;
            JacobianPlot.Save(jacobianPath, $"Singular values of the Jacobian through hidden layers 2..{hidden}: {shape}, {activation}, {jacobianSamples} images", spectra);
            o.Out.WriteLine($"Jacobian spectra written to {jacobianPath}");
        }
        return Cli.Ok;
    }

    private static void PrintSpread(Output o, ulong seed, IReadOnlyList<IReadOnlyList<LayerStats>> replicas)
    {
        var std = ProbeSpread.Of(replicas, s => s.Std);
        var grad = ProbeSpread.Of(replicas, s => s.WeightGradNorm);
        o.Out.WriteLine($"spread over {replicas.Count} networks (seeds {seed}..{seed + (ulong)replicas.Count - 1}, one batch each), min .. max:");
        o.Out.WriteLine($"{"layer",5} {"std",23} {"grad norm",23}");
        for (int i = 0; i < std.Count; i++)
            o.Out.WriteLine($"{(i == std.Count - 1 ? "out" : std[i].Layer.ToString(CultureInfo.InvariantCulture)),5} {Num(std[i].Min) + " .. " + Num(std[i].Max),23} {Num(grad[i].Min) + " .. " + Num(grad[i].Max),23}");
        o.Out.WriteLine();
    }

    private static JacobianSpectrum Spectrum(Output o, Sequential model, InitPlan plan, InitLab.Tensors.Tensor x, int samples)
    {
        var s = JacobianSpectrum.Measure(model, plan, x, samples);
        var q = s.Percentiles();
        string theory = s.PredictedMeanSquare is { } p ? Num(p) : "-";
        o.Out.WriteLine($"Jacobian (hidden layers {s.From + 1}..{s.To + 1}, {samples} images): σ median {Num(q.Median)}, 5% {Num(q.P5)}, " +
            $"95% {Num(q.P95)}, max {Num(q.Max)}; mean σ² {Num(s.MeanSquare)} (theory {theory})");
        o.Out.WriteLine();
        return s;
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

    private static void PrintBlock(Output o, string name, string network, int batch, IReadOnlyList<LayerStats> stats, IReadOnlyList<double>? theory,
        IReadOnlyList<double>? gradTheory)
    {
        string activation = network.Split(' ')[1].TrimEnd(',');
        bool grad = stats.Any(s => double.IsFinite(s.PreActivationGradNorm));
        o.Out.WriteLine($"init {name}: {network}, batch {batch}");
        // q is mean-field theory's quantity: the pre-activations' mean square; "theory" its prediction.
        // With the float64 probe, |dL/dh| is the back-propagated gradient at the pre-activations and its prediction.
        o.Out.WriteLine($"{"layer",5} {"units",6} {"mean",11} {"std",11} {DeadOrSaturatedLabel.Heading(activation),10} {"grad norm",11} {"q (pre)",11} {"q theory",11}"
            + (grad ? $" {"|dL/dh|",11} {"theory",11}" : ""));
        foreach (var s in stats)
        {
            string dead = s.IsOutput || double.IsNaN(s.DeadOrSaturated) ? "-" : (s.DeadOrSaturated * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
            o.Out.WriteLine($"{(s.IsOutput ? "out" : s.Layer.ToString(CultureInfo.InvariantCulture)),5} {s.Units,6} {Num(s.Mean),11} {Num(s.Std),11} {dead,10} {Num(s.WeightGradNorm),11} {Num(s.PreActivationSquare),11} {(theory is null ? "-" : Num(theory[s.Layer - 1])),11}"
                + (grad ? $" {Num(s.PreActivationGradNorm),11} {(gradTheory is null ? "-" : Num(gradTheory[s.Layer - 1])),11}" : ""));
        }
        o.Out.WriteLine();
    }

    private static void PrintComparison(Output o, string activation, List<(string Name, IReadOnlyList<LayerStats> Stats)> results)
    {
        o.Out.WriteLine($"activation std per layer ({DeadOrSaturatedLabel.Heading(activation)} fraction in brackets):");
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
