using System.Globalization;
using System.Text;

namespace InitLab.Training;

/// <summary>
/// One finished epoch of <see cref="Trainer.Fit(IProgress{EpochReport}?, CancellationToken, FitOptions?)"/>:
/// the training cost (mean batch loss, accumulated in float32 as the note does), the test
/// accuracy after the epoch (a fraction in [0, 1]; NaN when not measured), the epoch's wall time
/// and throughput. <paramref name="Epochs"/> is the run's total.
/// </summary>
public sealed record EpochReport(int Epoch, int Epochs, double TrainCost, double TestAccuracy, double Seconds, double SamplesPerSecond);

/// <summary>
/// The per-epoch CSV that <c>train --metrics</c>, <c>compare</c>'s run folders and checkpoints
/// share: one header, one row per finished epoch, numbers in invariant round-trip form.
/// </summary>
public static class MetricsCsv
{
    /// <summary>The header line (without newline).</summary>
    public const string Header = "epoch,train_cost,test_accuracy,seconds,samples_per_second";

    /// <summary>One row (without newline).</summary>
    public static string Row(EpochReport r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Epoch},{r.TrainCost:R},{r.TestAccuracy:R},{r.Seconds:R},{r.SamplesPerSecond:R}");

    /// <summary>Header and rows, each line ending in a newline.</summary>
    public static string Write(IEnumerable<EpochReport> rows)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var r in rows) sb.Append(Row(r)).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// Parses rows (with or without the header line) into reports of a run of
    /// <paramref name="epochs"/> epochs. Rows must be epochs 1, 2, ... in order; every error names
    /// <paramref name="source"/> and the line. The older four-column form (no samples_per_second) is read too.
    /// </summary>
    public static IReadOnlyList<EpochReport> Parse(string text, string source, int epochs)
    {
        var list = new List<EpochReport>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || (i == 0 && line.StartsWith("epoch,", StringComparison.Ordinal))) continue;
            var f = line.Split(',');
            if (f.Length is not (4 or 5)) throw new InvalidDataException($"{source}, line {i + 1}: expected 5 comma-separated fields ({Header}), found {f.Length}.");
            var v = new double[f.Length];
            for (int k = 0; k < f.Length; k++)
                if (!double.TryParse(f[k], NumberStyles.Float, CultureInfo.InvariantCulture, out v[k]))
                    throw new InvalidDataException($"{source}, line {i + 1}, field {k + 1}: '{f[k]}' is not a number.");
            if (v[0] != list.Count + 1) throw new InvalidDataException($"{source}, line {i + 1}: expected the row of epoch {list.Count + 1}, found epoch '{f[0]}'.");
            list.Add(new EpochReport(list.Count + 1, epochs, v[1], v[2], v[3], f.Length == 5 ? v[4] : double.NaN));
        }
        return list;
    }
}
