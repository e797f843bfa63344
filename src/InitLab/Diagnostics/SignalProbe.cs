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
/// <param name="Layer">The Linear layer's number, 1-based.</param>
/// <param name="Units">Its output width.</param>
/// <param name="Mean">Mean of the layer's output after its activation (the logits for the last layer), over the batch.</param>
/// <param name="Std">Standard deviation of that output.</param>
/// <param name="DeadOrSaturated">Fraction of units dead (ReLU: output 0) or saturated (tanh, sigmoid), in [0, 1].</param>
/// <param name="WeightGradNorm">Frobenius norm of the weight's gradient after one backward pass of the cross-entropy.</param>
/// <param name="IsOutput">True for the last (logit) layer.</param>
public sealed record LayerStats(int Layer, int Units, double Mean, double Std, double DeadOrSaturated, double WeightGradNorm, bool IsOutput)
{
    /// <summary>
    /// The mean square of the layer's pre-activations h = W·x + b over the batch and the units:
    /// mean-field theory's q(l), and the quantity LSUV scales to 1. NaN when not measured (records
    /// written before it existed).
    /// </summary>
    public double PreActivationSquare { get; init; } = double.NaN;

    /// <summary>
    /// The Frobenius norm of the back-propagated gradient ∂L/∂h at this layer's pre-activations
    /// (over the batch and the units): Glorot &amp; Bengio's back-propagated gradient, whose
    /// layer-to-layer ratio mean-field theory predicts. NaN when not measured (only
    /// <see cref="SignalProbe64"/> measures it).
    /// </summary>
    public double PreActivationGradNorm { get; init; } = double.NaN;
}

/// <summary>Forwards a batch through a network, backpropagates the loss once, and reports per-layer statistics.</summary>
public static class SignalProbe
{
    /// <summary>
    /// Statistics of every Linear layer (and of every residual block's output) of
    /// <paramref name="model"/> on <paramref name="x"/> (batch, in) with <paramref name="labels"/>
    /// (batch) for the cross-entropy loss; the weights are not changed, but the parameters'
    /// gradients are overwritten.
    /// </summary>
    /// <param name="model">The network.</param>
    /// <param name="x">The batch, (batch, in).</param>
    /// <param name="labels">The batch's labels.</param>
    /// <param name="trainingMode">
    /// False (the default): evaluation mode, so the probe draws no dropout mask and leaves
    /// BatchNorm's running statistics alone (a network about to be trained stays as it was). True:
    /// training mode, so BatchNorm normalizes with the batch's own statistics, as the first training
    /// step sees it; the probe then moves the running statistics and draws dropout masks, which
    /// only a network that is thrown away afterwards (as <c>initlab inspect</c>'s) may afford.
    /// </param>
    public static IReadOnlyList<LayerStats> Run(Sequential model, Tensor x, ReadOnlySpan<int> labels, bool trainingMode = false)
    {
        bool training = model.Training;
        model.Training = trainingMode;
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
        var pre = new List<double>();
        Tensor h = x;
        Linear? current = null;
        var layers = model.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            h = layers[i].Forward(h);
            if (layers[i] is Linear l)
            {
                current = l;
                // Linear.Forward alone never fuses the ReLU, so h here is the pre-activation.
                pre.Add(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(h.Span) / h.Length);
                bool last = !layers.Skip(i + 1).Any(o => o is Linear);
                if (last || !layers.Skip(i + 1).TakeWhile(o => o is not Linear).Any(o => o is Activation))
                    stats.Add(Describe(h, null, l, last));
            }
            else if (layers[i] is Activation a && current is not null)
                stats.Add(Describe(h, a, current, false));
            else if (layers[i] is ResidualBlock block)
            {
                // A block's output x + α·branch(x): its row, with the weight gradient of the branch's first Linear.
                pre.Add(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(h.Span) / h.Length);
                stats.Add(Describe(h, null, block.Branch.Layers.OfType<Linear>().First(), false));
            }
        }
        var loss = new CrossEntropyLoss();
        loss.Forward(h, labels);
        model.Backward(loss.Gradient, needInputGrad: false);
        return stats.Select((s, i) => new LayerStats(i + 1, s.Units, s.Mean, s.Std, s.Dead,
            Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(s.Linear.Weight.Grad.Span)), s.Output) { PreActivationSquare = pre[i] }).ToList();
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

/// <summary>The spread of one per-layer statistic over several probes (seeds, batches) of the same network shape.</summary>
public static class ProbeSpread
{
    /// <summary>
    /// Per layer (in the order of the first replica), the smallest and largest finite value of
    /// <paramref name="value"/> over <paramref name="replicas"/>; NaN where no replica has a finite value.
    /// </summary>
    /// <param name="replicas">One probe result per seed or batch, all of the same network shape.</param>
    /// <param name="value">The statistic, e.g. s => s.Std.</param>
    public static IReadOnlyList<(int Layer, double Min, double Max)> Of(IReadOnlyList<IReadOnlyList<LayerStats>> replicas, Func<LayerStats, double> value)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(value);
        if (replicas.Count == 0) throw new ArgumentException("No probe results.", nameof(replicas));
        if (replicas.Any(r => r.Count != replicas[0].Count)) throw new ArgumentException("The probes are of networks with different depths.", nameof(replicas));
        return replicas[0].Select((s, i) =>
        {
            var values = replicas.Select(r => value(r[i])).Where(double.IsFinite).ToList();
            return values.Count == 0 ? (s.Layer, double.NaN, double.NaN) : (s.Layer, values.Min(), values.Max());
        }).ToList();
    }
}
