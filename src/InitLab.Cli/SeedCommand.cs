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
        var cmd = new Command("seed", "Run the study note's experiment: MNIST, 784-256-256-10 ReLU, xavier_uniform_, Adam 0.001, batch 100, seed 777.")
        {
            deep, data, dataset, epochs, threads, save, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p => Run(o, p.GetValue(deep), p.GetValue(data), p.GetValue(dataset), p.GetValue(epochs), p.GetValue(threads), p.GetValue(Cli.Quiet), p.GetValue(save)));
        return cmd;
    }

    private static int Run(Output o, bool deep, string? dataDir, string? dataset, int epochs, int threads, bool quiet, string? save)
    {
        Options.CheckEpochsAndThreads(epochs, threads);
        if (save is not null) OutputCheck.Writable(save, "--save");
        string source = DataSource.Canonical(dataDir, dataset);
        var splits = DataSource.Load(o, dataDir, dataset, quiet);
        using var compute = InitLab.Tensors.Compute.UseThreads(threads);
        var exp = SeedExperiment.Create(deep, epochs, splits, source);
        o.Out.WriteLine(TorchPrint.Parameter(exp.LastWeight.Value));
        var lines = new InlineProgress<EpochReport>(r =>
        {
            if (!quiet) o.Out.WriteLine($"Epoch: {r.Epoch:0000} cost = {r.TrainCost.ToString("F9", CultureInfo.InvariantCulture)}");
        });
        // The note measures accuracy once, at the end; so does this command.
        exp.Trainer.Fit(lines, CancellationToken.None, new FitOptions { EvaluateEachEpoch = false, BatchProgress = o.EpochProgress(quiet, epochs) });
        o.Out.WriteLine("Learning finished");
        var outputs = new LateOutputs(o);
        if (save is not null) outputs.Write("--save", save, () => ModelFile.Save(exp.Model, save));
        float accuracy = Evaluator.Accuracy(exp.Model, splits.Test);
        o.Out.WriteLine($"Accuracy: {((double)accuracy).ToString("R", CultureInfo.InvariantCulture)}");
        int index = exp.PickTestIndex(splits.Test.Count);
        var test = splits.Test;
        int prediction = Evaluator.PredictOne(exp.Model, test.Row(index));
        if (!quiet)
            foreach (var line in DigitArt.Render(test.Row(index), test.ImageRows, test.ImageCols)) o.Out.WriteLine(line);
        o.Out.WriteLine($"Label:  {test.Labels[index]}{PredictCommand.ClassName(test, test.Labels[index])}");
        o.Out.WriteLine($"Prediction:  {prediction}{PredictCommand.ClassName(test, prediction)}");
        return outputs.ExitCode();
    }
}
