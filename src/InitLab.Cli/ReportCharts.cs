using InitLab.Io;
using InitLab.Experiments;
using ScottPlot;

namespace InitLab.Cli;

/// <summary>The report's charts, drawn with ScottPlot and saved as PNG and SVG (each via a temporary file).</summary>
internal static class ReportCharts
{
    // Category10, then ten more distinct hues, so a dozen inits or more keep their own colour.
    private static readonly string[] Hex =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#393b79", "#ad494a", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363",
    ];

    public static Color ColorFor(int index) => Color.FromHex(Hex[index % Hex.Length]);

    public static LinePattern PatternFor(int index) => index / Hex.Length % 2 == 0 ? LinePattern.Solid : LinePattern.Dashed;

    /// <summary>
    /// Mean final test accuracy per init as bars with ±1 standard deviation error bars, labelled
    /// under each bar (no legend repeating them); beside them, when the good initializers are too
    /// close to tell apart on a 0–100 axis (<see cref="Zoom"/>), the same means as dots with
    /// error bars on a zoomed axis.
    /// </summary>
    public static void Accuracy(string path, SweepGroup group, IReadOnlyList<string> inits)
    {
        var cells = group.Cells.Where(c => !c.Invalid).ToList();
        using var plot = new Plot();
        plot.Add.Bars(cells.Select((c, i) => new Bar
        {
            Position = i,
            Value = 100 * c.FinalAccuracy.Mean,
            Error = 100 * c.FinalAccuracy.Std,
            FillColor = ColorFor(IndexOf(inits, c.Init)),
        }).ToList());
        NameAxis(plot, cells.Select(c => c.Init).ToList());
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsY(0, 105);
        plot.Title($"Final test accuracy: {group.Title} (mean ± std over seeds)", 13);
        plot.YLabel("test accuracy (%)");

        var zoom = Zoom(cells.Select(c => (100 * c.FinalAccuracy.Mean, 100 * c.FinalAccuracy.Std)).ToList());
        if (zoom is null)
        {
            Save(plot, path, 1000, 520);
            return;
        }
        using var close = new Plot();
        var good = zoom.Value.Members.Select(i => cells[i]).ToList();
        for (int i = 0; i < good.Count; i++)
        {
            var c = good[i];
            var color = ColorFor(IndexOf(inits, c.Init));
            var bar = close.Add.ErrorBar([i], [100 * c.FinalAccuracy.Mean], [100 * c.FinalAccuracy.Std]);
            bar.Color = color;
            bar.LineWidth = 2;
            close.Add.Marker(i, 100 * c.FinalAccuracy.Mean, MarkerShape.FilledCircle, 10, color);
        }
        NameAxis(close, good.Select(c => c.Init).ToList());
        close.Axes.SetLimitsY(zoom.Value.Low, zoom.Value.High);
        close.Axes.SetLimitsX(-0.6, good.Count - 0.4);
        close.Title($"Zoomed: the initializers within {Close:0} points of the best", 13);
        close.YLabel("test accuracy (%), zoomed axis");
        var figure = new Multiplot(plot);
        figure.AddPlot(close);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        AtomicFile.Replace(path, tmp => figure.SavePng(tmp, 1200, 520));
        // ScottPlot writes SVG per plot, not per figure: the two panels get an SVG each.
        AtomicFile.Replace(Path.ChangeExtension(path, ".svg"), tmp => plot.SaveSvg(tmp, 600, 520));
        AtomicFile.Replace(Path.ChangeExtension(path, null) + "-zoom.svg", tmp => close.SaveSvg(tmp, 600, 520));
    }

    /// <summary>Initializers within this many accuracy points of the best are "good".</summary>
    public const double Close = 5;

    /// <summary>
    /// The good initializers (mean within <see cref="Close"/> points of the best) and a y range
    /// that shows their means ± std with a margin, when there are at least two of them and their
    /// error bars span less than 10 points (on a 0–100 axis they would look equal); otherwise
    /// null. Accuracies in percent.
    /// </summary>
    public static (IReadOnlyList<int> Members, double Low, double High)? Zoom(IReadOnlyList<(double Mean, double Std)> accuracies)
    {
        if (accuracies.Count < 2) return null;
        double best = accuracies.Max(a => a.Mean);
        var members = Enumerable.Range(0, accuracies.Count).Where(i => accuracies[i].Mean >= best - Close).ToList();
        if (members.Count < 2) return null;
        double low = members.Min(i => accuracies[i].Mean - accuracies[i].Std), high = members.Max(i => accuracies[i].Mean + accuracies[i].Std);
        if (high - low >= 10) return null;
        double pad = Math.Max(0.15 * (high - low), 0.05);
        return (members, low - pad, Math.Min(100, high + pad));
    }

    /// <summary>Names under the positions 0..n-1, turned 30° when there are several, without tick marks running into them.</summary>
    internal static void NameAxis(Plot plot, IReadOnlyList<string> names)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < names.Count; i++) ticks.AddMajor(i, names[i]);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.MinorTickStyle.Length = 0;
        if (names.Count > 3 || names.Any(n => n.Length > 14))
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperRight;
            plot.Axes.Bottom.MinimumSize = 40 + 6 * names.Max(n => n.Length);
        }
        plot.XLabel("initialization (as typed)");
        plot.HideLegend();
    }

    /// <summary>Mean training cost per epoch (log axis with several labelled ticks), one line per init, whole-epoch ticks.</summary>
    public static void Cost(string path, SweepGroup group, IReadOnlyList<string> inits)
    {
        using var plot = new Plot();
        var cells = group.Cells.Where(c => !c.Invalid).ToList();
        var costs = cells.Select(c => c.CurveMean(m => m.TrainCost)).ToList();
        var rows = new LogRows(costs.SelectMany(c => c));
        Lines(plot, cells.Select(c => c.Init).ToList(), costs.Select(c => c.Select(rows.Y).ToArray()).ToList(), inits);
        ChartTicks.Apply(plot.Axes.Left, rows.Ticks);
        plot.Axes.SetLimitsY(rows.Bottom, rows.Top);
        plot.Title($"Training cost per epoch: {group.Title} (mean over seeds)", 13);
        plot.YLabel("train cost (cross-entropy, log scale)");
        Save(plot, path, 1000, 520);
    }

    /// <summary>Mean test accuracy after each epoch, one line per init, whole-epoch ticks.</summary>
    public static void TestAccuracy(string path, SweepGroup group, IReadOnlyList<string> inits)
    {
        using var plot = new Plot();
        var cells = group.Cells.Where(c => !c.Invalid).ToList();
        Lines(plot, cells.Select(c => c.Init).ToList(), cells.Select(c => c.CurveMean(m => 100 * m.TestAccuracy)).ToList(), inits);
        plot.Title($"Test accuracy per epoch: {group.Title} (mean over seeds)", 13);
        plot.YLabel("test accuracy (%)");
        Save(plot, path, 1000, 520);
    }

    /// <summary>One line per init against whole epochs; coinciding curves are set a little apart (<see cref="StdPlot.Dodge"/>), each with its own marker.</summary>
    private static void Lines(Plot plot, IReadOnlyList<string> names, IReadOnlyList<double[]> ys, IReadOnlyList<string> inits)
    {
        int epochs = ys.Select(y => y.Length).DefaultIfEmpty(1).Max();
        var offsets = StdPlot.Dodge(ys.Select(y => (IReadOnlyList<double>)y).ToList(), Math.Min(0.12, 0.012 * epochs));
        for (int k = 0; k < names.Count; k++)
        {
            int style = IndexOf(inits, names[k]);
            var line = plot.Add.Scatter(Enumerable.Range(1, ys[k].Length).Select(e => e + offsets[k]).ToArray(), ys[k], ColorFor(style));
            line.LegendText = names[k];
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.MarkerShape = StdPlot.ShapeFor(style);
            line.LinePattern = PatternFor(style);
        }
        ChartTicks.Apply(plot.Axes.Bottom, ChartTicks.Epochs(epochs));
        plot.Axes.SetLimitsX(epochs <= 5 ? 0.8 : 0.5, epochs + (epochs <= 5 ? 0.2 : 0.5));
        plot.XLabel("epoch");
        plot.ShowLegend(Edge.Right);
    }

    public static int IndexOf(IReadOnlyList<string> inits, string init) => Math.Max(0, inits.ToList().IndexOf(init));

    private static void Save(Plot plot, string path, int width, int height)
    {
        AtomicFile.Replace(path, tmp => plot.SavePng(tmp, width, height));
        AtomicFile.Replace(Path.ChangeExtension(path, ".svg"), tmp => plot.SaveSvg(tmp, width, height));
    }
}
