using System.CommandLine;
using InitLab.Init;

namespace InitLab.Cli;

/// <summary>`initlab inits`: every initializer with its formula and parameters.</summary>
internal static class InitsCommand
{
    public static Command Build(Output o)
    {
        var cmd = new Command("inits", "List every weight initializer with its formula and parameters.");
        cmd.SetAction(_ =>
        {
            o.Out.WriteLine("Use with --init NAME or --init NAME:key=value,...; join several with | for one per Linear layer.");
            o.Out.WriteLine("fan_in and fan_out are a weight's input and output sizes (PyTorch's convention for an (out, in) Linear weight).");
            o.Out.WriteLine();
            foreach (var (name, formula, parameters, aliases) in InitSpec.Catalog)
            {
                string head = name + (parameters.Length > 0 ? ":" + string.Join(",", parameters) : "");
                o.Out.WriteLine(head + (aliases.Length > 0 ? $"   (also: {string.Join(", ", aliases)})" : ""));
                o.Out.WriteLine("    " + formula);
            }
            o.Out.WriteLine();
            o.Out.WriteLine("gain= takes a number or a nonlinearity (linear, sigmoid, tanh, relu, leaky_relu[:slope], selu) as calculate_gain does.");
            o.Out.WriteLine($"--bias takes {BiasInit.Choices}.");
            return Cli.Ok;
        });
        return cmd;
    }
}
