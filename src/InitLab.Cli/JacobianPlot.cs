using System.Globalization;
using InitLab.Diagnostics;
using InitLab.Io;
using ScottPlot;

namespace InitLab.Cli;

/// <summary>
/// The Jacobian's singular values as one histogram per initializer over a shared log10 σ axis,
/// with σ = 1 (isometry) dashed and mean-field theory's root-mean-square σ as a solid line.
/// </summary>
internal static class JacobianPlot
{
    private const int Bins = 60;

    public static void Save(string path, string title, IReadOnlyList<(string Name, JacobianSpectrum Spectrum)> series)
    {
        // Below n·ε·σmax (n the Jacobian's size) a computed singular value is rounding noise of
        // the double product, not the network: such values (and exact zeros, from dead ReLU units)
        // are counted in the lowest bin, whose left edge is that floor.
        var floors = series.Select(s => Math.Log10(Floor(s.Spectrum))).ToList();
        var all = series.SelectMany((s, k) => s.Spectrum.SingularValues.Where(v => v > 0).Select(v => Math.Max(Math.Log10(v), floors[k]))).ToList();
        double low = Math.Floor(Math.Min(all.DefaultIfEmpty(-1).Min(), -0.5)), high = Math.Ceiling(Math.Max(all.DefaultIfEmpty(1).Max(), 0.5));
        double width = (high - low) / Bins;
        var panels = new List<Plot>();
        try
        {
            for (int k = 0; k < series.Count; k++)
            {
                var (name, spectrum) = series[k];
                var counts = new double[Bins];
                foreach (double v in spectrum.SingularValues)
                    counts[Math.Clamp((int)((Math.Max(v > 0 ? Math.Log10(v) : double.NegativeInfinity, floors[k]) - low) / width), 0, Bins - 1)]++;
                var plot = new Plot();
                var color = ReportCharts.ColorFor(k);
                plot.Add.Bars(counts.Select((c, i) => new Bar
                {
                    Position = low + (i + 0.5) * width, Value = 100 * c / spectrum.SingularValues.Count, Size = width * 0.95,
                    FillColor = color, LineWidth = 0,
                }).ToList());
                var floor = plot.Add.VerticalLine(floors[k], 1.5f, Colors.Gray, LinePattern.Dotted);
                floor.LegendText = "floor n·ε·σmax (values below counted here)";
                var one = plot.Add.VerticalLine(0, 1.5f, Colors.Black, LinePattern.Dashed);
                one.LegendText = "σ = 1 (isometry)";
                if (spectrum.PredictedMeanSquare is { } ms && ms > 0)
                {
                    var rms = plot.Add.VerticalLine(0.5 * Math.Log10(ms), 2, Colors.Red);
                    rms.LegendText = $"theory: rms σ = {Num(Math.Sqrt(ms))}";
                }
                var measured = plot.Add.VerticalLine(0.5 * Math.Log10(spectrum.MeanSquare), 2, Colors.Red, LinePattern.Dotted);
                measured.LegendText = $"measured: rms σ = {Num(Math.Sqrt(spectrum.MeanSquare))}";
                var q = spectrum.Percentiles();
                plot.Title($"{name}: median σ {Num(q.Median)}, 90% within [{Num(q.P5)}, {Num(q.P95)}]", size: 13);
                plot.YLabel("% of σ");
                plot.Axes.SetLimitsX(low, high);
                plot.Axes.Margins(bottom: 0);
                var ticks = new ScottPlot.TickGenerators.NumericManual();
                double step = new[] { 1.0, 2, 5, 10 }.First(s => (high - low) / s <= 12);
                for (double x = Math.Ceiling(low / step) * step; x <= high + 1e-9; x += step) ticks.AddMajor(x, x == 0 ? "1" : $"1e{x:0}");
                plot.Axes.Bottom.TickGenerator = ticks;
                plot.ShowLegend(Alignment.UpperCenter);
                plot.Legend.FontSize = 11;
                panels.Add(plot);
            }
            panels[0].Title(title + "\n" + panels[0].Axes.Title.Label.Text, size: 13);
            panels[^1].XLabel("singular value σ of the Jacobian (log scale)");
            var figure = new Multiplot(panels[0]);
            foreach (var p in panels.Skip(1)) figure.AddPlot(p);
            figure.Layout = new ScottPlot.MultiplotLayouts.Rows();
            AtomicFile.Replace(path, tmp => figure.SavePng(tmp, 900, 80 + 260 * panels.Count));
        }
        finally
        {
            foreach (var p in panels) p.Dispose();
        }
    }

    /// <summary>n·ε·σmax: below it a singular value of the computed n×n product is rounding noise.</summary>
    internal static double Floor(JacobianSpectrum s) =>
        Math.Max(s.SingularValues.Max() * (s.SingularValues.Count / s.Samples) * Math.ScaleB(1.0, -52), double.Epsilon);

    internal static string Num(double v) => v == 0 ? "0" : v >= 0.01 && v < 1000 ? v.ToString("0.###", CultureInfo.InvariantCulture) : v.ToString("0.0e+0", CultureInfo.InvariantCulture);
}
