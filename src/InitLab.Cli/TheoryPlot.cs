using System.Globalization;
using InitLab.Io;
using InitLab.Theory;
using ScottPlot;

namespace InitLab.Cli;

/// <summary>
/// The (σw², σb²) phase diagram: a heat map of log10 ξ_c (how many layers two inputs'
/// correlation survives), contours at 3, 10, 30 and 100 layers, the critical line χ₁ = 1
/// between the ordered (left) and chaotic (right) phases, and the point asked about.
/// </summary>
internal static class TheoryPlot
{
    // ξ_c diverges on the critical line; the colour scale stops at 10³ layers so the rest of the
    // plane keeps its contrast.
    private const double Cap = 3;

    /// <summary>Draws <paramref name="diagram"/> into a PNG at <paramref name="path"/>, marking <paramref name="point"/>.</summary>
    /// <param name="path">The PNG to write (atomically).</param>
    /// <param name="diagram">The sampled plane.</param>
    /// <param name="point">The (σw², σb²) the command was asked about.</param>
    public static void Save(string path, PhaseDiagram diagram, MeanFieldSummary point)
    {
        double[] x = diagram.WeightVariances, y = diagram.BiasVariances;
        int rows = y.Length, cols = x.Length;
        // Heatmap row 0 is drawn at the top, so the σb² rows go in descending order.
        var z = new double[rows, cols];
        var grid = new Coordinates3d[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                double xi = diagram.DepthScaleC[r, c];
                double v = double.IsFinite(xi) && xi > 0 ? Math.Min(Cap, Math.Log10(xi)) : Cap;
                z[rows - 1 - r, c] = v;
                // The contours run on ξ_c itself, so that their labels read in layers.
                grid[r, c] = new Coordinates3d(x[c], y[r], Math.Pow(10, v));
            }
        var plot = new Plot();
        double dx = (x[^1] - x[0]) / (cols - 1) / 2, dy = (y[^1] - y[0]) / (rows - 1) / 2;
        var heat = plot.Add.Heatmap(z);
        heat.Colormap = new ScottPlot.Colormaps.Viridis();
        heat.Rectangle = new CoordinateRect(x[0] - dx, x[^1] + dx, y[0] - dy, y[^1] + dy);
        heat.ManualRange = new ScottPlot.Range(0, Cap);
        var bar = plot.Add.ColorBar(heat);
        bar.Label = "log10 ξ_c (layers)";

        var contours = new ScottPlot.Plottables.ContourLines { ContourLineLevels = [3, 10, 30, 100] };
        contours.Update(grid);
        contours.LineColor = Colors.White.WithAlpha(0.7);
        plot.Add.Plottable(contours);

        var line = Enumerable.Range(0, rows).Where(r => double.IsFinite(diagram.CriticalWeightVariances[r])).ToArray();
        var critical = plot.Add.Scatter(line.Select(r => diagram.CriticalWeightVariances[r]).ToArray(), line.Select(r => y[r]).ToArray(), Colors.Red);
        critical.LineWidth = 3;
        critical.MarkerSize = 0;
        critical.LegendText = "critical line χ₁ = 1";
        var here = plot.Add.Marker(point.WeightVariance, point.BiasVariance, MarkerShape.FilledCircle, 10, Colors.Orange);
        here.LegendText = $"σw² = {F(point.WeightVariance)}, σb² = {F(point.BiasVariance)}: {point.Phase.ToString().ToLowerInvariant()}";

        plot.Axes.SetLimits(x[0] - dx, x[^1] + dx, y[0] - dy, y[^1] + dy);
        plot.Title($"{diagram.Activation}: ordered (left) and chaotic (right) phases; contours at ξ_c = 3, 10, 30, 100 layers");
        plot.XLabel("σw² (weight variance × fan_in)");
        plot.YLabel("σb² (bias variance)");
        plot.ShowLegend(Alignment.UpperLeft);
        AtomicFile.Replace(path, tmp => plot.SavePng(tmp, 900, 650));
    }

    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
