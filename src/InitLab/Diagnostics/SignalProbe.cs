using InitLab.Nn;
using InitLab.Tensors;

namespace InitLab.Diagnostics;

/// <summary>
/// What one layer of a freshly initialized network does to a batch: the statistics of its
/// output (after the activation for hidden layers, the logits for the last): the mean over all
/// values and the standard deviation across the batch (per unit, root-mean-square over units,
/// so that a layer whose units ignore the input shows 0), the fraction that is dead or saturated
/// as its activation defines it (<see cref="Activation.DeadOrSaturated"/>: ReLU family, units zero
/// for every sample; tanh, sigmoid, activations within 1% of a limit), and the norm of its weight
/// gradient after one backward pass.
/// </summary>
public sealed record LayerStats(int Layer, int Units, double Mean, double Std, double DeadOrSaturated, double WeightGradNorm, bool IsOutput);

/// <summary>Forwards a batch through a network, backpropagates the loss once, and reports per-layer statistics.</summary>
public static class SignalProbe
{
    /// <summary>
    /// Statistics of every Linear layer of <paramref name="model"/> on <paramref name="x"/> (batch, in)
    /// with <paramref name="labels"/> (batch) for the cross-entropy loss; the weights are not changed,
    /// but the parameters' gradients are overwritten.
    /// </summary>
    public static IReadOnlyList<LayerStats> Run(Sequential model, Tensor x, ReadOnlySpan<int> labels)
    {
        // In evaluation mode: a probe must not draw dropout masks from the run's generator nor
        // move BatchNorm's running statistics, or the run it describes would train differently.
        bool training = model.Training;
        model.Training = false;
        try
        {
            return Probe(model, x, labels);
        }
        finally
        {
            model.Training = training;
        }
    }

    private static IReadOnlyList<LayerStats> Probe(Sequential model, Tensor x, ReadOnlySpan<int> labels)
    {
        var stats = new List<(int Units, double Mean, double Std, double Dead, Linear Linear, bool Output)>();
        Tensor h = x;
        Linear? current = null;
        var layers = model.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            h = layers[i].Forward(h);
            if (layers[i] is Linear l)
            {
                current = l;
                bool last = !layers.Skip(i + 1).Any(o => o is Linear);
                if (last || !layers.Skip(i + 1).TakeWhile(o => o is not Linear).Any(o => o is Activation))
                    stats.Add(Describe(h, null, l, last));
            }
            else if (layers[i] is Activation a && current is not null)
                stats.Add(Describe(h, a, current, false));
        }
        var loss = new CrossEntropyLoss();
        loss.Forward(h, labels);
        model.Backward(loss.Gradient, needInputGrad: false);
        return stats.Select((s, i) => new LayerStats(i + 1, s.Units, s.Mean, s.Std, s.Dead,
            Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(s.Linear.Weight.Grad.Span)), s.Output)).ToList();
    }

    private static (int, double, double, double, Linear, bool) Describe(Tensor h, Activation? activation, Linear linear, bool output)
    {
        int rows = h.Rows, cols = h.Cols;
        double total = 0, variance = 0;
        for (int j = 0; j < cols; j++)
        {
            double sum = 0, sq = 0;
            for (int i = 0; i < rows; i++)
            {
                double v = h[i, j];
                sum += v;
                sq += v * v;
            }
            double m = sum / rows;
            total += sum;
            variance += Math.Max(0, sq / rows - m * m);
        }
        double mean = total / h.Length;
        double std = Math.Sqrt(variance / cols);
        double dead = activation?.DeadOrSaturated(h) ?? double.NaN;
        return (cols, mean, std, dead, linear, output);
    }
}
