using System.Numerics.Tensors;
using Tensor = InitLab.Tensors.Tensor;
using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// torch.nn.CrossEntropyLoss with mean reduction: log-softmax of the logits (shifted by the row
/// maximum, so large logits do not overflow) followed by the negative log-likelihood of the
/// target class, averaged over the batch.
/// </summary>
public sealed class CrossEntropyLoss
{
    private Tensor? _grad;

    /// <summary>dLoss/dlogits for the last <see cref="Forward"/>, (batch, classes).</summary>
    public Tensor Gradient => _grad ?? throw new InvalidOperationException("Forward has not been called.");

    /// <summary>
    /// logits is (batch, classes); targets holds one class index per row. Returns the mean loss
    /// and leaves (softmax - onehot) / batch in <see cref="Gradient"/>.
    /// </summary>
    public float Forward(Tensor logits, ReadOnlySpan<int> targets)
    {
        int b = logits.Rows, c = logits.Cols;
        if (targets.Length != b) throw new ArgumentException($"CrossEntropyLoss: {b} rows of logits but {targets.Length} targets.");
        if (_grad is null || _grad.Rows != b || _grad.Cols != c) _grad = new Tensor(b, c);
        double total = 0;
        float invB = 1f / b;
        for (int i = 0; i < b; i++)
        {
            int t = targets[i];
            if ((uint)t >= (uint)c) throw new ArgumentOutOfRangeException(nameof(targets), $"Target {t} is outside [0, {c}).");
            var row = logits.Row(i);
            var g = _grad.Row(i);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, g);
            TensorPrimitives.Exp(g, g);
            float sum = TensorPrimitives.Sum(g);
            float logSumExp = max + MathF.Log(sum);
            total += logSumExp - row[t];
            TensorPrimitives.Multiply(g, invB / sum, g);
            g[t] -= invB;
        }
        return (float)(total / b);
    }
}
