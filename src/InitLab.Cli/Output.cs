using InitLab.Data;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>Where the CLI writes, and the progress line shown while an epoch runs on a terminal.</summary>
public sealed class Output(TextWriter stdout, TextWriter stderr, bool interactive)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;

    /// <summary>True when stderr is a terminal, so a redrawn progress bar makes sense.</summary>
    public bool Interactive { get; } = interactive;

    private int _progressWidth;

    /// <summary>An IProgress that redraws one line on stderr at most ten times a second; null when not interactive or quiet.</summary>
    public IProgress<TrainingProgress>? EpochProgress(bool quiet, int totalEpochs) =>
        Interactive && !quiet ? new ProgressBar(this, totalEpochs) : null;

    /// <summary>A download progress line (file, bytes, speed) redrawn at most ten times a second; null when not interactive or quiet.</summary>
    public IProgress<DownloadProgress>? DownloadProgress(bool quiet) => Interactive && !quiet ? new DownloadLine(this) : null;

    public void DrawProgress(string line)
    {
        string padded = line.Length < _progressWidth ? line + new string(' ', _progressWidth - line.Length) : line;
        _progressWidth = line.Length;
        Err.Write("\r" + padded);
        Err.Flush();
    }

    public void ClearProgress()
    {
        if (_progressWidth == 0) return;
        Err.Write("\r" + new string(' ', _progressWidth) + "\r");
        Err.Flush();
        _progressWidth = 0;
    }

    private sealed class ProgressBar(Output output, int totalEpochs) : IProgress<TrainingProgress>
    {
        private long _lastDraw;

        public void Report(TrainingProgress p)
        {
            long now = Environment.TickCount64;
            if (p.Batch != p.Batches && now - _lastDraw < 100) return;
            _lastDraw = now;
            const int width = 30;
            int filled = (int)((long)width * p.Batch / p.Batches);
            string bar = new string('#', filled) + new string('.', width - filled);
            output.DrawProgress($"epoch {p.Epoch}/{totalEpochs} [{bar}] {p.Batch}/{p.Batches}  {p.SamplesPerSecond,9:N0} samples/s  ETA {FormatSeconds(p.RemainingSeconds)}");
            if (p.Batch == p.Batches) output.ClearProgress();
        }

        private static string FormatSeconds(double s) =>
            double.IsFinite(s) ? TimeSpan.FromSeconds(Math.Ceiling(s)).ToString(s >= 3600 ? @"h\:mm\:ss" : @"m\:ss") : "--:--";
    }

    private sealed class DownloadLine(Output output) : IProgress<DownloadProgress>
    {
        private long _lastDraw;

        public void Report(DownloadProgress p)
        {
            long now = Environment.TickCount64;
            if (p.Bytes != p.Total && now - _lastDraw < 100) return;
            _lastDraw = now;
            string of = p.Total is { } t ? $" / {Mb(t)}" : "";
            string percent = p.Total is > 0 ? $" {100.0 * p.Bytes / p.Total.Value,5:0.0}%" : "";
            output.DrawProgress($"{p.FileName}  {Mb(p.Bytes)}{of}{percent}  {Mb((long)p.BytesPerSecond)}/s");
        }

        private static string Mb(long bytes) => $"{bytes / 1048576.0:0.0} MB";
    }
}
