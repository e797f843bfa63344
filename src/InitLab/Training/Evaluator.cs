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
        Tensor? x = null;
        Predict(model, data, batchSize, ref x, predictions);
        return predictions;
    }

    /// <summary>
    /// As <see cref="Predict(Layer, Dataset, int)"/>, into <paramref name="predictions"/>, gathering
    /// each batch into <paramref name="x"/> (reused when its shape fits, else replaced): the
    /// trainer's per-epoch evaluation keeps both between epochs.
    /// </summary>
    internal static void Predict(Layer model, Dataset data, int batchSize, ref Tensor? x, Span<int> predictions)
    {
        int f = data.FeatureCount;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int rows = Math.Min(batchSize, data.Count - start);
            long t = Profile.Now();
            if (x is null || x.Rows != rows || x.Cols != f) x = new Tensor(rows, f);
            for (int r = 0; r < rows; r++) data.CopyRow(start + r, x.Row(r));
            Profile.Add(Profile.EvalGather, t);
            t = Profile.Now();
            var logits = ForwardEval(model, x);
            Profile.Add(Profile.EvalForward, t);
            for (int r = 0; r < rows; r++) predictions[start + r] = Ops.ArgMax(logits.Row(r));
        }
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
