using InitLab.Diagnostics;
using InitLab.Experiments;

namespace InitLab.Cli;

/// <summary>The content of a comparison report: tables and charts, timing and machine last (they differ between otherwise equal sweeps).</summary>
internal static class ReportBuilder
{
    public const string TimingHeading = "Time per run";

    private static string DescribeBias(string bias) =>
        bias == "auto" ? "auto (PyTorch's default, zeros where the weights are zeros, ones or constant)" : bias;

    public static ReportDocument Build(string outDir, SweepResults r)
    {
        var doc = new ReportDocument(outDir);
        var inits = r.Inits;
        var first = r.Runs[0].Config.Train;
        doc.H(1, "InitLab: comparing initializations");
        int seeds = r.Runs.Select(x => x.Config.Seed).Distinct().Count();
        // Normalization and dropout are named only when some run has them, so other reports stay as they were.
        bool arch = r.Groups.Any(g => g.Norm != InitLab.Models.NormKind.None || g.Dropout != 0);
        string combos = arch ? "architecture/activation/normalization/dropout" : "architecture/activation";
        doc.P($"{r.Runs.Count} runs: {inits.Count} initializers × {r.Groups.Count} {combos} combinations × {seeds} seeds. " +
              $"Training as `initlab train`: {first.Optimizer.Name} lr {ReportCommand.F(first.Optimizer.LearningRate, "G")}, batch {first.BatchSize}, {first.Epochs} epochs, biases {DescribeBias(first.Init.Bias.ToString())}; data `{first.Data}`.");

        if (r.Missing.Count > 0)
            doc.P($"Incomplete: {r.Missing.Count} of the grid's {r.GridTotal} runs are missing (listed under Missing runs); each cell averages the seeds found (n).");

        doc.H(2, "Final test accuracy");
        doc.P("Test accuracy (%) after the last epoch, mean ± standard deviation over seeds (n = seeds); the best initializer of each column in bold.");
        doc.Add(AccuracyTable(r));
        if (InitNames.Footnote(inits) is { } names) doc.P(names);
        var skipped = r.Groups.SelectMany(g => g.Cells.Where(c => c.Invalid).Select(c => $"{c.Init} with {g.Title}: {c.Reason}")).ToList();
        if (skipped.Count > 0) doc.P("Skipped (invalid combination): " + string.Join("; ", skipped));

        for (int k = 0; k < r.Groups.Count; k++)
        {
            var g = r.Groups[k];
            string name = ChartName(g);
            string acc = $"accuracy-{name}.png", cost = $"cost-{name}.png", test = $"test-accuracy-{name}.png", layers = $"layers-init-{name}.png";
            ReportCharts.Accuracy(Path.Combine(outDir, acc), g, inits);
            ReportCharts.Cost(Path.Combine(outDir, cost), g, inits);
            ReportCharts.TestAccuracy(Path.Combine(outDir, test), g, inits);
            doc.H(2, $"{g.Title}");
            doc.Img(acc, $"Final test accuracy, {g.Title}");
            doc.H(3, "Learning curves");
            doc.Img(cost, $"Training cost per epoch, {g.Title}");
            doc.Img(test, $"Test accuracy per epoch, {g.Title}");
            doc.H(3, "Signals at initialization");
            string dead = DeadOrSaturatedLabel.Heading(g.Activation);
            doc.P($"Per-layer activation standard deviation on a batch of training images before training (mean over seeds), with the {dead} fraction in brackets; `out` is the logits.");
            doc.Add(LayerTable(g, trained: false, dead));
            var series = g.Cells.Where(c => !c.Invalid).Select(c => (c.Init, c.LayersMean(trained: false))).ToList();
            if (series.Count > 0)
            {
                StdPlot.Save(Path.Combine(outDir, layers), $"{g.Title}, at initialization", dead, series,
                    [.. series.Select(x => ReportCharts.IndexOf(inits, x.Init))], footnote: InitNames.Footnote(series.Select(x => x.Init)));
                doc.Img(layers, $"Activation std per layer at initialization, {g.Title}");
            }
            doc.P("Gradient norm of each layer's weights after one backward pass of the cross-entropy on the same batch, before training (mean over seeds): " +
                  "zero where no learning signal reaches a layer, tiny where it vanishes, huge where it explodes.");
            doc.Add(GradientTable(g));
            doc.H(3, "Signals after training");
            doc.Add(LayerTable(g, trained: true, dead));
        }

        if (r.Missing.Count > 0)
        {
            doc.H(2, "Missing runs");
            doc.P($"{r.Missing.Count} of {r.GridTotal} runs of the grid recorded in the run folders have no finished folder among those reported " +
                  "(a shard's folder left out, or runs not yet trained):");
            var missing = new ReportDocument.Table(["run"], [], []);
            foreach (var id in r.Missing) missing.Rows.Add([id]);
            doc.Add(missing);
        }

        doc.H(2, TimingHeading);
        var time = new ReportDocument.Table(["initializer", "architecture", "activation", .. arch ? new[] { "normalization", "dropout" } : [], "seconds per run (mean ± std)", "runs"], [], []);
        foreach (var g in r.Groups)
            foreach (var c in g.Cells.Where(c => !c.Invalid))
                time.Rows.Add([c.Init, g.Architecture, g.Activation, .. arch ? new[] { InitLab.Models.MlpOptions.NameOf(g.Norm), Experiments.SweepGrid.DropoutText(g.Dropout) } : [],
                    $"{ReportCommand.F(c.Seconds.Mean, "0.0")} ± {ReportCommand.F(c.Seconds.Std, "0.0")}", c.Seconds.Count.ToString()]);
        doc.Add(time);
        doc.P($"Total training time: {ReportCommand.F(r.Runs.Sum(x => x.Result.Seconds) / 60, "0.0")} minutes over {r.Runs.Count} runs.");
        doc.H(2, "Machine");
        foreach (var m in r.Runs.Select(x => x.Result.Machine).Distinct())
            doc.P($"{m.Cores} cores, {m.Cpu}, {m.Os}; InitLab {m.Version}.");
        doc.P($"Threads per run: {string.Join(", ", r.Runs.Select(x => x.Result.Threads).Distinct().Order())}.");
        return doc;
    }

