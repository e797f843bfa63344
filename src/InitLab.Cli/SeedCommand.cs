using System.CommandLine;
using System.Globalization;
using InitLab.Data;
using InitLab.Experiments;
using InitLab.Io;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>`initlab seed`: the study note's experiment, printed in the note's format.</summary>
internal static class SeedCommand
{
    public static Command Build(Output o)
    {
        var deep = new Option<bool>("--deep") { Description = "The note's deeper network, 784-512-512-512-512-10." };
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files (default: $INITLAB_DATA/mnist or ~/.cache/initlab/mnist)." };
        var dataset = DataSource.DatasetOption();
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => SeedExperiment.NoteEpochs };
        var threads = new Option<int>("--threads") { Description = "Compute threads (default: all cores).", DefaultValueFactory = _ => 0 };
        var save = ModelOptions.Save();
        var lesson = new Option<string?>("--lesson")
        {
            Description = "The course's next lesson instead of the note: dropout (784-512-512-512-512-10, dropout 0.3 while training) or " +
                "batchnorm (784-32-32-10 with BatchNorm beside the same network without it; Adam 0.01, batch 32, 10 epochs).",
        };
        var cmd = new Command("seed", "Run the study note's experiment: MNIST, 784-256-256-10 ReLU, xavier_uniform_, Adam 0.001, batch 100, seed 777.")
        {
            deep, data, dataset, epochs, threads, save, lesson, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p =>
        {
            if (p.GetValue(lesson) is not { } name)
                return Run(o, p.GetValue(deep), p.GetValue(data), p.GetValue(dataset), p.GetValue(epochs), p.GetValue(threads), p.GetValue(Cli.Quiet), p.GetValue(save));
            if (p.GetValue(deep)) throw new UsageException("give --deep or --lesson, not both (the dropout lesson already uses the deep network).");
            var which = Options.Parse(() => CourseLessons.Parse(name), "--lesson");
            if (which == CourseLesson.BatchNorm && p.GetValue(save) is not null) throw new UsageException("--save takes one network; the batchnorm lesson trains two.");
            int n = p.GetResult(epochs) is { Implicit: false } ? p.GetValue(epochs) : CourseLessons.Epochs(which);
            return RunLesson(o, which, p.GetValue(data), p.GetValue(dataset), n, p.GetValue(threads), p.GetValue(Cli.Quiet), p.GetValue(save));
        });
        return cmd;
    }

    /// <summary>
    /// A course lesson: each network trained as the note's first cell is (fresh seed 777), then the
    /// note's lines: the cost per epoch (one column per network), "Learning finished", the test
    /// accuracy of each network and the note's random test digit.
    /// </summary>
    private static int RunLesson(Output o, CourseLesson lesson, string? dataDir, string? dataset, int epochs, int threads, bool quiet, string? save)
    {
        Options.CheckEpochsAndThreads(epochs, threads);
        if (save is not null) OutputCheck.Writable(save, "--save");
        var splits = DataSource.Load(o, dataDir, dataset, quiet);
        using var compute = Options.UseThreads(o, threads);
        var configs = CourseLessons.Configs(lesson, DataSource.Canonical(dataDir, dataset), epochs);
        var runs = new List<(string Label, SeedExperiment Exp, IReadOnlyList<EpochReport> History)>();
        foreach (var (label, config) in configs)
        {
            var exp = SeedExperiment.Create(config, splits);
            var history = exp.Trainer.Fit(null, CancellationToken.None, new FitOptions { EvaluateEachEpoch = false, BatchProgress = o.EpochProgress(quiet, epochs) });
            runs.Add((label, exp, history));
        }
        bool two = runs.Count > 1;
        if (!quiet)
            for (int e = 0; e < epochs; e++)
                o.Out.WriteLine($"Epoch: {e + 1:0000} " + string.Join(" ", runs.Select(r =>
                    $"cost{(two ? $" ({r.Label})" : "")} = {r.History[e].TrainCost.ToString("F9", CultureInfo.InvariantCulture)}")));
        return Ending(o, [.. runs.Select(r => (r.Label, r.Exp))], splits, save, quiet);
    }

    private static int Run(Output o, bool deep, string? dataDir, string? dataset, int epochs, int threads, bool quiet, string? save)
    {
        Options.CheckEpochsAndThreads(epochs, threads);
        if (save is not null) OutputCheck.Writable(save, "--save");
        string source = DataSource.Canonical(dataDir, dataset);
        var splits = DataSource.Load(o, dataDir, dataset, quiet);
        using var compute = Options.UseThreads(o, threads);
        var exp = SeedExperiment.Create(deep, epochs, splits, source);
        o.Out.WriteLine(TorchPrint.Parameter(exp.LastWeight.Value));
        var lines = new InlineProgress<EpochReport>(r =>
        {
            if (!quiet) o.Out.WriteLine($"Epoch: {r.Epoch:0000} cost = {r.TrainCost.ToString("F9", CultureInfo.InvariantCulture)}");
        });
        // The note measures accuracy once, at the end; so does this command.
        exp.Trainer.Fit(lines, CancellationToken.None, new FitOptions { EvaluateEachEpoch = false, BatchProgress = o.EpochProgress(quiet, epochs) });
        return Ending(o, [("", exp)], splits, save, quiet);
    }

    /// <summary>
    /// The note's ending for the trained networks: "Learning finished", --save (the first network),
    /// each network's test accuracy, the note's random test digit (picked by the first network's
    /// generator) with its label and each network's prediction. One network gives the note's lines;
    /// with several, each line names its network.
    /// </summary>
    private static int Ending(Output o, IReadOnlyList<(string Label, SeedExperiment Exp)> runs, DataSplits splits, string? save, bool quiet)
    {
        o.Out.WriteLine("Learning finished");
        var outputs = new LateOutputs(o);
        if (save is not null) outputs.Write("--save", save, () => ModelFile.Save(runs[0].Exp.Model, save));
        bool two = runs.Count > 1;
        foreach (var r in runs)
            o.Out.WriteLine($"Accuracy{(two ? $" ({r.Label})" : "")}: {((double)Evaluator.Accuracy(r.Exp.Model, splits.Test)).ToString("R", CultureInfo.InvariantCulture)}");
        var test = splits.Test;
        int index = runs[0].Exp.PickTestIndex(test.Count);
        if (!quiet)
            foreach (var line in DigitArt.Render(test.Row(index), test.ImageRows, test.ImageCols)) o.Out.WriteLine(line);
        o.Out.WriteLine($"Label:  {test.Labels[index]}{PredictCommand.ClassName(test, test.Labels[index])}");
        foreach (var r in runs)
        {
            int prediction = Evaluator.PredictOne(r.Exp.Model, test.Row(index));
            o.Out.WriteLine($"Prediction{(two ? $" ({r.Label})" : "")}:  {prediction}{PredictCommand.ClassName(test, prediction)}");
        }
        return outputs.ExitCode();
    }
}
