using System.Globalization;
using ScottPlot;

namespace InitLab.Cli;

/// <summary>
/// Tick positions and labels for the charts, computed here (not by ScottPlot's automatic
/// generator) so that a short run gets whole epochs and a log axis always has several labelled
/// ticks: ScottPlot's defaults put 0.95, 1, 1.05 on a 2-epoch axis and one label on a log axis
/// spanning less than a decade.
/// </summary>
internal static class ChartTicks
{
    /// <summary>A tick at <paramref name="Position"/> (on a log axis: log10 of the value); minor ticks without a label have an empty one.</summary>
    public readonly record struct Tick(double Position, string Label, bool Major);

    /// <summary>Whole epochs 1..<paramref name="epochs"/>: every epoch up to 12, else every 2, 5, 10, ... so that at most 12 are labelled (the first and last always are).</summary>
    public static IReadOnlyList<Tick> Epochs(int epochs)
    {
        epochs = Math.Max(1, epochs);
        int step = new[] { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000 }.FirstOrDefault(s => epochs / s <= 12, epochs);
        var ticks = new List<Tick>();
        for (int e = 1; e <= epochs; e++)
            if (e == 1 || e % step == 0 || e == epochs)
                ticks.Add(new Tick(e, e.ToString(CultureInfo.InvariantCulture), true));
        // The last epoch next to a multiple of the step would print two labels on top of each other.
        if (ticks.Count > 2 && ticks[^1].Position - ticks[^2].Position < step / 2.0) ticks.RemoveAt(ticks.Count - 2);
        return ticks;
    }

    /// <summary>
    /// Ticks for a log10 axis showing log10 values from <paramref name="lowLog"/> to
    /// <paramref name="highLog"/>. Decades are labelled (every 2nd, 5th, ... over a wide range);
    /// when fewer than four labelled ticks would fall in the range (it spans less than about four
    /// decades), the minor ticks 2 and 5 — or all of 2..9 — are labelled too.
    /// </summary>
    public static IReadOnlyList<Tick> Log(double lowLog, double highLog)
    {
        if (!(highLog > lowLog)) (lowLog, highLog) = (lowLog - 0.5, lowLog + 0.5);
        int first = (int)Math.Floor(lowLog), last = (int)Math.Ceiling(highLog);
        int step = new[] { 1, 2, 5, 10, 20, 50, 100 }.FirstOrDefault(s => (last - first) / s <= 8, 100);
        const double eps = 1e-9;
        // Plain numbers (0.001 .. 10000) only when the whole axis fits them; else 1e-5, 2e3, ...
        bool plain = first >= -3 && last <= 4;
        bool Inside(double p) => p >= lowLog - eps && p <= highLog + eps;
        foreach (var labelled in new[] { Array.Empty<int>(), [2, 5], [2, 3, 4, 5, 6, 7, 8, 9] })
        {
            var ticks = new List<Tick>();
            for (int d = first; d <= last; d++)
            {
                // Wide ranges label every 2nd, 5th, ... decade, at multiples of the step (1e-5, 1e0, 1e5).
                bool major = d % step == 0;
                if (major) ticks.Add(new Tick(d, Format(d, 1, plain), true));
                if (step > 1 || d == last) continue;
                foreach (int m in new[] { 2, 3, 4, 5, 6, 7, 8, 9 })
                    ticks.Add(new Tick(d + Math.Log10(m), labelled.Contains(m) ? Format(d, m, plain) : "", labelled.Contains(m)));
            }
            ticks = ticks.Where(t => Inside(t.Position)).ToList();
            // A wide axis (step > 1) has its labelled decades and nothing more to add.
            if (step > 1 || ticks.Count(t => t.Label.Length > 0) >= 4) return ticks;
            if (labelled.Length == 8) return Linear(lowLog, highLog);
        }
        throw new System.Diagnostics.UnreachableException();
    }

    /// <summary>A range too narrow for 2..9 per decade (e.g. 3e6 to 5e6): evenly spaced values at a 1, 2 or 5 step, labelled, placed at their log10.</summary>
    private static IReadOnlyList<Tick> Linear(double lowLog, double highLog)
    {
        double low = Math.Pow(10, lowLog), high = Math.Pow(10, highLog);
        double raw = (high - low) / 4 * (1 - 1e-9), unit = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 2.5, 5, 10 }.Select(m => m * unit).First(s => s >= raw);
        var ticks = new List<Tick>();
        for (double v = Math.Ceiling(low / step - 1e-9) * step; v <= high * (1 + 1e-12); v += step)
            ticks.Add(new Tick(Math.Log10(v), FormatValue(v), true));
        return ticks;
    }

    /// <summary>A value as people write it: 0.0015, 250 within 1e-3..1e4, else 3.5e6.</summary>
    public static string FormatValue(double v)
    {
        if (v >= 1e-3 && v < 1e4) return Math.Round(v, 12).ToString("0.##########", CultureInfo.InvariantCulture);
        int e = (int)Math.Floor(Math.Log10(v));
        double m = Math.Round(v / Math.Pow(10, e), 3);
        return $"{m.ToString("0.###", CultureInfo.InvariantCulture)}e{e.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>m·10^d as people write it: 0.002, 0.5, 1, 20, 300 when <paramref name="plain"/> (from 1e-3 to 1e4), else 2e-5, 1e7.</summary>
    public static string Format(int decade, int mantissa, bool plain = true)
    {
        if (plain && decade >= -3 && decade <= 4)
            return (mantissa * Math.Pow(10, decade)).ToString(decade < 0 ? "0." + new string('#', -decade) : "0", CultureInfo.InvariantCulture);
        return $"{mantissa}e{decade.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Puts the ticks on an axis (minor ones as short marks when unlabelled).</summary>
    public static void Apply(IAxis axis, IEnumerable<Tick> ticks)
    {
        var manual = new ScottPlot.TickGenerators.NumericManual();
        foreach (var t in ticks)
        {
            if (t.Major || t.Label.Length > 0) manual.AddMajor(t.Position, t.Label);
            else manual.AddMinor(t.Position);
        }
        axis.TickGenerator = manual;
    }
}
