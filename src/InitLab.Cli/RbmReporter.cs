using System.Globalization;
using InitLab.Rbm;

namespace InitLab.Cli;

/// <summary>Prints RBM pretraining figures, one line per layer and epoch.</summary>
public sealed class RbmReporter(Output output) : IProgress<RbmEpochReport>
{
    public static RbmReporter For(Output output) => new(output);

    public static string Format(RbmEpochReport r)
    {
        var c = CultureInfo.InvariantCulture;
        string pl = r.HeldOutPseudoLikelihood is { } p ? p.ToString("F3", c) : "-";
        string gap = r.FreeEnergyGap is { } g ? g.ToString("F3", c) : "-";
        return $"RBM {r.Layer} epoch {r.Epoch:00}: reconstruction error {r.ReconstructionError.ToString("F4", c)}, " +
               $"held-out pseudo-likelihood {pl}, free-energy gap (train - held-out) {gap}  ({r.Seconds.ToString("F2", c)} s)";
    }

    public void Report(RbmEpochReport value) => output.Out.WriteLine(Format(value));
}
