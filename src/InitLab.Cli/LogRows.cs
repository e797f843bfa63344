namespace InitLab.Cli;

/// <summary>
/// A log10 axis for values that may be exactly 0 (no signal) or infinite/NaN (an overflow):
/// positive values at log10(v); a "0" row below the data and an "inf/NaN" row above it, each
/// only when some value needs it and each set apart by an axis break (a gap the axis marks).
/// </summary>
internal sealed class LogRows
{
    /// <summary>Where the data's labelled ticks end and the "0" row begins: a band across the plot drawn as the axis break; null without a "0" row.</summary>
    public (double Low, double High)? ZeroBreak { get; }

    /// <summary>The band between the data and the "inf/NaN" row; null without that row.</summary>
    public (double Low, double High)? InfBreak { get; }

    /// <summary>The ticks: the data's (see <see cref="ChartTicks.Log"/>), then "0" and "inf/NaN" where present.</summary>
    public IReadOnlyList<ChartTicks.Tick> Ticks { get; }

    /// <summary>The y range to show.</summary>
    public double Bottom { get; }

    /// <inheritdoc cref="Bottom"/>
    public double Top { get; }

    private readonly double _zero, _inf;

    /// <param name="values">Every value the axis shows.</param>
    /// <param name="fromDecade">
    /// For bars: the axis starts at a whole decade at least 0.15 decades below the smallest value,
    /// so that every bar has a visible length above the axis it starts from.
    /// </param>
    public LogRows(IEnumerable<double> values, bool fromDecade = false)
    {
        var all = values.ToList();
        var logs = all.Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).ToList();
        double low = logs.Count > 0 ? logs.Min() : -1, high = logs.Count > 0 ? logs.Max() : 1;
        if (high - low < 0.3) (low, high) = ((low + high) / 2 - 0.15, (low + high) / 2 + 0.15);
        if (fromDecade) low = Math.Floor(low - 0.15);
        double gap = Math.Max(0.12 * (high - low), 0.08);
        Bottom = fromDecade ? low : low - gap / 2;
        Top = high + gap / 2;
        var ticks = ChartTicks.Log(Bottom, Top).ToList();
        if (all.Any(v => v == 0))
        {
            _zero = low - 3 * gap;
            ZeroBreak = (low - 2 * gap, low - gap);
            ticks.Insert(0, new ChartTicks.Tick(_zero, "0", true));
            Bottom = _zero - gap / 2;
        }
        if (all.Any(v => !double.IsFinite(v)))
        {
            _inf = high + 3 * gap;
            InfBreak = (high + gap, high + 2 * gap);
            ticks.Add(new ChartTicks.Tick(_inf, "inf/NaN", true));
            Top = _inf + gap / 2;
        }
        Ticks = ticks;
    }

    /// <summary>The y position of <paramref name="v"/>.</summary>
    public double Y(double v) => v > 0 && double.IsFinite(v) ? Math.Log10(v) : v == 0 ? _zero : _inf;
}
