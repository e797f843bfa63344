using InitLab.Io;
using System.CommandLine;
using System.Globalization;
using System.Text;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>`initlab evaluate`: a saved model's test accuracy and confusion matrix.</summary>
internal static class EvaluateCommand
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
        o.Out.WriteLine($"Test accuracy: {TrainCommand.Percent(accuracy)} ({correct} of {predicted.Length})");
        var counts = Evaluator.ConfusionMatrix(test.Labels, predicted, test.Classes);
        foreach (var line in RenderMatrix(counts)) o.Out.WriteLine(line);
        o.Out.WriteLine();
        foreach (var line in ClassificationReport(counts, test.ClassNames)) o.Out.WriteLine(line);
        if (predictionsPath is not null)
        {
            var csv = new StringBuilder("index,label,prediction\n");
            for (int i = 0; i < predicted.Length; i++) csv.Append(CultureInfo.InvariantCulture, $"{i},{test.Labels[i]},{predicted[i]}\n");
            AtomicFile.WriteAllText(predictionsPath, csv.ToString());
        }
        return Cli.Ok;
    }

    /// <summary>
    /// scikit-learn's classification_report from a confusion matrix (rows: label): per class
    /// precision, recall, F1 and support, then accuracy, macro and weighted averages, two digits.
    /// A class never predicted has precision 0, as scikit-learn's zero_division default reports it.
    /// </summary>
    internal static IEnumerable<string> ClassificationReport(int[,] counts, IReadOnlyList<string>? names)
    {
        int n = counts.GetLength(0);
        var c = CultureInfo.InvariantCulture;
        string F(double v) => v.ToString("0.00", c);
        var label = Enumerable.Range(0, n).Select(k => names is not null && k < names.Count ? names[k] : k.ToString(c)).ToList();
        int width = Math.Max("weighted avg".Length, label.Max(l => l.Length));
        string Row(string name, string p, string r, string f1, long support) =>
            $"{name.PadLeft(width)} {p,9} {r,9} {f1,9} {support.ToString(c),9}";
        var precision = new double[n];
        var recall = new double[n];
        var f1 = new double[n];
        var support = new long[n];
        long total = 0, correct = 0;
        for (int k = 0; k < n; k++)
        {
            long predicted = 0;
            for (int r = 0; r < n; r++) { support[k] += counts[k, r]; predicted += counts[r, k]; }
            precision[k] = predicted == 0 ? 0 : (double)counts[k, k] / predicted;
            recall[k] = support[k] == 0 ? 0 : (double)counts[k, k] / support[k];
            f1[k] = precision[k] + recall[k] == 0 ? 0 : 2 * precision[k] * recall[k] / (precision[k] + recall[k]);
            total += support[k];
            correct += counts[k, k];
        }
        yield return $"{"".PadLeft(width)} {"precision",9} {"recall",9} {"f1-score",9} {"support",9}";
        yield return "";
        for (int k = 0; k < n; k++) yield return Row(label[k], F(precision[k]), F(recall[k]), F(f1[k]), support[k]);
        yield return "";
        yield return Row("accuracy", "", "", F(total == 0 ? 0 : (double)correct / total), total);
        yield return Row("macro avg", F(precision.Average()), F(recall.Average()), F(f1.Average()), total);
        double Weighted(double[] v) => total == 0 ? 0 : Enumerable.Range(0, n).Sum(k => v[k] * support[k]) / total;
        yield return Row("weighted avg", F(Weighted(precision)), F(Weighted(recall)), F(Weighted(f1)), total);
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
