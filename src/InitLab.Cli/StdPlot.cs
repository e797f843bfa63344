using InitLab.Diagnostics;
using ScottPlot;

namespace InitLab.Cli;

/// <summary>
/// Draws, per layer and per initialization, the activation standard deviation on a log axis
/// and, below it, the share of dead (ReLU) or saturated (tanh, sigmoid) units.
/// </summary>
public static class StdPlot
{
    /// <param name="styleIndex">
    /// The colour and line style of each series as an index into <see cref="ReportCharts.ColorFor"/>
    /// (the report passes each initializer's place in the sweep, so that it has one colour on every
    /// chart); by default the series' position.
    /// </param>
    public static void Save(string path, string title, string deadLabel, IReadOnlyList<(string Name, IReadOnlyList<LayerStats> Stats)> series,
        IReadOnlyList<int>? styleIndex = null)
    {
        int Style(int k) => styleIndex?[k] ?? k;
        // log10 of every finite, positive std; a std of exactly 0 (a network whose units ignore
        // the input) goes on a line of its own below the lowest value, labelled "0".
        var logs = series.SelectMany(s => s.Stats).Where(s => s.Std > 0 && double.IsFinite(s.Std)).Select(s => Math.Log10(s.Std)).ToList();
        double top = logs.Count > 0 ? Math.Ceiling(logs.Max()) : 1, low = logs.Count > 0 ? Math.Floor(logs.Min()) : -1;
        double step = new[] { 1.0, 2, 5, 10, 20, 50 }.First(s => (top - low) / s <= 8);
        double zeroLine = Math.Floor(low / step) * step - step;

        var plot = new Plot();
        for (int k = 0; k < series.Count; k++)
        {
            var (name, stats) = series[k];
            double[] xs = stats.Select(s => (double)s.Layer).ToArray();
            double[] ys = stats.Select(s => s.Std > 0 && double.IsFinite(s.Std) ? Math.Log10(s.Std) : s.Std == 0 ? zeroLine : top).ToArray();
            var line = plot.Add.Scatter(xs, ys, ReportCharts.ColorFor(Style(k)));
            line.LegendText = name;
            line.LineWidth = 2;
            line.MarkerSize = 5;
            line.LinePattern = ReportCharts.PatternFor(Style(k));
        }
        // Layers are whole numbers: one tick per layer (every few for deep networks), the same
        // x range in both panels.
        int layers = series.SelectMany(x => x.Stats).Select(x => x.Layer).DefaultIfEmpty(1).Max();
        int every = Math.Max(1, (int)Math.Ceiling(layers / 16.0));
        ScottPlot.TickGenerators.NumericManual LayerTicks()
        {
            var t = new ScottPlot.TickGenerators.NumericManual();
            for (int l = 1; l <= layers; l++)
                if ((l - 1) % every == 0 || l == layers) t.AddMajor(l, l.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return t;
        }
        plot.Axes.Bottom.TickGenerator = LayerTicks();
        plot.Axes.SetLimitsX(0.5, layers + 0.5);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        ticks.AddMajor(zeroLine, "0");
        for (double y = Math.Floor(low / step) * step; y <= top + 1e-9; y += step) ticks.AddMajor(y, $"1e{y:0}");
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimitsY(zeroLine - step / 2, top + step / 2);
        plot.Title(title);
        plot.XLabel("layer (the last is the output logits)");
        plot.YLabel("activation std (log scale)");
        plot.ShowLegend(Alignment.UpperLeft);

        var dead = new Plot();
        for (int k = 0; k < series.Count; k++)
        {
            var hidden = series[k].Stats.Where(s => !s.IsOutput && double.IsFinite(s.DeadOrSaturated)).ToArray();
            var line = dead.Add.Scatter(hidden.Select(s => (double)s.Layer).ToArray(), hidden.Select(s => 100 * s.DeadOrSaturated).ToArray(), ReportCharts.ColorFor(Style(k)));
            line.LineWidth = 2;
            line.LinePattern = ReportCharts.PatternFor(Style(k));
            line.MarkerSize = 4;
        }
        dead.Axes.SetLimitsY(-5, 105);
        dead.Axes.SetLimitsX(0.5, layers + 0.5);
        dead.Axes.Bottom.TickGenerator = LayerTicks();
        dead.XLabel("layer");
        dead.YLabel($"{deadLabel} units (%)");

        var figure = new Multiplot(plot);
        figure.AddPlot(dead);
        figure.Layout = new ScottPlot.MultiplotLayouts.Rows();
        string tmp = path + $".{Environment.ProcessId}.tmp.png";
        try
        {
            figure.SavePng(tmp, 900, 900);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
