using InitLab.Io;
using System.CommandLine;
using System.Globalization;
using System.Text;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>`initlab evaluate`: a saved model's test accuracy and confusion matrix.</summary>
public static class EvaluateCommand
{
    public static Command Build(Output o)
    {
        var model = ModelOptions.Model();
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files." };
        var dataset = DataSource.DatasetOption();
        var activation = ModelOptions.Activation();
        var predictions = new Option<string?>("--predictions") { Description = "Also write index,label,prediction for every test image to this CSV file." };
        var cmd = new Command("evaluate", "Report a saved model's accuracy on the test set and its confusion matrix.")
        {
            model, data, dataset, activation, predictions, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p => Run(o, p.GetValue(model)!, p.GetValue(data), p.GetValue(dataset), p.GetValue(activation), p.GetValue(predictions), p.GetValue(Cli.Quiet)));
        return cmd;
    }

    private static int Run(Output o, string modelPath, string? dataDir, string? dataset, string? activation, string? predictionsPath, bool quiet)
    {
        if (dataDir is null && dataset is null) throw new UsageException("give --data DIR or --dataset NAME.");
        if (predictionsPath is not null) OutputCheck.Writable(predictionsPath, "--predictions");
        var test = DataSource.Load(o, dataDir, dataset, quiet).Test;
        var loaded = ModelOptions.LoadFor(modelPath, activation, test);
        var predicted = Evaluator.Predict(loaded.Model, test);
        var (correct, accuracy) = Evaluator.Accuracy(test.Labels, predicted);
        o.Out.WriteLine($"Accuracy: {((double)accuracy).ToString("R", CultureInfo.InvariantCulture)} ({correct} of {predicted.Length})");
        var counts = Evaluator.ConfusionMatrix(test.Labels, predicted, test.Classes);
        foreach (var line in RenderMatrix(counts)) o.Out.WriteLine(line);
        if (predictionsPath is not null)
        {
            var csv = new StringBuilder("index,label,prediction\n");
            for (int i = 0; i < predicted.Length; i++) csv.Append(CultureInfo.InvariantCulture, $"{i},{test.Labels[i]},{predicted[i]}\n");
            AtomicFile.WriteAllText(predictionsPath, csv.ToString());
        }
        return Cli.Ok;
    }

    /// <summary>Rows are labels, columns predictions; the diagonal counts the correct ones.</summary>
    internal static IEnumerable<string> RenderMatrix(int[,] counts)
    {
        int n = counts.GetLength(0);
        int width = Math.Max(5, counts.Cast<int>().Max().ToString(CultureInfo.InvariantCulture).Length + 1);
        yield return "Confusion matrix (rows: label, columns: prediction):";
        yield return "label" + string.Concat(Enumerable.Range(0, n).Select(c => c.ToString(CultureInfo.InvariantCulture).PadLeft(width)));
        for (int r = 0; r < n; r++)
            yield return r.ToString(CultureInfo.InvariantCulture).PadLeft(5) +
                string.Concat(Enumerable.Range(0, n).Select(c => counts[r, c].ToString(CultureInfo.InvariantCulture).PadLeft(width)));
    }
}
