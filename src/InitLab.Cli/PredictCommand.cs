using System.CommandLine;
using System.Globalization;
using InitLab.Data;
using InitLab.Io;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>`initlab predict`: one test image drawn as text, its label, the model's prediction and class probabilities.</summary>
internal static class PredictCommand
{
    public static Command Build(Output o)
    {
        var model = ModelOptions.Model();
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files." };
        var dataset = DataSource.DatasetOption();
        var index = new Option<int>("--index") { Description = "Which test image (0-based).", DefaultValueFactory = _ => 0 };
        var image = new Option<string?>("--image") { Description = "Classify this PNG instead (any size or colour; made into a 28x28 MNIST-style digit first)." };
        var activation = ModelOptions.Activation();
        var cmd = new Command("predict", "Classify one test image (or a PNG) with a saved model and show the probability of each class.")
        {
            model, data, dataset, index, image, activation, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p => p.GetValue(image) is { } png
            ? RunImage(o, p.GetValue(model)!, png, p.GetValue(data) ?? p.GetValue(dataset), p.GetValue(activation), p.GetValue(Cli.Quiet))
            : Run(o, p.GetValue(model)!, p.GetValue(data), p.GetValue(dataset), p.GetValue(index), p.GetValue(activation), p.GetValue(Cli.Quiet)));
        return cmd;
    }

    private static int RunImage(Output o, string modelPath, string imagePath, string? dataGiven, string? activation, bool quiet)
    {
        if (dataGiven is not null) throw new UsageException("give either --image FILE or --data/--dataset with --index, not both.");
        if (activation is not null) Options.Activation(activation);
        var loaded = ModelFile.Load(modelPath, activation);
        const int pixels = MnistPreprocess.Size * MnistPreprocess.Size;
        if (loaded.Sizes[0] != pixels)
            throw new UserInputException($"{modelPath}: the model takes {loaded.Sizes[0]} inputs, not the {pixels} pixels of a 28x28 image.");
        var (grey, width, height) = GreyImage.Read(imagePath);
        float[] row;
        try
        {
            row = MnistPreprocess.ToMnist(grey, width, height);
        }
        catch (Exception e) when (e is ArgumentException or UserInputException)
        {
            throw new UserInputException($"--image {imagePath}: {e.Message}");
        }
        var probabilities = Evaluator.Probabilities(loaded.Model, row);
        if (!quiet)
            foreach (var line in DigitArt.Render(row, MnistPreprocess.Size, MnistPreprocess.Size)) o.Out.WriteLine(line);
        WritePrediction(o, probabilities, c => "");
        return Cli.Ok;
    }

    private static void WritePrediction(Output o, float[] probabilities, Func<int, string> className)
    {
        int predicted = InitLab.Tensors.Ops.ArgMax(probabilities);
        o.Out.WriteLine($"Prediction:  {predicted}{className(predicted)}");
        o.Out.WriteLine("Probabilities:");
        for (int c = 0; c < probabilities.Length; c++)
            o.Out.WriteLine($"  {c,2}  {probabilities[c].ToString("F6", CultureInfo.InvariantCulture)}{(c == predicted ? "  <" : "")}");
    }

    private static int Run(Output o, string modelPath, string? dataDir, string? dataset, int index, string? activation, bool quiet)
    {
        if (dataDir is null && dataset is null) throw new UsageException("give --data DIR or --dataset NAME.");
        if (index < 0) throw new UsageException($"--index must not be negative, got {index}.");
        var test = DataSource.Load(o, dataDir, dataset, quiet).Test;
        if (index >= test.Count) throw new UsageException($"--index {index}: {test.Source} holds only {test.Count} images (0..{test.Count - 1}).");
        var loaded = ModelOptions.LoadFor(modelPath, activation, test);
        var row = test.Row(index);
        var probabilities = Evaluator.Probabilities(loaded.Model, row);
        if (!quiet)
            foreach (var line in DigitArt.Render(row, test.ImageRows, test.ImageCols)) o.Out.WriteLine(line);
        o.Out.WriteLine($"Label:  {test.Labels[index]}{ClassName(test, test.Labels[index])}");
        WritePrediction(o, probabilities, c => ClassName(test, c));
        return Cli.Ok;
    }

    internal static string ClassName(InitLab.Data.Dataset d, int label) =>
        label < d.ClassNames.Count && d.ClassNames[label] != label.ToString(CultureInfo.InvariantCulture) ? $" ({d.ClassNames[label]})" : "";
}
