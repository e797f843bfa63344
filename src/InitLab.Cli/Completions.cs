using System.CommandLine;
using InitLab.Data;
using InitLab.Init;
using InitLab.Nn;

namespace InitLab.Cli;

/// <summary>
/// Value completions for the options whose values come from a fixed list, for shells set up with
/// dotnet-suggest (docs/cli.md): the lists are the library's registries, so they never go stale.
/// </summary>
internal static class Completions
{
    public static void AddTo(Command command)
    {
        foreach (var option in command.Options)
        {
            string[]? values = option.Name switch
            {
                "--activation" => [.. Activations.Names],
                "--optimizer" => ["adam", "adamw", "sgd"],
                "--dataset" => [.. DatasetCatalog.All.Select(d => d.Name)],
                "--init" or "--top" or "--inits" or "--compare" => [.. InitSpec.Registered.Select(s => s.Name)],
                "--bias" => ["auto", "default", "zeros", "constant:val="],
                _ => null,
            };
            if (values is not null) option.CompletionSources.Add(values);
            // Help shows a completion list as <a|b|c>: fine for six activations, a 900-character
            // line for the initializers. Those get a name instead (the list: 'initlab inits').
            if (option.Name is "--init" or "--top") option.HelpName ??= "spec";
            if (option.Name is "--inits" or "--compare") option.HelpName ??= "specs";
        }
        foreach (var sub in command.Subcommands) AddTo(sub);
    }
}
