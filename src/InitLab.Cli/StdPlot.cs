using InitLab.Io;
using System.Globalization;
using InitLab.Diagnostics;
using ScottPlot;

namespace InitLab.Cli;

/// <summary>
/// Draws, per layer and per initialization, three panels: the activation standard deviation on a
/// log axis; the share of dead (ReLU) or saturated (tanh, sigmoid) units; and the gradient norm
/// of each layer's weights after one backward pass, on a log axis (vanishing and exploding
/// gradients show as lines falling or rising with depth).
/// </summary>
internal static class StdPlot
{
    /// <param name="styleIndex">
    /// The colour and line style of each series as an index into <see cref="ReportCharts.ColorFor"/>
    /// (the report passes each initializer's place in the sweep, so that it has one colour on every
    /// chart); by default the series' position.
    /// </param>
    /// <param name="predicted">
    /// Mean-field theory's q(l) per series (null entries: no prediction); when given and the stats
    /// carry pre-activations, a fourth panel shows the measured q(l) as points and the prediction
    /// as a line in the same colour.
    /// </param>
    public static void Save(string path, string title, string deadLabel, IReadOnlyList<(string Name, IReadOnlyList<LayerStats> Stats)> series,
        IReadOnlyList<int>? styleIndex = null, IReadOnlyList<IReadOnlyList<double>?>? predicted = null,
        IReadOnlyList<IReadOnlyList<double>?>? predictedGrad = null, IReadOnlyList<IReadOnlyList<IReadOnlyList<LayerStats>>?>? spreads = null)
    {
        // Layers are whole numbers: one tick per layer (every few for deep networks), the same
        // x range in every panel.
        int layers = series.SelectMany(x => x.Stats).Select(x => x.Layer).DefaultIfEmpty(1).Max();
        int every = Math.Max(1, (int)Math.Ceiling(layers / 16.0));
        void LayerAxis(Plot p)
        {
            var t = new ScottPlot.TickGenerators.NumericManual();
            for (int l = 1; l <= layers; l++)
                if ((l - 1) % every == 0 || l == layers) t.AddMajor(l, l.ToString(CultureInfo.InvariantCulture));
            p.Axes.Bottom.TickGenerator = t;
            p.Axes.SetLimitsX(0.5, layers + 0.5);
        }
        int[] styles = styleIndex?.ToArray() ?? [.. Enumerable.Range(0, series.Count)];
        using var std = LogPanel(series, styles, s => s.Std, legend: true);
        Bands(std, styles, spreads, s => s.Std);
        LayerAxis(std);
        std.Title(title);
        std.XLabel("layer (the last is the output logits)");
        std.YLabel("activation std (log scale)");
        std.ShowLegend(Alignment.UpperLeft);

        using var dead = new Plot();
        for (int k = 0; k < series.Count; k++)
        {
            var hidden = series[k].Stats.Where(s => !s.IsOutput && double.IsFinite(s.DeadOrSaturated)).ToArray();
            AddLine(dead, styles[k], hidden.Select(s => (double)s.Layer).ToArray(), hidden.Select(s => 100 * s.DeadOrSaturated).ToArray()).MarkerSize = 4;
        }
        dead.Axes.SetLimitsY(-5, 105);
        LayerAxis(dead);
        dead.XLabel("layer");
        dead.YLabel($"{deadLabel} units (%)");

        using var grad = LogPanel(series, styles, s => s.WeightGradNorm, legend: false);
        Bands(grad, styles, spreads, s => s.WeightGradNorm);
        LayerAxis(grad);
        grad.XLabel("layer (one backward pass of the cross-entropy)");
        grad.YLabel("weight gradient norm (log scale)");

        var figure = new Multiplot(std);
        figure.AddPlot(dead);
        figure.AddPlot(grad);
        bool theory = predicted is not null && series.Any(s => s.Stats.Any(x => double.IsFinite(x.PreActivationSquare)));
        using var pre = theory ? TheoryPanel(series, styles, predicted!) : null;
        if (pre is not null)
        {
            LayerAxis(pre);
            figure.AddPlot(pre);
        }
        bool gradTheory = predictedGrad is not null && series.Any(s => s.Stats.Any(x => double.IsFinite(x.PreActivationGradNorm)));
        using var back = gradTheory
            ? MeasuredAndPredicted(series, styles, predictedGrad!, s => s.PreActivationGradNorm,
                "layer: circles measured (float64), lines theory (χ per layer from the logits down)", "back-propagated |dL/dh(l)| (log)", Alignment.LowerRight)
            : null;
        if (back is not null)
        {
            LayerAxis(back);
            figure.AddPlot(back);
        }
        figure.Layout = new ScottPlot.MultiplotLayouts.Rows();
        AtomicFile.Replace(path, tmp => figure.SavePng(tmp, 900, 1200 + (pre is null ? 0 : 400) + (back is null ? 0 : 400)));
    }

    /// <summary>
    /// Behind each series' line, a translucent band from the smallest to the largest value over its
    /// replicas (several seeds and batches), log10; layers where the band has no positive finite value are skipped.
    /// </summary>
    private static void Bands(Plot plot, int[] styles, IReadOnlyList<IReadOnlyList<IReadOnlyList<LayerStats>>?>? spreads, Func<LayerStats, double> value)
    {
        if (spreads is null) return;
        for (int k = 0; k < spreads.Count; k++)
        {
            if (spreads[k] is not { } replicas) continue;
            var band = ProbeSpread.Of(replicas, value).Where(b => b.Min > 0 && double.IsFinite(b.Max)).ToArray();
            if (band.Length < 2) continue;
            var fill = plot.Add.FillY(band.Select(b => (double)b.Layer).ToArray(), band.Select(b => Math.Log10(b.Min)).ToArray(), band.Select(b => Math.Log10(b.Max)).ToArray());
            fill.FillColor = ReportCharts.ColorFor(styles[k]).WithAlpha(0.25);
            fill.LineWidth = 0;
        }
    }

