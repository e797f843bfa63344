using System.CommandLine;
using InitLab.Data;

namespace InitLab.Cli;

/// <summary>The `initlab` command: parsing, rendering and exit codes. No maths lives here.</summary>
public static class Cli
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
        root.Subcommands.Add(ServeCommand.Build(output));
        return root;
    }

    /// <summary>Parses and runs; returns the process exit code. Output goes to the given writers (console by default).</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = new Output(stdout ?? Console.Out, stderr ?? Console.Error, interactive: stderr is null && !Console.IsErrorRedirected);
        var root = BuildRoot(output);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !IsHelp(args))
        {
            foreach (var e in parse.Errors) output.Err.WriteLine($"initlab: {e.Message}");
            output.Err.WriteLine($"Run 'initlab {string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))} --help' for usage.".Replace("  ", " "));
            return BadUsage;
        }
        try
        {
            return parse.Invoke(new System.CommandLine.InvocationConfiguration { Output = output.Out, Error = output.Err, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception e) when (IsUserError(e))
        {
            output.ClearProgress();
            output.Err.WriteLine($"initlab: error: {e.Message}");
            if (parse.GetValue(Verbose)) output.Err.WriteLine(e);
            return BadInput;
        }
        catch (UsageException e)
        {
            output.Err.WriteLine($"initlab: {e.Message}");
            return BadUsage;
        }
    }

    private static bool IsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    private static bool IsUserError(Exception e) => e is UserInputException or IdxFormatException or InitLab.Io.SafeTensorsFormatException or FileNotFoundException or DirectoryNotFoundException
        or FormatException or ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException;
}

/// <summary>A command-line value that parsed but makes no sense (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);
