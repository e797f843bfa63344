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

    /// <summary>Mean final test accuracy per init as bars with ±1 standard deviation error bars.</summary>
    public static void Accuracy(string path, SweepGroup group, IReadOnlyList<string> inits)
    {
        using var plot = new Plot();
        var cells = group.Cells.Where(c => !c.Invalid).ToList();
        var bars = cells.Select((c, i) => new Bar
        {
            Position = i,
            Value = 100 * c.FinalAccuracy.Mean,
            Error = 100 * c.FinalAccuracy.Std,
            FillColor = ColorFor(IndexOf(inits, c.Init)),
        }).ToList();
        plot.Add.Bars(bars);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < cells.Count; i++) ticks.AddMajor(i, cells[i].Init);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 90;
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsY(0, 105);
        plot.Title($"Final test accuracy: {group.Title} (mean ± std over seeds)");
        plot.XLabel("initialization");
        plot.YLabel("test accuracy (%)");
        foreach (var c in cells)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = c.Init, FillColor = ColorFor(IndexOf(inits, c.Init)) });
        plot.ShowLegend(Edge.Right);
        Save(plot, path, 1000, 520);
    }

    /// <summary>Mean training cost per epoch (log axis), one line per init.</summary>
    public static void Cost(string path, SweepGroup group, IReadOnlyList<string> inits)
    {
        using var plot = new Plot();
        foreach (var c in group.Cells.Where(c => !c.Invalid))
        {
            double[] ys = c.CurveMean(m => m.TrainCost).Select(v => Math.Log10(Math.Max(v, 1e-12))).ToArray();
            Line(plot, ys, c.Init, IndexOf(inits, c.Init));
        }
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString(y >= 0 ? "0" : "0.##########", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.Left.TickGenerator = ticks;
        plot.Title($"Training cost per epoch: {group.Title} (mean over seeds)");
        plot.XLabel("epoch");
        plot.YLabel("train cost (cross-entropy, log scale)");
        plot.ShowLegend(Edge.Right);
        Save(plot, path, 1000, 520);
    }

    /// <summary>Mean test accuracy after each epoch, one line per init.</summary>
    public static void TestAccuracy(string path, SweepGroup group, IReadOnlyList<string> inits)
    {
        using var plot = new Plot();
        foreach (var c in group.Cells.Where(c => !c.Invalid))
            Line(plot, c.CurveMean(m => 100 * m.TestAccuracy), c.Init, IndexOf(inits, c.Init));
        plot.Title($"Test accuracy per epoch: {group.Title} (mean over seeds)");
        plot.XLabel("epoch");
        plot.YLabel("test accuracy (%)");
        plot.ShowLegend(Edge.Right);
        Save(plot, path, 1000, 520);
    }

    private static void Line(Plot plot, double[] ys, string name, int index)
    {
        double[] xs = Enumerable.Range(1, ys.Length).Select(e => (double)e).ToArray();
        var line = plot.Add.Scatter(xs, ys, ColorFor(index));
        line.LegendText = name;
        line.LineWidth = 2;
        line.MarkerSize = 4;
        line.LinePattern = PatternFor(index);
    }

    public static int IndexOf(IReadOnlyList<string> inits, string init) => Math.Max(0, inits.ToList().IndexOf(init));

    private static void Save(Plot plot, string path, int width, int height)
    {
        AtomicFile.Replace(path, tmp => plot.SavePng(tmp, width, height));
        AtomicFile.Replace(Path.ChangeExtension(path, ".svg"), tmp => plot.SaveSvg(tmp, width, height));
    }
}
