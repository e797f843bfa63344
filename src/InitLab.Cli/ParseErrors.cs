using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace InitLab.Cli;

/// <summary>
/// System.CommandLine's parse errors rewritten for people: an unknown command or option with the
/// nearest existing name, a value of the wrong type in plain words, and a help hint that names a
/// command that exists. Every line starts with "initlab: "; the exit code is 2.
/// </summary>
internal static partial class ParseErrors
{
    // Int options that count something: their errors say "is a count", the others "takes a whole number".
    private static readonly HashSet<string> Counts = ["--seeds", "--epochs", "--batch-size", "--batch", "--threads", "--hidden", "--parallel", "--cd-k",
        "--pretrain-epochs", "--average", "--checkpoint-every"];

    public static int Report(RootCommand root, ParseResult parse, TextWriter err)
    {
        var command = parse.CommandResult.Command;
        var path = Path(parse.CommandResult);
        string name = string.Join(' ', ["initlab", .. path]);
        var unmatched = parse.UnmatchedTokens;
        var options = unmatched.Where(t => t.StartsWith('-')).ToList();
        var lines = new List<string>();
        // `initlab trian --data X`: the command is what went wrong; its options cannot be judged.
        var word = unmatched.FirstOrDefault(t => !t.StartsWith('-'));
        if (word is not null && command.Subcommands.Count > 0)
        {
            lines.Add($"unknown command '{word}'" + DidYouMean(word, command.Subcommands.Select(c => c.Name)));
            options.Clear();
        }
        else if (options.Count > 0)
        {
            foreach (var t in options)
                lines.Add($"unknown option '{t}'" + DidYouMean(t, command.Options.Concat(Inherited(parse.CommandResult)).SelectMany(o => o.Aliases.Prepend(o.Name))));
        }
        else if (unmatched.Count > 0)
        {
            lines.Add($"unexpected argument '{unmatched[0]}' for '{name}'");
        }
        else if (command.Subcommands.Count > 0 && parse.Errors.All(e => e.Message.StartsWith("Required command", StringComparison.Ordinal)))
        {
            // `initlab data` alone: show what it offers, as for a bare `initlab`.
            Cli.ShowHelp(root, path, err);
            return Cli.BadUsage;
        }
        else
        {
            lines.AddRange(parse.Errors.Select(e => Plain(e.Message)).Distinct());
        }
        foreach (var line in lines) err.WriteLine($"initlab: {line}");
        err.WriteLine(path.Count == 0 || (word is not null && command.Subcommands.Count > 0)
            ? $"Run '{name} --help' for the list of commands."
            : $"Run '{name} --help' for usage.");
        return Cli.BadUsage;
    }

    /// <summary>The command names from below the root to <paramref name="result"/>: ["data", "download"].</summary>
    private static List<string> Path(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c && c.Parent is not null; r = c.Parent) names.Insert(0, c.Command.Name);
        return names;
    }

    // Recursive options (--help) declared on the root apply to every subcommand.
    private static IEnumerable<Option> Inherited(CommandResult result)
    {
        for (var r = result.Parent as CommandResult; r is not null; r = r.Parent as CommandResult)
            foreach (var o in r.Command.Options.Where(o => o.Recursive)) yield return o;
    }

    private static string DidYouMean(string typed, IEnumerable<string> candidates)
    {
        var near = InitLab.EditDistance.Nearest(typed, candidates.Where(c => c.StartsWith("--", StringComparison.Ordinal) || !c.StartsWith('-')), max: 3);
        return near.Count == 0 ? "" : $"; did you mean {string.Join(" or ", near.Select(n => $"'{n}'"))}?";
    }

    /// <summary>"Cannot parse argument '1,2' for option '--seeds' as expected type 'System.Int32'." in words a user knows.</summary>
    internal static string Plain(string message)
    {
        var m = CannotParse().Match(message);
        if (!m.Success) return message.TrimEnd('.');
        string value = m.Groups["value"].Value, option = m.Groups["option"].Value;
        string form = m.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" => Counts.Contains(option) ? "is a count (a whole number like 3)" : "takes a whole number (like 3)",
            "System.UInt32" or "System.UInt64" => "takes a whole number from 0 up (like 777)",
            "System.Double" or "System.Single" => "takes a number (like 0.001 or 1e-3)",
            "System.Boolean" => "is a switch (give it alone, or true/false)",
            var t => $"takes a value of type {t}",
        };
        return $"{option} {form}, got '{value}'";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();
}
