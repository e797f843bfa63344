using System.Globalization;
using InitLab.Rbm;

namespace InitLab.Cli;

/// <summary>Prints RBM pretraining figures, one line per layer and epoch.</summary>
internal sealed class RbmReporter(Output output) : IProgress<RbmEpochReport>
{
    public static RbmReporter For(Output output) => new(output);

    public static string Format(RbmEpochReport r)
    {
        var c = CultureInfo.InvariantCulture;
        string pl = r.HeldOutPseudoLikelihood is { } p ? p.ToString("F3", c) : "-";
        string gap = r.FreeEnergyGap is { } g ? g.ToString("F3", c) : "-";
        // Short names keep a line within 80 columns; Legend, printed once, spells them out.
        return $"RBM {r.Layer} epoch {r.Epoch:00}: recon {r.ReconstructionError.ToString("F4", c)}  " +
               $"held-out PL {pl}  FE gap {gap}  ({r.Seconds.ToString("F2", c)} s)";
    }

    /// <summary>What the short names of <see cref="Format"/> stand for.</summary>
    public const string Legend = "(recon: reconstruction error; PL: pseudo-likelihood; FE gap: train - held-out)";

    private bool _legendShown;

    public void Report(RbmEpochReport value)
    {
        if (!_legendShown) output.Out.WriteLine(Legend);
        _legendShown = true;
        output.Out.WriteLine(Format(value));
    }
}
