using System.CommandLine;
using System.Globalization;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>`initlab predict`: one test image drawn as text, its label, the model's prediction and class probabilities.</summary>
public static class PredictCommand
{
    public static Command Build(Output o)
    {
        var model = ModelOptions.Model();
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files." };
        var dataset = DataSource.DatasetOption();
        var index = new Option<int>("--index") { Description = "Which test image (0-based).", DefaultValueFactory = _ => 0 };
        var activation = ModelOptions.Activation();
        var cmd = new Command("predict", "Classify one test image with a saved model and show the probability of each class.")
        {
            model, data, dataset, index, activation, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p => Run(o, p.GetValue(model)!, p.GetValue(data), p.GetValue(dataset), p.GetValue(index), p.GetValue(activation), p.GetValue(Cli.Quiet)));
        return cmd;
    }

    private static int Run(Output o, string modelPath, string? dataDir, string? dataset, int index, string? activation, bool quiet)
    {
        if (dataDir is null && dataset is null) throw new UsageException("give --data DIR or --dataset NAME.");
        if (index < 0) throw new UsageException($"--index must not be negative, got {index}.");
        var test = DataSource.Load(o, dataDir, dataset, quiet).Test;
        if (index >= test.Count) throw new ArgumentException($"--index {index}: {test.Source} holds only {test.Count} images (0..{test.Count - 1}).");
        var loaded = ModelOptions.LoadFor(modelPath, activation, test);
        var row = test.Row(index);
        var probabilities = Evaluator.Probabilities(loaded.Model, row);
        int predicted = Array.IndexOf(probabilities, probabilities.Max());
        if (!quiet)
            foreach (var line in DigitArt.Render(row, test.ImageRows, test.ImageCols)) o.Out.WriteLine(line);
        o.Out.WriteLine($"Label:  {test.Labels[index]}{ClassName(test, test.Labels[index])}");
        o.Out.WriteLine($"Prediction:  {predicted}{ClassName(test, predicted)}");
        o.Out.WriteLine("Probabilities:");
        for (int c = 0; c < probabilities.Length; c++)
            o.Out.WriteLine($"  {c,2}  {probabilities[c].ToString("F6", CultureInfo.InvariantCulture)}{(c == predicted ? "  <" : "")}");
        return Cli.Ok;
    }

    internal static string ClassName(InitLab.Data.Dataset d, int label) =>
        label < d.ClassNames.Count && d.ClassNames[label] != label.ToString(CultureInfo.InvariantCulture) ? $" ({d.ClassNames[label]})" : "";
}
