using System.Globalization;
using InitLab.Data;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>Where the CLI writes, and the progress line shown while an epoch runs on a terminal.</summary>
/// <param name="stdout">Results.</param>
/// <param name="stderr">Progress, notes and errors.</param>
/// <param name="interactive">Whether stderr is a terminal (progress lines are redrawn in place).</param>
/// <param name="width">Columns a progress line may use; null: the terminal's width when interactive, else 80.</param>
internal sealed class Output(TextWriter stdout, TextWriter stderr, bool interactive, int? width = null)
{
    /// <summary>Results (what a script would read).</summary>
    public TextWriter Out { get; } = stdout;

    /// <summary>Progress, notes and errors.</summary>
    public TextWriter Err { get; } = stderr;

    /// <summary>True when stderr is a terminal, so a redrawn progress bar makes sense.</summary>
    public bool Interactive { get; } = interactive;

    /// <summary>
    /// Columns available to a progress line: a line as wide as the terminal wraps on every redraw
    /// (one new line per redraw instead of one line in place), so lines stay one column short of it.
    /// </summary>
    public int Width => width ?? TerminalWidth();

    private int _progressWidth;

    private int TerminalWidth()
    {
        if (!Interactive) return 80;
        try
        {
            int w = Console.WindowWidth;
            return w > 0 ? w : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    /// <summary>An IProgress that redraws one line on stderr at most ten times a second; null when not interactive or quiet.</summary>
    public IProgress<TrainingProgress>? EpochProgress(bool quiet, int totalEpochs) =>
        Interactive && !quiet ? new ProgressBar(this, totalEpochs) : null;

    /// <summary>
    /// A download progress line (file i/n, bytes, speed, ETA) redrawn at most ten times a second;
    /// <paramref name="files"/> are the names in download order; null when not interactive or quiet.
    /// </summary>
    public IProgress<DownloadProgress>? DownloadProgress(bool quiet, IReadOnlyList<string>? files = null) =>
        Interactive && !quiet ? new DownloadLine(this, files ?? []) : null;

    /// <summary>
    /// Columns a progress line may fill: three short of <see cref="Width"/>, so that neither the
    /// last column (which makes some terminals wrap) nor the "^C" a terminal echoes at the cursor
    /// pushes the line onto a second one.
    /// </summary>
    public int LineWidth => Math.Max(1, Width - 3);

    /// <summary>Draws <paramref name="line"/> over the current progress line, cut to <see cref="LineWidth"/> columns.</summary>
    public void DrawProgress(string line)
    {
        int max = LineWidth;
        if (line.Length > max) line = line[..max];
        string padded = line.Length < _progressWidth ? line + new string(' ', _progressWidth - line.Length) : line;
        _progressWidth = line.Length;
        Err.Write("\r" + padded);
        Err.Flush();
    }

    /// <summary>Ends the progress line, if one is shown, leaving it on screen: after Ctrl+C it shows where the run stopped.</summary>
    public void EndProgress()
    {
        if (_progressWidth == 0) return;
        Err.WriteLine();
        Err.Flush();
        _progressWidth = 0;
    }

    /// <summary>Erases the progress line, if one is shown.</summary>
    public void ClearProgress()
    {
        if (_progressWidth == 0) return;
        Err.Write("\r" + new string(' ', _progressWidth) + "\r");
        Err.Flush();
        _progressWidth = 0;
    }

    /// <summary>"1:05", or "1:02:03" from an hour; "--:--" when unknown.</summary>
    internal static string FormatSeconds(double s) =>
        double.IsFinite(s) && s >= 0 ? TimeSpan.FromSeconds(Math.Ceiling(s)).ToString(s >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture) : "--:--";

    /// <summary>
    /// Lays out a progress line in <paramref name="width"/> columns: the parts in order with a bar
    /// between head and tail as wide as what is left. When even a 10-column bar does not fit, tail
    /// parts are dropped, highest Priority first (Priority 0 parts stay), then the line is cut.
    /// </summary>
    internal static string Fit(int width, string head, double fraction, List<(string Text, int Priority)> tail)
    {
        const int minBar = 10, maxBar = 30;
        var parts = tail.ToList();
        while (true)
        {
            string rest = parts.Count == 0 ? "" : " " + string.Join("  ", parts.Select(p => p.Text));
            int room = width - head.Length - rest.Length - 3;
            if (room >= minBar || parts.All(p => p.Priority == 0))
            {
                if (room < minBar) return (head + rest).Length <= width ? head + rest : (head + rest)[..Math.Max(0, width)];
                // Only the bar is cut from here: the parts fit beside one of at least minBar columns.
                int bar = Math.Min(maxBar, room);
                int filled = (int)Math.Clamp(Math.Floor(bar * fraction), 0, bar);
                return $"{head} [{new string('#', filled)}{new string('.', bar - filled)}]{rest}";
            }
            // Drop the least important optional part and try again.
            var drop = parts.Where(p => p.Priority > 0).MaxBy(p => p.Priority);
            parts.Remove(drop);
        }
    }

    private sealed class ProgressBar(Output output, int totalEpochs) : IProgress<TrainingProgress>
    {
        private long _lastDraw;

        public void Report(TrainingProgress p)
        {
            long now = Environment.TickCount64;
            if (p.Batch != p.Batches && now - _lastDraw < 100) return;
            _lastDraw = now;
            output.DrawProgress(Line(p, totalEpochs, output.LineWidth));
            if (p.Batch == p.Batches) output.ClearProgress();
        }
    }

    /// <summary>
    /// "epoch 3/12 [####....] 312/600  loss 0.2345  12,345 samples/s  ETA 0:12" in at most
    /// <paramref name="width"/> columns: samples/s goes first, then the batch count, then the loss;
    /// the epoch and the ETA stay.
    /// </summary>
    internal static string Line(TrainingProgress p, int totalEpochs, int width)
    {
        var c = CultureInfo.InvariantCulture;
        var tail = new List<(string, int)> { ($"{p.Batch}/{p.Batches}", 2) };
        if (double.IsFinite(p.RunningCost)) tail.Add(($"loss {p.RunningCost.ToString("0.0000", c)}", 1));
        tail.Add(($"{p.SamplesPerSecond.ToString("N0", c)} samples/s", 3));
        tail.Add(($"ETA {FormatSeconds(p.RemainingSeconds)}", 0));
        return Fit(width, $"epoch {p.Epoch}/{totalEpochs}", (double)p.Batch / p.Batches, tail);
    }

    private sealed class DownloadLine(Output output, IReadOnlyList<string> files) : IProgress<DownloadProgress>
    {
        private long _lastDraw;

        public void Report(DownloadProgress p)
        {
            long now = Environment.TickCount64;
            if (p.Bytes != p.Total && now - _lastDraw < 100) return;
            _lastDraw = now;
            output.DrawProgress(Line(p, files, output.LineWidth));
        }
    }

    /// <summary>"file 2/4 train-labels-idx1-ubyte.gz [####....] 1.1 / 1.5 MB  73.1%  0.3 MB/s  ETA 0:02", fitted to <paramref name="width"/>.</summary>
    internal static string Line(DownloadProgress p, IReadOnlyList<string> files, int width)
    {
        int index = -1;
        for (int i = 0; i < files.Count; i++) if (files[i] == p.FileName) index = i;
        string head = index >= 0 ? $"file {index + 1}/{files.Count} {p.FileName}" : p.FileName;
        var tail = new List<(string, int)> { (p.Total is { } t ? $"{Mb(p.Bytes)} / {Mb(t)} MB" : $"{Mb(p.Bytes)} MB", 2) };
        if (p.Total is > 0) tail.Add(($"{(100.0 * p.Bytes / p.Total.Value).ToString("0.0", CultureInfo.InvariantCulture)}%", 0));
        tail.Add(($"{Mb((long)p.BytesPerSecond)} MB/s", 1));
        double eta = p.Total is { } total && p.BytesPerSecond > 0 ? (total - p.Bytes) / p.BytesPerSecond : double.NaN;
        tail.Add(($"ETA {FormatSeconds(eta)}", 0));
        double fraction = p.Total is > 0 ? (double)p.Bytes / p.Total.Value : 0;
        return Fit(width, head, fraction, tail);
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
}
