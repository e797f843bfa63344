using System.Collections.Concurrent;
using System.Globalization;
using InitLab.Experiments;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace InitLab.Cli;

/// <summary>A sweep's progress: Spectre.Console bars on a terminal (the sweep with ETA, one per running run), plain lines otherwise.</summary>
internal static class SweepView
{
    public static SweepSummary Run(Output o, bool quiet, int runs, int epochs, Func<IProgress<SweepEvent>?, SweepSummary> sweep)
    {
        if (quiet) return sweep(null);
        if (!o.Interactive) return sweep(new Lines(o, runs));
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(o.Err) });
        SweepSummary summary = null!;
        console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TimeColumn("elapsed", t => t.ElapsedTime), new TimeColumn("left", t => t.RemainingTime))
            .Start(ctx =>
            {
                var total = ctx.AddTask($"sweep ({runs} runs)", maxValue: Math.Max(1, runs) * (double)epochs);
                var bars = new ConcurrentDictionary<string, ProgressTask>();
                var report = new Reporter(e =>
                {
                    switch (e.Kind)
                    {
                        case SweepEventKind.Skipped:
                            total.Increment(epochs);
                            break;
                        case SweepEventKind.Started:
                            bars[e.Run.Id] = ctx.AddTask(Markup.Escape(e.Run.Id), maxValue: 1);
                            break;
                        case SweepEventKind.Batch:
                        case SweepEventKind.Epoch:
                            if (bars.TryGetValue(e.Run.Id, out var bar)) bar.Value = e.Fraction;
                            if (e.Kind == SweepEventKind.Epoch) total.Increment(1);
                            break;
                        case SweepEventKind.Finished:
                            if (bars.TryRemove(e.Run.Id, out var done)) { done.Value = 1; done.StopTask(); }
                            // An invalid run trains no epochs; count it whole.
                            if (e.Result is { Ok: false }) total.Increment(epochs);
                            break;
                    }
                });
                summary = sweep(report);
                total.Value = total.MaxValue;
            });
        return summary;
    }

    /// <summary>A time column with its name in front ("elapsed 0:01:02", "left 0:03:10"): two bare clocks side by side do not say which is which.</summary>
    private sealed class TimeColumn(string label, Func<ProgressTask, TimeSpan?> time) : ProgressColumn
    {
        // One line, as wide as "elapsed 0:01:02": left to wrap, Spectre puts the clock under its label.
        protected override bool NoWrap => true;

        public override int? GetColumnWidth(RenderOptions options) => label.Length + 8;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var t = time(task);
            string clock = t is { } v && v.TotalDays < 1 ? v.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : "-:--:--";
            return new Markup($"[grey]{label}[/] {clock}");
        }
    }

    private sealed class Reporter(Action<SweepEvent> action) : IProgress<SweepEvent>
    {
        private readonly Lock _gate = new();

        public void Report(SweepEvent value)
        {
            lock (_gate) action(value);
        }
    }

    /// <summary>One line per finished (or skipped) run.</summary>
    private sealed class Lines(Output o, int runs) : IProgress<SweepEvent>
    {
        private readonly Lock _gate = new();
        private int _done;

        public void Report(SweepEvent e)
        {
            if (e.Kind is not (SweepEventKind.Finished or SweepEventKind.Skipped)) return;
            lock (_gate)
            {
                _done++;
                string what = e.Kind == SweepEventKind.Skipped ? "already finished, skipped"
                    : e.Result!.Ok ? $"accuracy {CompareCommand.Percent(e.Result.FinalAccuracy ?? double.NaN)}% in {e.Result.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
                    : $"invalid: {e.Result.Reason}";
                o.Out.WriteLine($"[{_done}/{runs}] {e.Run.Id}: {what}");
            }
        }
    }
}
