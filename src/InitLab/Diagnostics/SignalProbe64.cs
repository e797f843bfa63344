using System.Numerics.Tensors;
using InitLab.Nn;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Diagnostics;

/// <summary>
/// <see cref="SignalProbe"/> in double precision: the same statistics from a forward and backward
/// pass redone in double from the float weights, so that values float32 cannot resolve (PyTorch's
/// default init at depth 30 leaves a batch spread of ~1e-12 on top of biases of ~1e-2, below
/// float32's relative precision) are measured rather than shown as a plateau. It also measures
/// the back-propagated gradient ‖∂L/∂h(l)‖ at each layer's pre-activations, the quantity whose
/// layer-to-layer ratio mean-field theory predicts (χ per layer). Linear/activation stacks only
/// (relu, leaky-relu, tanh, sigmoid).
/// </summary>
public static class SignalProbe64
{
    /// <summary>
    /// Statistics of every Linear layer of <paramref name="model"/> on <paramref name="x"/> (batch, in)
    /// with <paramref name="labels"/> for the mean cross-entropy; nothing in the model is changed.
    /// </summary>
    /// <param name="model">Linear layers, each optionally followed by relu, leaky-relu, tanh or sigmoid.</param>
    /// <param name="x">The batch (batch, in).</param>
    /// <param name="labels">One class per row.</param>
    public static IReadOnlyList<LayerStats> Run(Sequential model, Tensor x, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(x);
        var steps = NetworkJacobian.Steps(model);
        int batch = x.Rows;
        if (labels.Length != batch) throw new ArgumentException($"{labels.Length} labels for a batch of {batch}.", nameof(labels));
        // Forward: inputs[l] is layer l's input, pre[l] its pre-activation, both (batch, width).
        var inputs = new List<double[]> { x.Data.Select(v => (double)v).ToArray() };
        var pre = new List<double[]>();
        var stats = new List<(int Units, double Mean, double Std, double Dead, double PreSquare)>();
        for (int l = 0; l < steps.Count; l++)
        {
            // Each step carries its layer's weights in double, converted once for both passes.
            var (linear, phi, layer, weights) = steps[l];
            int m = linear.OutFeatures;
            var h = NetworkJacobian.Affine(linear, weights, inputs[l], batch);
            pre.Add(h);
            var y = phi is null ? h : h.Select(phi.F).ToArray();
            inputs.Add(y);
            double dead = layer is null || l == steps.Count - 1 ? double.NaN : layer.DeadOrSaturated(new Tensor(y.Select(v => (float)v).ToArray(), batch, m));
            var (mean, std) = MeanAndStd(y, batch, m);
            stats.Add((m, mean, std, dead, TensorPrimitives.SumOfSquares<double>(h) / h.Length));
        }
        // Backward: g = ∂L/∂h(l) (batch, width), from (softmax − onehot) / batch at the logits.
        var g = SoftmaxGradient(pre[^1], labels, steps[^1].Linear.OutFeatures);
        var gradNorms = new double[steps.Count];
        var weightGradNorms = new double[steps.Count];
        for (int l = steps.Count - 1; l >= 0; l--)
        {
            var linear = steps[l].Linear;
            int n = linear.InFeatures, m = linear.OutFeatures;
            gradNorms[l] = Math.Sqrt(TensorPrimitives.SumOfSquares<double>(g));
            weightGradNorms[l] = WeightGradNorm(g, inputs[l], batch, m, n);
            if (l == 0) break;
            // ∂L/∂x (batch, in) = g (batch, out) · W (out, in); then ⊙ φ'(h(l−1)).
            var w = steps[l].Weights;
            var dx = new double[batch * n];
            var phi = steps[l - 1].Phi;
            for (int b = 0; b < batch; b++)
            {
                var row = dx.AsSpan(b * n, n);
                for (int i = 0; i < m; i++)
                {
                    double gi = g[b * m + i];
                    if (gi != 0) TensorPrimitives.MultiplyAdd(w.AsSpan(i * n, n), gi, row, row);
                }
                if (phi is not null)
                    for (int k = 0; k < n; k++) row[k] *= phi.D1(pre[l - 1][b * n + k]);
            }
            g = dx;
        }
        return stats.Select((s, l) => new LayerStats(l + 1, s.Units, s.Mean, s.Std, s.Dead, weightGradNorms[l], l == steps.Count - 1)
        {
            PreActivationSquare = s.PreSquare,
            PreActivationGradNorm = gradNorms[l],
        }).ToList();
    }

    // Mean over all values; standard deviation across the batch per unit, root-mean-square over units (as SignalProbe).
    private static (double Mean, double Std) MeanAndStd(double[] y, int rows, int cols)
    {
        double total = 0, variance = 0;
        for (int j = 0; j < cols; j++)
        {
            double sum = 0;
            for (int i = 0; i < rows; i++) sum += y[i * cols + j];
            double mean = sum / rows, sq = 0;
            // Two passes: the spread is taken about the unit's mean, so it survives a large common offset.
            for (int i = 0; i < rows; i++) sq += (y[i * cols + j] - mean) * (y[i * cols + j] - mean);
            total += sum;
            variance += sq / rows;
        }
        return (total / y.Length, Math.Sqrt(variance / cols));
    }

    private static double[] SoftmaxGradient(double[] logits, ReadOnlySpan<int> labels, int classes)
    {
        int batch = labels.Length;
        var g = new double[logits.Length];
        for (int b = 0; b < batch; b++)
        {
            // As CrossEntropyLoss: a label outside the classes would silently give a wrong gradient.
            if ((uint)labels[b] >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), $"Target {labels[b]} is outside [0, {classes}).");
            var row = logits.AsSpan(b * classes, classes);
            double max = TensorPrimitives.Max<double>(row), sum = 0;
            for (int c = 0; c < classes; c++) sum += g[b * classes + c] = Math.Exp(row[c] - max);
            for (int c = 0; c < classes; c++) g[b * classes + c] = (g[b * classes + c] / sum - (c == labels[b] ? 1 : 0)) / batch;
        }
        return g;
    }

    // ‖dW‖_F with dW (out, in) = gᵀ (out, batch) · x (batch, in), formed row by row.
    private static double WeightGradNorm(double[] g, double[] x, int batch, int m, int n)
    {
        var row = new double[n];
        double total = 0;
        for (int i = 0; i < m; i++)
        {
            Array.Clear(row);
            for (int b = 0; b < batch; b++)
            {
                double gi = g[b * m + i];
                if (gi != 0) TensorPrimitives.MultiplyAdd(x.AsSpan(b * n, n), gi, row, row);
            }
            total += TensorPrimitives.SumOfSquares<double>(row);
        }
        return Math.Sqrt(total);
    }
}
