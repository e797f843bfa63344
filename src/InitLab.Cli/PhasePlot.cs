using System.Globalization;
using System.Text;
using InitLab.Experiments;
using InitLab.Io;
using ScottPlot;

namespace InitLab.Cli;

/// <summary>
/// The trainability phase diagram: one coloured cell per (σw², depth) with its test accuracy
/// written in it, and the theory's 6·ξ_c curve on top (networks deeper than it should not train);
/// and the same numbers as a Markdown table.
/// </summary>
internal static class PhasePlot
{
    /// <summary>Writes <c>phase.png</c> and <c>phase.md</c> into <paramref name="outDir"/>; returns the PNG's path.</summary>
    /// <param name="outDir">The sweep's folder.</param>
    /// <param name="grid">The grid the cells belong to.</param>
    /// <param name="cells">Every cell, with or without an accuracy.</param>
    /// <param name="caption">How the runs were trained, for the title and the table.</param>
    public static string Save(string outDir, PhaseGrid grid, IReadOnlyList<PhaseCell> cells, string caption)
    {
        double[] xs = [.. grid.WeightVariances.Order()];
        int[] ys = [.. grid.Depths.Order()];
        var colormap = new ScottPlot.Colormaps.Viridis();
        var plot = new Plot();
        foreach (var cell in cells)
        {
            var (x0, x1) = Bounds(xs, Array.IndexOf(xs, cell.WeightVariance));
            var (y0, y1) = Bounds(ys.Select(d => (double)d).ToArray(), Array.IndexOf(ys, cell.Depth));
            var r = plot.Add.Rectangle(x0, x1, y0, y1);
            r.LineWidth = 0;
            // Chance (10%) is dark, perfect is bright; a missing run is grey.
            r.FillColor = cell.Accuracy is { } a ? colormap.GetColor(Math.Clamp((a - 0.1) / 0.9, 0, 1)) : Colors.LightGray;
            var t = plot.Add.Text(cell.Accuracy is { } acc ? (100 * acc).ToString("0", CultureInfo.InvariantCulture) : "–", cell.WeightVariance, cell.Depth);
            t.LabelAlignment = Alignment.MiddleCenter;
            t.LabelFontSize = 11;
            t.LabelFontColor = cell.Accuracy is > 0.6 ? Colors.Black : Colors.White;
        }
        double top = Bounds(ys.Select(d => (double)d).ToArray(), ys.Length - 1).Hi;
        double bottom = Bounds(ys.Select(d => (double)d).ToArray(), 0).Lo;
        double left = Bounds(xs, 0).Lo, right = Bounds(xs, xs.Length - 1).Hi;
        // The curve is sampled finely so its spike at the critical σw² shows; clipped above the grid.
        var curveX = Enumerable.Range(0, 121).Select(i => left + (right - left) * i / 120).Where(v => v > 0).ToArray();
        var curveY = curveX.Select(v => Math.Min(grid.TheoryDepth(v), top * 1.5)).ToArray();
        var curve = plot.Add.Scatter(curveX, curveY, Colors.Red);
        curve.LineWidth = 3;
        curve.MarkerSize = 0;
        curve.LegendText = "6·ξ_c (theory: trainable below)";
        plot.Axes.SetLimits(left, right, bottom, top);
        plot.Title($"Test accuracy (%) of {grid.Activation} networks, width {grid.Width}, σb² = {F(grid.BiasVariance)}: {caption}");
        plot.XLabel("σw² (weight variance × fan_in)");
        plot.YLabel("depth (Linear layers)");
        plot.ShowLegend(Alignment.UpperRight);
        string png = Path.Combine(outDir, "phase.png");
        AtomicFile.Replace(png, tmp => plot.SavePng(tmp, 1000, 650));
        File.WriteAllText(Path.Combine(outDir, "phase.md"), Markdown(grid, cells, xs, ys, caption));
        return png;
    }

    private static string Markdown(PhaseGrid grid, IReadOnlyList<PhaseCell> cells, double[] xs, int[] ys, string caption)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Trainability phase diagram: {grid.Activation}, width {grid.Width}, σb² = {F(grid.BiasVariance)}");
        sb.AppendLine();
        sb.AppendLine($"Test accuracy (%) after {caption}; rows: depth (Linear layers), columns: σw². `–`: run missing or invalid.");
        sb.AppendLine();
        sb.AppendLine("| depth | " + string.Join(" | ", xs.Select(F)) + " |");
        sb.AppendLine("|---:|" + string.Concat(xs.Select(_ => "---:|")));
        foreach (int d in ys.Reverse())
            sb.AppendLine($"| {d} | " + string.Join(" | ", xs.Select(x => cells.FirstOrDefault(c => c.Depth == d && c.WeightVariance == x)?.Accuracy is { } a
                ? (100 * a).ToString("0.0", CultureInfo.InvariantCulture) : "–")) + " |");
        sb.AppendLine("| **6·ξ_c** | " + string.Join(" | ", xs.Select(x => grid.TheoryDepth(x) is var t && double.IsFinite(t) ? t.ToString("0", CultureInfo.InvariantCulture) : "∞")) + " |");
        return sb.ToString();
    }

    // A cell spans half-way to its neighbours (the same distance outward at the edges).
    private static (double Lo, double Hi) Bounds(double[] sorted, int i)
    {
        double lo = i > 0 ? (sorted[i - 1] + sorted[i]) / 2 : sorted[i] - (sorted.Length > 1 ? (sorted[1] - sorted[0]) / 2 : 0.5);
        double hi = i < sorted.Length - 1 ? (sorted[i] + sorted[i + 1]) / 2 : sorted[i] + (sorted.Length > 1 ? (sorted[i] - sorted[i - 1]) / 2 : 0.5);
        return (lo, hi);
    }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
