using System.Globalization;
using InitLab.Experiments;

namespace InitLab.Cli;

/// <summary>
/// The results of a sweep as a table on screen, as the report's first table: one row per
/// initializer (in --inits order), one column per architecture and activation, the final test
/// accuracy's mean ± sd over seeds; the best of each column marked with '*'.
/// </summary>
internal static class SweepTable
{
    /// <summary>Writes the table of the finished runs under <paramref name="outDir"/>.</summary>
    public static void Print(TextWriter w, string outDir) => Print(w, SweepResults.Load([outDir]));

    /// <summary>Writes the table of <paramref name="results"/>.</summary>
    public static void Print(TextWriter w, SweepResults results)
    {
        var groups = results.Groups;
        var inits = results.Inits;
        int seeds = results.Runs.GroupBy(r => r.Config.Seed).Count();
        string Cell(SweepGroup g, string init)
        {
            var cell = g.Cells.FirstOrDefault(c => c.Init == init);
            if (cell is null) return "";
            if (cell.Invalid) return "invalid";
            var a = cell.FinalAccuracy;
            string text = (a.Mean * 100).ToString("0.00", CultureInfo.InvariantCulture) + (a.Count > 1 ? " ± " + (a.Std * 100).ToString("0.00", CultureInfo.InvariantCulture) : "");
            return ReferenceEquals(g.Best, cell) ? text + " *" : text + "  ";
        }
        int first = Math.Max("init".Length, inits.Max(i => i.Length));
        var widths = groups.Select(g => Math.Max(g.Title.Length, inits.Max(i => Cell(g, i).Length))).ToList();
        w.WriteLine($"Test accuracy (%), mean ± sd over {seeds} seed{(seeds == 1 ? "" : "s")}; * best in its column:");
        w.WriteLine("init".PadRight(first) + string.Concat(groups.Select((g, k) => "  " + g.Title.PadLeft(widths[k]))));
        foreach (var init in inits)
            w.WriteLine(init.PadRight(first) + string.Concat(groups.Select((g, k) => "  " + Cell(g, init).PadLeft(widths[k]))));
    }
}