    /// <summary>
    /// The part of a chart's file name that says what it shows: "784-256-256-10-relu" (and
    /// "-batchnorm-p-0.3" for a group with a norm and dropout); a deep
    /// network's repeated widths are written SIZExN ("784-100x30-10-tanh") and anything outside
    /// [a-z0-9.-x] becomes '-', so the name is a plain, short file name.
    /// </summary>
    internal static string ChartName(SweepGroup g)
    {
        // Runs of three or more equal widths as SIZExN; two stay written out (784-256-256-10).
        string architecture = SweepRun.Compact([.. g.Architecture.Split('-').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))], minRun: 3);
        // The title after the architecture: the activation, then the norm and dropout when a grid has them
        // ("relu batchnorm p=0.3"), so groups that differ only there get files of their own.
        string text = (architecture + "-" + g.Title[g.Architecture.Length..].Trim()).ToLowerInvariant();
        return new string([.. text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-')]);
    }

    private static ReportDocument.Table AccuracyTable(SweepResults r)
    {
        var t = new ReportDocument.Table(["initializer", .. r.Groups.Select(g => g.Title)], [], []);
        var inits = r.Inits;
        for (int i = 0; i < inits.Count; i++)
        {
            var row = new string[r.Groups.Count + 1];
            row[0] = inits[i];
            for (int k = 0; k < r.Groups.Count; k++)
            {
                var cell = r.Groups[k].Cells.FirstOrDefault(c => c.Init == inits[i]);
                row[k + 1] = cell is null ? "" : cell.Invalid ? "skipped" : Pm(cell.FinalAccuracy);
                if (cell is not null && ReferenceEquals(cell, r.Groups[k].Best)) t.Bold.Add((i, k + 1));
            }
            t.Rows.Add(row);
        }
        return t;
    }

    /// <summary>Activation std per layer, with the dead or saturated share of hidden layers in brackets.</summary>
    private static ReportDocument.Table LayerTable(SweepGroup g, bool trained, string dead) =>
        PerLayerTable(g, trained, "", s => InspectCommand.Num(s.Std) + (s.IsOutput || !double.IsFinite(s.DeadOrSaturated) ? "" : $" ({ReportCommand.F(100 * s.DeadOrSaturated, "0")}% {dead})"));

    /// <summary>The weights' gradient norm per layer at initialization.</summary>
    private static ReportDocument.Table GradientTable(SweepGroup g) => PerLayerTable(g, trained: false, " (weights)", s => InspectCommand.Num(s.WeightGradNorm));

    /// <summary>One row per valid initializer, one column per layer (`out` for the logits), each cell a figure of the seeds' mean statistics.</summary>
    private static ReportDocument.Table PerLayerTable(SweepGroup g, bool trained, string headerSuffix, Func<LayerStats, string> cell)
    {
        var valid = g.Cells.Where(c => !c.Invalid).ToList();
        var shape = valid.Select(c => c.LayersMean(trained)).FirstOrDefault(l => l.Count > 0) ?? [];
        var t = new ReportDocument.Table(["initializer", .. shape.Select(l => (l.IsOutput ? "out" : $"layer {l.Layer}") + headerSuffix)], [], []);
        foreach (var c in valid)
            t.Rows.Add([c.Init, .. c.LayersMean(trained).Select(cell)]);
        return t;
    }

    private static string Pm(MeanStd m) => $"{ReportCommand.F(100 * m.Mean, "0.00")} ± {ReportCommand.F(100 * m.Std, "0.00")} (n={m.Count})";
}
