using System.CommandLine;
using System.Globalization;
using InitLab.Io;
using InitLab.Training;
using ScottPlot;

namespace InitLab.Cli;

/// <summary>
/// `initlab log-plot RUN`: per-layer statistics over training from a run's training log
/// (`train --log DIR`): each hidden layer's activation mean and standard deviation on the probe
/// batch, and the standard deviation of its weight gradient, as lines over the training steps
/// (Glorot &amp; Bengio 2010, Figure 2).
/// </summary>
internal static class LogPlotCommand
{
    public static Command Build(Output o)
    {
        var run = new Argument<string>("RUN") { Description = $"A run folder written by `train --log DIR` or `compare --log-every N`, or its {TrainingLog.FileName}." };
        var plot = new Option<string>("--plot") { Description = "The PNG to draw.", DefaultValueFactory = _ => "layers-over-training.png" };
        var cmd = new Command("log-plot", "Draw each layer's activation mean and std and its gradient's std over training steps from a training log (train --log, compare --log-every).")
        {
            run, plot, Cli.Verbose,
        };
        cmd.SetAction(p => Run(o, p.GetValue(run)!, p.GetValue(plot)!));
        return cmd;
    }

    private static int Run(Output o, string run, string plotPath)
    {
        Options.CheckPng(plotPath, "--plot");
        string file = Directory.Exists(run) ? Path.Combine(run, TrainingLog.FileName) : run;
        if (!File.Exists(file)) throw new UserInputException($"{file}: no training log there; write one with `initlab train --log DIR` or `initlab compare --log-every N`.");
        OutputCheck.Writable(plotPath, "--plot");
        var data = TrainingLog.Read(file);
        var activation = TrainingLog.LayerSeries(data, "activation");
        var gradient = TrainingLog.LayerSeries(data, "gradient");
        if (activation.Count == 0) throw new UserInputException($"{file}: the log has no activation histograms yet.");
        // The initializers by name (their full spec, e.g. kaiming-normal:a=0,mode=fan_in,..., overflows an 80-column line).
        string title = data.Config is { } c ? $"{string.Join('-', c.Layers)} {c.Activation}, init {string.Join("|", c.Init.Weights.Select(w => w.Name))}" : file;
        o.Out.WriteLine($"{title}: {activation[0].Points.Count} samples, every {data.SampleEvery} steps");
        o.Out.WriteLine($"{"layer",5} {"mean (first)",13} {"mean (last)",12} {"std (first)",12} {"std (last)",11}");
        foreach (var (layer, points) in activation)
            o.Out.WriteLine($"{layer,5} {F(points[0].Mean),13} {F(points[^1].Mean),12} {F(points[0].Std),12} {F(points[^1].Std),11}");

        using var mean = Lines(activation, p => p.Mean, log: false);
        mean.Title($"Per-layer statistics over training: {title}");
        mean.YLabel("activation mean (probe batch)");
        mean.ShowLegend(Alignment.UpperRight);
        using var std = Lines(activation, p => p.Std, log: false);
        std.YLabel("activation std");
        using var grad = Lines(gradient, p => p.Std, log: true);
        grad.YLabel("weight gradient std (log10)");
        grad.XLabel("training step");
        var figure = new Multiplot(mean);
        figure.AddPlot(std);
        figure.AddPlot(grad);
        figure.Layout = new ScottPlot.MultiplotLayouts.Rows();
        AtomicFile.Replace(plotPath, tmp => figure.SavePng(tmp, 900, 1100));
        o.Out.WriteLine($"Plot written to {plotPath}");
        return Cli.Ok;
    }

    private static Plot Lines(IReadOnlyList<(int Layer, IReadOnlyList<(int Step, double Mean, double Std)> Points)> series,
        Func<(int Step, double Mean, double Std), double> value, bool log)
    {
        var plot = new Plot();
        for (int k = 0; k < series.Count; k++)
        {
            var points = series[k].Points.Where(p => !log || value(p) > 0).ToArray();
            var line = plot.Add.Scatter(points.Select(p => (double)p.Step).ToArray(), points.Select(p => log ? Math.Log10(value(p)) : value(p)).ToArray(), ReportCharts.ColorFor(k));
            line.LineWidth = 2;
            line.MarkerSize = 3;
            line.LegendText = $"layer {series[k].Layer}";
        }
        return plot;
    }

    private static string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
}
