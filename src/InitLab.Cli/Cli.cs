using System.CommandLine;
using InitLab.Data;

namespace InitLab.Cli;

/// <summary>The `initlab` command: parsing, rendering and exit codes. No maths lives here.</summary>
internal static class Cli
{
    /// <summary>Exit codes; Interrupted is the shell's 128 + SIGINT, for a run stopped by Ctrl+C.</summary>
    public const int Ok = 0, BadInput = 1, BadUsage = 2, Interrupted = 130;

    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Show stack traces on errors." };
    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Print only results: no progress bar, no per-epoch lines." };

    public static RootCommand BuildRoot(Output output)
    {
        var root = new RootCommand("InitLab: train dense networks and study how their weights are initialized.");
        root.Subcommands.Add(SeedCommand.Build(output));
        root.Subcommands.Add(TrainCommand.Build(output));
        root.Subcommands.Add(InitsCommand.Build(output));
        root.Subcommands.Add(InspectCommand.Build(output));
        root.Subcommands.Add(RbmCommand.Build(output));
        root.Subcommands.Add(DbnCommand.Build(output));
        root.Subcommands.Add(DataCommand.Build(output));
        root.Subcommands.Add(PredictCommand.Build(output));
        root.Subcommands.Add(EvaluateCommand.Build(output));
        root.Subcommands.Add(ExportCommand.Build(output));
        root.Subcommands.Add(CompareCommand.Build(output));
        root.Subcommands.Add(ReportCommand.Build(output));
        root.Subcommands.Add(TheoryCommand.Build(output));
        root.Subcommands.Add(PhaseCommand.Build(output));
        root.Subcommands.Add(SummaryCommand.Build(output));
        root.Subcommands.Add(ServeCommand.Build(output));
        root.Subcommands.Add(LogPlotCommand.Build(output));
        return root;
    }

    /// <summary>Parses and runs; returns the process exit code. Output goes to the given writers (console by default).</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null) =>
        Run(args, new Output(stdout ?? Console.Out, stderr ?? Console.Error, interactive: stderr is null && !Console.IsErrorRedirected));

    /// <summary>Parses and runs with a given <see cref="Output"/> (tests use one with a fixed width and a terminal's progress bars).</summary>
    public static int Run(string[] args, Output output)
    {
        var root = BuildRoot(output);
        Completions.AddTo(root);
        var parse = root.Parse(args);
        if (args.Length == 0)
        {
            // Like git and dotnet: a bare command shows what it can do; still a usage error (2) for scripts.
            ShowHelp(root, [], output.Err);
            return BadUsage;
        }
        if (parse.Errors.Count > 0 && !IsHelp(args)) return ParseErrors.Report(root, parse, output.Err);
        try
        {
            return parse.Invoke(new System.CommandLine.InvocationConfiguration { Output = output.Out, Error = output.Err, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (UsageException e)
        {
            output.ClearProgress();
            WriteError(output.Err, e.Message);
            return BadUsage;
        }
        catch (Exception e) when (IsUserError(e))
        {
            output.ClearProgress();
            WriteError(output.Err, "error: " + e.Message);
            if (parse.GetValue(Verbose)) output.Err.WriteLine(e);
            return BadInput;
        }
    }

    /// <summary>Writes a message with every line prefixed "initlab: ": the first states the problem, the next ones what to do.</summary>
    public static void WriteError(TextWriter err, string message)
    {
        foreach (var line in message.Split('\n')) err.WriteLine($"initlab: {line.TrimEnd('\r')}");
    }

    /// <summary>The help text of the command at <paramref name="path"/> (names below the root), written to <paramref name="writer"/>.</summary>
    internal static void ShowHelp(RootCommand root, IEnumerable<string> path, TextWriter writer) =>
        root.Parse([.. path, "--help"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = writer, Error = writer });

    private static bool IsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    private static bool IsUserError(Exception e) => e is UserInputException or IdxFormatException or InitLab.Io.SafeTensorsFormatException or FileNotFoundException or DirectoryNotFoundException
        or FormatException or ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException;
}

/// <summary>A command-line value that parsed but makes no sense (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
