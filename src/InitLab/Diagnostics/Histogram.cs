namespace InitLab.Diagnostics;

/// <summary>
/// A fixed-bin histogram of a tensor's values, TensorBoard-style: <see cref="Counts"/>[i] counts
/// the values in [Min + i·w, Min + (i+1)·w) with w = (Max - Min) / bins, the last bin closed at
/// Max. Non-finite values (a diverging layer) are counted apart, in <see cref="NonFinite"/>, so
/// one infinity does not stretch the range until every other value shares a bin. When every
/// finite value is equal (a zeros initialization), Min = Max and they are all in bin 0.
/// </summary>
/// <param name="Min">The smallest finite value (0 when there is none).</param>
/// <param name="Max">The largest finite value (0 when there is none).</param>
/// <param name="Counts">Values per bin; the bin count is its length.</param>
/// <param name="NonFinite">NaN and infinite values, not in any bin.</param>
/// <param name="Mean">Mean of the finite values (0 when there is none).</param>
/// <param name="Std">Population standard deviation of the finite values.</param>
public sealed record Histogram(double Min, double Max, IReadOnlyList<long> Counts, long NonFinite, double Mean, double Std)
{
    /// <summary>The bin count the training log uses: enough to see a shape, few enough to send many per second.</summary>
    public const int DefaultBins = 30;

    /// <summary>Values counted in bins (the finite ones).</summary>
    public long Total => Counts.Sum();

    /// <summary>The histogram of <paramref name="values"/> in <paramref name="bins"/> equal bins between their finite minimum and maximum.</summary>
    public static Histogram Of(ReadOnlySpan<float> values, int bins = DefaultBins)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), $"A histogram needs at least one bin, got {bins}.");
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, sq = 0;
        long finite = 0, nonFinite = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                nonFinite++;
                continue;
            }
            finite++;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
            sq += (double)v * v;
        }
        var counts = new long[bins];
        if (finite == 0) return new Histogram(0, 0, counts, nonFinite, 0, 0);
        double width = (max - min) / bins;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            // Width 0 (all equal) puts everything in bin 0; the maximum belongs to the last bin.
            int i = width > 0 ? (int)((v - min) / width) : 0;
            counts[Math.Clamp(i, 0, bins - 1)]++;
        }
        double mean = sum / finite;
        return new Histogram(min, max, counts, nonFinite, mean, Math.Sqrt(Math.Max(0, sq / finite - mean * mean)));
    }
}
