using InitLab.Io;
using System.Globalization;
using InitLab.Diagnostics;
using ScottPlot;

namespace InitLab.Cli;

/// <summary>
/// Draws, per layer and per initialization, three panels: the activation standard deviation on a
/// log axis; the share of dead (ReLU) or saturated (tanh, sigmoid) units; and the gradient norm
/// of each layer's weights after one backward pass, on a log axis (vanishing and exploding
/// gradients show as lines falling or rising with depth). Each panel has its own title and
/// legend. A shallow network (up to <see cref="MaxLayersForBars"/> layers) gets grouped bars
/// instead of lines, which would be one or two dots; lines that coincide are set a little apart
/// (<see cref="Dodge"/>) and every series has its own marker shape, so none hides another.
/// </summary>
internal static class StdPlot
{
    /// <summary>Networks with at most this many Linear layers are drawn as grouped bars.</summary>
    public const int MaxLayersForBars = 4;

    private static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
         MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenDiamond];

    /// <summary>The marker of series <paramref name="style"/>: 8 shapes cycling beside the 20 colours, so no two of the first 40 series share colour and shape.</summary>
    public static MarkerShape ShapeFor(int style) => Shapes[style % Shapes.Length];

    private sealed record Series(string Name, int Style, IReadOnlyList<(int Layer, double Value)> Points);

    /// <param name="context">The network, e.g. "784-128-10 relu, batch 256": every panel's title ends with it.</param>
    /// <param name="styleIndex">
    /// The colour and marker of each series as an index into <see cref="ReportCharts.ColorFor"/>
    /// (the report passes each initializer's place in the sweep, so that it has one colour on every
    /// chart); by default the series' position.
    /// </param>
    /// <param name="predicted">
    /// Mean-field theory's q(l) per series (null entries: no prediction); when given and the stats
    /// carry pre-activations, a fourth panel shows the measured q(l) as points and the prediction
    /// as a line in the same colour.
    /// </param>
    /// <param name="footnote">A line under the last panel (e.g. which canonical initializer a typed alias is), or null.</param>
    /// <param name="predictedGrad">
    /// Theory's back-propagated |dL/dh(l)| per series (from a float64 probe); when given and the
    /// stats carry it, a last panel shows it measured (points) and predicted (lines).
    /// </param>
    /// <param name="spreads">Per series, the replicas (other seeds and batches) whose min..max per layer is drawn as a band behind the std and gradient lines, or null.</param>
    public static void Save(string path, string context, string deadLabel, IReadOnlyList<(string Name, IReadOnlyList<LayerStats> Stats)> series,
        IReadOnlyList<int>? styleIndex = null, IReadOnlyList<IReadOnlyList<double>?>? predicted = null, string? footnote = null,
        IReadOnlyList<IReadOnlyList<double>?>? predictedGrad = null, IReadOnlyList<IReadOnlyList<IReadOnlyList<LayerStats>>?>? spreads = null)
    {
        var panels = Panels(context, deadLabel, series, styleIndex, predicted, footnote, predictedGrad, spreads);
        try
        {
            var figure = new Multiplot(panels[0]);
            foreach (var p in panels.Skip(1)) figure.AddPlot(p);
            figure.Layout = new ScottPlot.MultiplotLayouts.Rows();
            AtomicFile.Replace(path, tmp => figure.SavePng(tmp, 1000, 400 * panels.Count));
        }
        finally
        {
            foreach (var p in panels) p.Dispose();
        }
    }

    /// <summary>The figure's panels, top to bottom (the caller disposes them); the parameters as for <see cref="Save"/>.</summary>
    internal static List<Plot> Panels(string context, string deadLabel, IReadOnlyList<(string Name, IReadOnlyList<LayerStats> Stats)> series,
        IReadOnlyList<int>? styleIndex = null, IReadOnlyList<IReadOnlyList<double>?>? predicted = null, string? footnote = null,
        IReadOnlyList<IReadOnlyList<double>?>? predictedGrad = null, IReadOnlyList<IReadOnlyList<IReadOnlyList<LayerStats>>?>? spreads = null)
    {
        int layers = series.SelectMany(x => x.Stats).Select(x => x.Layer).DefaultIfEmpty(1).Max();
        bool bars = layers <= MaxLayersForBars;
        int[] styles = styleIndex?.ToArray() ?? [.. Enumerable.Range(0, series.Count)];
        List<Series> Of(Func<LayerStats, bool> keep, Func<LayerStats, double> value) =>
            [.. series.Select((s, k) => new Series(s.Name, styles[k], [.. s.Stats.Where(keep).Select(x => (x.Layer, value(x)))]))];

        // Behind each line, the min..max over the series' replicas (inspect --seeds), when there are any.
        List<(int Style, IReadOnlyList<(int Layer, double Min, double Max)> Band)>? Bands(Func<LayerStats, double> value) =>
            spreads is null || bars ? null :
            [.. spreads.Select((r, k) => (Style: styles[k], Replicas: r)).Where(x => x.Replicas is not null)
                .Select(x => (x.Style, ProbeSpread.Of(x.Replicas!, value)))];
        var std = LogPanel(Of(_ => true, s => s.Std), bars, layers, Bands(s => s.Std));
        std.Title($"Activation std per layer: {context}", 13);
        std.XLabel("layer (out: the output logits)");
        std.YLabel("activation std (log scale)");

        var dead = new Plot();
        Draw(dead, Of(s => !s.IsOutput && double.IsFinite(s.DeadOrSaturated), s => 100 * s.DeadOrSaturated), bars, v => v, 0,
            v => $"{v.ToString("0", CultureInfo.InvariantCulture)}%");
        LayerAxis(dead, layers, bars, hiddenOnly: true);
        dead.Axes.SetLimitsY(bars ? 0 : -5, bars ? 112 : 105);
        dead.Title($"{char.ToUpperInvariant(deadLabel[0])}{deadLabel[1..]} units per hidden layer: {context}", 13);
        dead.XLabel("hidden layer");
        dead.YLabel($"{deadLabel} units (%)");

        var grad = LogPanel(Of(_ => true, s => s.WeightGradNorm), bars, layers, Bands(s => s.WeightGradNorm));
        grad.Title($"Weight gradient norm per layer: {context}", 13);
        grad.XLabel("layer (one backward pass of the cross-entropy)");
        grad.YLabel("weight gradient norm (log scale)");

        var panels = new List<Plot> { std, dead, grad };
        if (predicted is not null && series.Any(s => s.Stats.Any(x => double.IsFinite(x.PreActivationSquare))))
        {
            var pre = MeasuredAndPredicted(series, styles, predicted, s => s.PreActivationSquare,
                "layer: circles measured, lines mean-field theory", "pre-activation mean square q(l) (log)");
            LayerAxis(pre, layers, bars: false);
            pre.Title($"Pre-activation mean square q(l), measured and mean-field theory: {context}", 13);
            panels.Add(pre);
        }
        if (predictedGrad is not null && series.Any(s => s.Stats.Any(x => double.IsFinite(x.PreActivationGradNorm))))
        {
            var back = MeasuredAndPredicted(series, styles, predictedGrad, s => s.PreActivationGradNorm,
                "layer: circles measured (float64), lines theory (χ per layer from the logits down)", "back-propagated |dL/dh(l)| (log)");
            LayerAxis(back, layers, bars: false);
            back.Title($"Back-propagated gradient per layer, measured and theory: {context}", 13);
            panels.Add(back);
        }
        if (footnote is not null) panels[^1].XLabel(panels[^1].Axes.Bottom.Label.Text + "\n" + footnote);
        return panels;
    }

    /// <summary>Layers are whole numbers: one tick per layer (every few for deep networks), the last one "out" where the logits are.</summary>
    /// <param name="hiddenOnly">The panel shows the hidden layers only (dead units): the axis ends before the output layer.</param>
    private static void LayerAxis(Plot p, int layers, bool bars, bool hiddenOnly = false)
    {
        int last = hiddenOnly ? Math.Max(1, layers - 1) : layers;
        int every = Math.Max(1, (int)Math.Ceiling(last / 16.0));
        var t = new ScottPlot.TickGenerators.NumericManual();
        for (int l = 1; l <= last; l++)
            if ((l - 1) % every == 0 || l == last) t.AddMajor(l, l == layers ? "out" : l.ToString(CultureInfo.InvariantCulture));
        p.Axes.Bottom.TickGenerator = t;
        // A bar group is 0.8 layers wide; lines keep half a layer of room at each end.
        p.Axes.SetLimitsX(0.5, last + 0.5);
        if (bars) p.Axes.Bottom.MajorTickStyle.Length = 0;
    }

    /// <summary>One series per initializer of log10(value) per layer, with the "0" and "inf/NaN" rows of <see cref="LogRows"/> and their axis breaks.</summary>
    /// <param name="bands">Per series style, a translucent min..max band behind its line (layers without a positive finite band skipped), or null.</param>
    private static Plot LogPanel(List<Series> series, bool bars, int layers, List<(int Style, IReadOnlyList<(int Layer, double Min, double Max)> Band)>? bands = null)
    {
        var values = series.SelectMany(s => s.Points).Select(p => p.Value);
        if (bands is not null) values = values.Concat(bands.SelectMany(b => b.Band).Where(b => b.Min > 0 && double.IsFinite(b.Max)).SelectMany(b => new[] { b.Min, b.Max }));
        var rows = new LogRows(values, fromDecade: bars);
        var plot = new Plot();
        foreach (var (style, band) in bands ?? [])
        {
            var keep = band.Where(b => b.Min > 0 && double.IsFinite(b.Max)).ToArray();
            if (keep.Length < 2) continue;
            var fill = plot.Add.FillY(keep.Select(b => (double)b.Layer).ToArray(), keep.Select(b => rows.Y(b.Min)).ToArray(), keep.Select(b => rows.Y(b.Max)).ToArray());
            fill.FillColor = ReportCharts.ColorFor(style).WithAlpha(0.25);
            fill.LineWidth = 0;
        }
        Draw(plot, series, bars, rows.Y, rows.Bottom, label: null);
        foreach (var gap in new[] { rows.ZeroBreak, rows.InfBreak })
            if (gap is { } g) AxisBreak(plot, g.Low, g.High);
        ChartTicks.Apply(plot.Axes.Left, rows.Ticks);
        LayerAxis(plot, layers, bars);
        plot.Axes.SetLimitsY(rows.Bottom, rows.Top);
        return plot;
    }

    /// <summary>A band across the plot, white with dashed grey edges and "≈" at the axis: the scale does not continue through it.</summary>
    private static void AxisBreak(Plot plot, double low, double high)
    {
        var band = plot.Add.VerticalSpan(low, high);
        band.FillColor = Colors.White;
        band.LineStyle.Color = Colors.Gray;
        band.LineStyle.Pattern = LinePattern.Dashed;
        band.LineStyle.Width = 1;
        var mark = plot.Add.Text("≈ axis break", 0.52, (low + high) / 2);
        mark.LabelFontSize = 10;
        mark.LabelFontColor = Colors.Gray;
        mark.LabelAlignment = Alignment.MiddleLeft;
    }

    /// <summary>Lines with markers (offset by <see cref="Dodge"/> where series coincide), or grouped bars from <paramref name="barBase"/> for a shallow network; a legend entry per series.</summary>
    /// <param name="label">A bar's value as written above it (the dead-unit shares, where a 0% bar has no height), or null for none.</param>
    private static void Draw(Plot plot, List<Series> series, bool bars, Func<double, double> y, double barBase, Func<double, string>? label)
    {
        if (bars)
        {
            double width = 0.8 / Math.Max(1, series.Count);
            for (int k = 0; k < series.Count; k++)
            {
                var s = series[k];
                var color = ReportCharts.ColorFor(s.Style);
                plot.Add.Bars(s.Points.Select(p => new Bar
                {
                    Position = p.Layer - 0.4 + (k + 0.5) * width,
                    Value = y(p.Value),
                    ValueBase = barBase,
                    Size = width * 0.9,
                    FillColor = color,
                    Label = label?.Invoke(p.Value) ?? "",
                }).ToList());
                // A value at the base (0% dead) still shows as a marker on the baseline.
                var tops = plot.Add.Markers(s.Points.Select(p => p.Layer - 0.4 + (k + 0.5) * width).ToArray(), s.Points.Select(p => y(p.Value)).ToArray(),
                    ShapeFor(s.Style), 7, color);
                tops.LegendText = s.Name;
            }
        }
        else
        {
            // About 1% of the axis apart: a few pixels whatever the depth.
            int layers = series.SelectMany(s => s.Points).Select(p => p.Layer).DefaultIfEmpty(1).Max();
            var offsets = Dodge(series.Select(s => s.Points.Select(p => y(p.Value)).ToList()).ToList(), Math.Max(0.12, 0.012 * layers));
            for (int k = 0; k < series.Count; k++)
            {
                var s = series[k];
                var line = plot.Add.Scatter(s.Points.Select(p => p.Layer + offsets[k]).ToArray(), s.Points.Select(p => y(p.Value)).ToArray(), ReportCharts.ColorFor(s.Style));
                line.LineWidth = 2;
                line.MarkerSize = 6;
                line.MarkerShape = ShapeFor(s.Style);
                line.LinePattern = ReportCharts.PatternFor(s.Style);
                line.LegendText = s.Name;
            }
        }
        plot.ShowLegend(Edge.Right);
    }

    /// <summary>
    /// Horizontal offsets (in layers) that keep coinciding series visible: a series whose values
    /// all lie within 5% of the plotted range of an earlier series' is drawn
    /// <paramref name="step"/> further right than the last series it coincides with; series that
    /// differ anywhere stay at 0.
    /// </summary>
    /// <param name="ys">Each series' plotted values, layer by layer.</param>
    /// <param name="step">The offset between two coinciding series.</param>
    public static double[] Dodge(IReadOnlyList<IReadOnlyList<double>> ys, double step)
    {
        var finite = ys.SelectMany(s => s).Where(double.IsFinite).ToList();
        double range = finite.Count > 0 ? Math.Max(finite.Max() - finite.Min(), 1e-12) : 1;
        var offsets = new double[ys.Count];
        var group = Enumerable.Range(0, ys.Count).ToArray();
        for (int k = 1; k < ys.Count; k++)
            for (int j = 0; j < k; j++)
                if (ys[j].Count == ys[k].Count && ys[k].Count > 0 && ys[j].Zip(ys[k]).All(p => Math.Abs(p.First - p.Second) <= 0.05 * range || p.First.Equals(p.Second)))
                {
                    group[k] = group[j];
                    break;
                }
        // Within a group of n coinciding series, offsets -(n-1)/2 .. (n-1)/2 steps, centred on the layer.
        foreach (var members in Enumerable.Range(0, ys.Count).GroupBy(k => group[k]).Where(g => g.Count() > 1))
        {
            var list = members.ToList();
            for (int i = 0; i < list.Count; i++) offsets[list[i]] = (i - (list.Count - 1) / 2.0) * step;
        }
        return offsets;
    }

    /// <summary>A measured per-layer quantity as markers and its prediction as a line per series, log10 axis; values at or below 0 left out.</summary>
    private static Plot MeasuredAndPredicted(IReadOnlyList<(string Name, IReadOnlyList<LayerStats> Stats)> series, int[] styles,
        IReadOnlyList<IReadOnlyList<double>?> predicted, Func<LayerStats, double> value, string xLabel, string yLabel)
    {
        var plot = new Plot();
        var all = new List<double>();
        for (int k = 0; k < series.Count; k++)
        {
            var measured = series[k].Stats.Where(s => value(s) > 0 && double.IsFinite(value(s))).ToArray();
            var points = plot.Add.Scatter(measured.Select(s => (double)s.Layer).ToArray(), measured.Select(s => Math.Log10(value(s))).ToArray(),
                ReportCharts.ColorFor(styles[k]));
            points.LineWidth = 0;
            points.MarkerSize = 8;
            points.MarkerShape = MarkerShape.OpenCircle;
            points.LegendText = series[k].Name + " measured";
            all.AddRange(measured.Select(value));
            if (k >= predicted.Count || predicted[k] is not { } q) continue;
            var layers = Enumerable.Range(1, q.Count).Where(l => q[l - 1] > 0 && double.IsFinite(q[l - 1])).ToArray();
            var line = plot.Add.Scatter(layers.Select(l => (double)l).ToArray(), layers.Select(l => Math.Log10(q[l - 1])).ToArray(), ReportCharts.ColorFor(styles[k]));
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = series[k].Name + " theory";
            all.AddRange(layers.Select(l => q[l - 1]));
        }
        if (all.Count > 0)
        {
            var rows = new LogRows(all);
            ChartTicks.Apply(plot.Axes.Left, rows.Ticks);
            plot.Axes.SetLimitsY(rows.Bottom, rows.Top);
        }
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
        return plot;
    }
}
