using InitLab.Data;
using InitLab.Nn;
using InitLab.Tensors;

namespace InitLab.Training;

/// <summary>
/// Predictions and accuracy of a trained classifier. Every forward pass here runs the model in
/// evaluation mode (Dropout off, BatchNorm on its running statistics, as model.eval() in PyTorch)
/// and puts back the mode it found.
/// </summary>
public static class Evaluator
{
    /// <summary>model.Forward(x) in evaluation mode, restoring the model's mode afterwards.</summary>
    private static Tensor ForwardEval(Layer model, Tensor x)
    {
        bool training = model.Training;
        model.Training = false;
        try
        {
            return model.Forward(x);
        }
        finally
        {
            model.Training = training;
        }
    }

    /// <summary>The argmax class for every row of <paramref name="data"/>, in batches.</summary>
    public static int[] Predict(Layer model, Dataset data, int batchSize = 1000)
    {
        var predictions = new int[data.Count];
        int f = data.FeatureCount;
        Tensor? x = null;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int rows = Math.Min(batchSize, data.Count - start);
            if (x is null || x.Rows != rows) x = new Tensor(rows, f);
            for (int r = 0; r < rows; r++) data.CopyRow(start + r, x.Row(r));
            var logits = ForwardEval(model, x);
            for (int r = 0; r < rows; r++) predictions[start + r] = Ops.ArgMax(logits.Row(r));
        }
        return predictions;
    }

    /// <summary>The argmax class for one input row.</summary>
    public static int PredictOne(Layer model, ReadOnlySpan<float> row)
    {
        var x = new Tensor(1, row.Length);
        row.CopyTo(x.Data);
        return Ops.ArgMax(ForwardEval(model, x).Row(0));
    }

    /// <summary>Fraction of rows whose prediction equals the label, as a float32 mean (as the note computes it).</summary>
    public static float Accuracy(Layer model, Dataset data, int batchSize = 1000) =>
        Accuracy(data.Labels, Predict(model, data, batchSize)).Accuracy;

    /// <summary>How many predictions equal their labels, and that share of all (0 for none).</summary>
    public static (int Correct, float Accuracy) Accuracy(IReadOnlyList<int> labels, ReadOnlySpan<int> predicted)
    {
        int correct = 0;
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == labels[i]) correct++;
        return (correct, (float)correct / Math.Max(1, predicted.Length));
    }

    /// <summary>softmax(logits) for one input row: the model's probability of each class, summing to 1.</summary>
    public static float[] Probabilities(Layer model, ReadOnlySpan<float> row)
    {
        var x = new Tensor(1, row.Length);
        row.CopyTo(x.Data);
        var logits = ForwardEval(model, x).Row(0);
        // Shift by the largest logit so exp cannot overflow; sum in double for a stable total.
        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        var p = new float[logits.Length];
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += p[i] = MathF.Exp(logits[i] - max);
        for (int i = 0; i < p.Length; i++) p[i] = (float)(p[i] / sum);
        return p;
    }

    /// <summary>
    /// counts[label, predicted] over <paramref name="predictions"/> (one per row of the data);
    /// (classes, classes), where classes covers every label and prediction.
    /// </summary>
    public static int[,] ConfusionMatrix(IReadOnlyList<int> labels, IReadOnlyList<int> predictions, int classes)
    {
        if (labels.Count != predictions.Count) throw new ArgumentException($"{labels.Count} labels but {predictions.Count} predictions.");
        int n = Math.Max(classes, Math.Max(labels.DefaultIfEmpty(-1).Max(), predictions.DefaultIfEmpty(-1).Max()) + 1);
        var counts = new int[n, n];
        for (int i = 0; i < labels.Count; i++) counts[labels[i], predictions[i]]++;
        return counts;
    }
}
