using InitLab.Io;
using System.CommandLine;
using System.Globalization;
using InitLab.Experiments;

namespace InitLab.Cli;

/// <summary>`initlab report`: merges run folders (of any number of shards) into report.md and report.html.</summary>
internal static class ReportCommand
{
    public static Command Build(Output o)
    {
        var dirs = new Argument<string[]>("DIR") { Description = "Output folders of `initlab compare` (one per shard) or run folders.", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string?>("--out") { Description = "Where to write the report (default: the first DIR)." };
        var cmd = new Command("report", "Merge the run folders of one or more `initlab compare` sweeps into report.md and a self-contained report.html.") { dirs, outDir, Cli.Verbose };
        cmd.SetAction(p =>
        {
            var d = p.GetValue(dirs)!;
            var (html, results) = Write(p.GetValue(outDir) ?? d[0], d);
            WarnMissing(o, results);
            o.Out.WriteLine($"Report written to {html} and {Path.ChangeExtension(html, ".md")}");
            return Cli.Ok;
        });
        return cmd;
    }

    /// <summary>"initlab: warning: N of M runs of the grid are missing: ..." when the folders lack runs of the grid they record.</summary>
    public static void WarnMissing(Output o, SweepResults results)
    {
        if (results.Missing.Count > 0) o.Err.WriteLine($"initlab: warning: {MissingLine(results)}");
    }

    /// <summary>"N of M runs of the grid are missing: a, b, c" (the first ten named).</summary>
    public static string MissingLine(SweepResults r) =>
        $"{r.Missing.Count} of {r.GridTotal} runs of the grid are missing: {string.Join(", ", r.Missing.Take(10))}" + (r.Missing.Count > 10 ? $", and {r.Missing.Count - 10} more" : "") + ".";

    /// <summary>Loads the runs, draws the charts and writes report.md and report.html into <paramref name="outDir"/>; returns the HTML's path and what was loaded.</summary>
    public static (string Html, SweepResults Results) Write(string outDir, IReadOnlyList<string> dirs)
    {
        var results = SweepResults.Load(dirs);
        Directory.CreateDirectory(outDir);
        var doc = ReportBuilder.Build(outDir, results);
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), doc.Markdown());
        string html = Path.Combine(outDir, "report.html");
        AtomicFile.WriteAllText(html, doc.Html("InitLab: comparing initializations"));
        return (html, results);
    }

    internal static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
