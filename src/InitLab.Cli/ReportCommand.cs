using InitLab.Io;
using System.CommandLine;
using System.Globalization;
using InitLab.Experiments;

namespace InitLab.Cli;

/// <summary>`initlab report`: merges run folders (of any number of shards) into report.md and report.html.</summary>
public static class ReportCommand
{
    public static Command Build(Output o)
    {
        var dirs = new Argument<string[]>("DIR") { Description = "Output folders of `initlab compare` (one per shard) or run folders.", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string?>("--out") { Description = "Where to write the report (default: the first DIR)." };
        var cmd = new Command("report", "Merge the run folders of one or more `initlab compare` sweeps into report.md and a self-contained report.html.") { dirs, outDir, Cli.Verbose };
        cmd.SetAction(p =>
        {
            var d = p.GetValue(dirs)!;
            string html = Write(p.GetValue(outDir) ?? d[0], d);
            o.Out.WriteLine($"Report written to {html} and {Path.ChangeExtension(html, ".md")}");
            return Cli.Ok;
        });
        return cmd;
    }

    /// <summary>Loads the runs, draws the charts and writes report.md and report.html into <paramref name="outDir"/>; returns the HTML's path.</summary>
    public static string Write(string outDir, IReadOnlyList<string> dirs)
    {
        var results = SweepResults.Load(dirs);
        Directory.CreateDirectory(outDir);
        var doc = ReportBuilder.Build(outDir, results);
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), doc.Markdown());
        string html = Path.Combine(outDir, "report.html");
        AtomicFile.WriteAllText(html, doc.Html("InitLab: comparing initializations"));
        return html;
    }

    internal static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