    /// <summary>
    /// One line per series of log10(value) per layer. A value of exactly 0 (no signal at all)
    /// goes on a line of its own below the lowest value, labelled "0"; an infinite or NaN one
    /// (an overflow) on a line above the highest, labelled "inf/NaN".
    /// </summary>
    private static Plot LogPanel(IReadOnlyList<(string Name, IReadOnlyList<LayerStats> Stats)> series, int[] styles, Func<LayerStats, double> value, bool legend)
    {
        var logs = series.SelectMany(s => s.Stats).Select(value).Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).ToList();
        double top = logs.Count > 0 ? Math.Ceiling(logs.Max()) : 1, low = logs.Count > 0 ? Math.Floor(logs.Min()) : -1;
        if (top <= low) top = low + 1;
        double step = new[] { 1.0, 2, 5, 10, 20, 50 }.First(s => (top - low) / s <= 8);
        double zeroLine = Math.Floor(low / step) * step - step;
        bool anyInfinite = series.SelectMany(s => s.Stats).Select(value).Any(v => !double.IsFinite(v));
        double infLine = top + step;

        var plot = new Plot();
        for (int k = 0; k < series.Count; k++)
        {
            var stats = series[k].Stats;
            double[] xs = stats.Select(s => (double)s.Layer).ToArray();
            double[] ys = stats.Select(value).Select(v => v > 0 && double.IsFinite(v) ? Math.Log10(v) : v == 0 ? zeroLine : infLine).ToArray();
            var line = AddLine(plot, styles[k], xs, ys);
            if (legend) line.LegendText = series[k].Name;
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        ticks.AddMajor(zeroLine, "0");
        for (double y = Math.Floor(low / step) * step; y <= top + 1e-9; y += step) ticks.AddMajor(y, $"1e{y:0}");
        if (anyInfinite) ticks.AddMajor(infLine, "inf/NaN");
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimitsY(zeroLine - step / 2, (anyInfinite ? infLine : top) + step / 2);
        return plot;
    }

    /// <summary>Measured q(l) as markers only, theory's q(l) as a line, log10 axis; values at or below 0 left out.</summary>
    private static Plot TheoryPanel(IReadOnlyList<(string Name, IReadOnlyList<LayerStats> Stats)> series, int[] styles, IReadOnlyList<IReadOnlyList<double>?> predicted) =>
        MeasuredAndPredicted(series, styles, predicted, s => s.PreActivationSquare,
            "layer: circles measured, lines mean-field theory", "pre-activation mean square q(l) (log)", Alignment.LowerLeft);

    /// <summary>A measured per-layer quantity as markers and its prediction as a line per series, log10 axis; values at or below 0 left out.</summary>
    private static Plot MeasuredAndPredicted(IReadOnlyList<(string Name, IReadOnlyList<LayerStats> Stats)> series, int[] styles,
        IReadOnlyList<IReadOnlyList<double>?> predicted, Func<LayerStats, double> value, string xLabel, string yLabel, Alignment legend)
    {
        var plot = new Plot();
        var all = new List<double>();
        for (int k = 0; k < series.Count; k++)
        {
            var measured = series[k].Stats.Where(s => value(s) > 0 && double.IsFinite(value(s))).ToArray();
            var points = plot.Add.Scatter(measured.Select(s => (double)s.Layer).ToArray(), measured.Select(s => Math.Log10(value(s))).ToArray(),
                ReportCharts.ColorFor(styles[k]));
            points.LineWidth = 0;
            points.MarkerSize = 7;
            points.MarkerShape = MarkerShape.OpenCircle;
            all.AddRange(measured.Select(s => Math.Log10(value(s))));
            if (k >= predicted.Count || predicted[k] is not { } q) continue;
            var layers = Enumerable.Range(1, q.Count).Where(l => q[l - 1] > 0 && double.IsFinite(q[l - 1])).ToArray();
            var line = plot.Add.Scatter(layers.Select(l => (double)l).ToArray(), layers.Select(l => Math.Log10(q[l - 1])).ToArray(), ReportCharts.ColorFor(styles[k]));
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = series[k].Name + " (theory)";
            all.AddRange(layers.Select(l => Math.Log10(q[l - 1])));
        }
        if (all.Count > 0)
        {
            double low = Math.Floor(all.Min()), top = Math.Ceiling(all.Max());
            if (top <= low) top = low + 1;
            double step = new[] { 1.0, 2, 5, 10, 20, 50 }.First(s => (top - low) / s <= 8);
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (double y = Math.Floor(low / step) * step; y <= top + 1e-9; y += step) ticks.AddMajor(y, $"1e{y:0}");
            plot.Axes.Left.TickGenerator = ticks;
            plot.Axes.SetLimitsY(low - 0.25, top + 0.25);
        }
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        return plot;
    }

    private static ScottPlot.Plottables.Scatter AddLine(Plot plot, int style, double[] xs, double[] ys)
    {
        var line = plot.Add.Scatter(xs, ys, ReportCharts.ColorFor(style));
        line.LineWidth = 2;
        line.MarkerSize = 5;
        line.LinePattern = ReportCharts.PatternFor(style);
        return line;
    }
}
