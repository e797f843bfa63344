using System.Numerics.Tensors;
using InitLab.Nn;
using InitLab.Theory;

namespace InitLab.Diagnostics;

/// <summary>
/// The Jacobian of a Linear/activation stack at one input, in double precision: the product of
/// the layer Jacobians D(l)·W(l), where D(l) = diag φ'(h(l)) at the input's pre-activations h(l).
/// A segment runs from the input of one Linear layer to the output of another (after its
/// activation, if one follows), so that the hidden-to-hidden part of a 784-N-…-N-10 network is
/// square (N × N) and has N singular values.
/// </summary>
public static class NetworkJacobian
{
    /// <summary>
    /// The network's output (the last layer's, as <see cref="Sequential.Forward"/> gives it) for
    /// one <paramref name="input"/>, computed in double from the float weights: the reference the
    /// Jacobian is the derivative of.
    /// </summary>
    /// <param name="model">Linear layers, each optionally followed by an activation theory knows (relu, leaky-relu, tanh, sigmoid).</param>
    /// <param name="input">One input vector, the first layer's fan-in long.</param>
    public static double[] Forward(Sequential model, ReadOnlySpan<double> input)
    {
        var steps = Steps(model);
        var x = input.ToArray();
        foreach (var (linear, phi, _, weights) in steps)
        {
            x = Affine(linear, weights, x, 1);
            if (phi is not null)
                for (int i = 0; i < x.Length; i++) x[i] = phi.F(x[i]);
        }
        return x;
    }

    /// <summary>
    /// ∂y/∂x for the segment from the input x of Linear layer <paramref name="from"/> to the output
    /// y of Linear layer <paramref name="to"/> (after its activation, if it has one), both 0-based
    /// and inclusive, at the network input <paramref name="input"/>: (rows, cols) = (y's width,
    /// x's width), row-major.
    /// </summary>
    /// <param name="model">Linear layers, each optionally followed by an activation theory knows.</param>
    /// <param name="input">One network input, the first layer's fan-in long.</param>
    /// <param name="from">First Linear layer of the segment, 0-based.</param>
    /// <param name="to">Last Linear layer of the segment, 0-based, ≥ <paramref name="from"/>.</param>
    public static (double[] Jacobian, int Rows, int Cols) Compute(Sequential model, ReadOnlySpan<double> input, int from, int to) =>
        Compute(Steps(model), input, from, to);

    /// <summary>As <see cref="Compute(Sequential, ReadOnlySpan{double}, int, int)"/> on the model's <see cref="Steps"/>, taken once for many inputs.</summary>
    internal static (double[] Jacobian, int Rows, int Cols) Compute(List<Step> steps, ReadOnlySpan<double> input, int from, int to)
    {
        if (from < 0 || to >= steps.Count || from > to)
            throw new ArgumentOutOfRangeException(nameof(from), $"The segment {from}..{to} is not within the network's {steps.Count} Linear layers.");
        var x = input.ToArray();
        double[] j = [];
        int cols = steps[from].Linear.InFeatures, rows = cols;
        for (int l = 0; l <= to; l++)
        {
            var (linear, phi, _, weights) = steps[l];
            if (l == from) j = Identity(cols);
            var h = Affine(linear, weights, x, 1);
            if (l >= from)
            {
                j = LeftMultiply(linear, weights, j, cols);   // J (out, cols) = W (out, in) · J (in, cols)
                rows = linear.OutFeatures;
                if (phi is not null)
                    for (int i = 0; i < rows; i++) TensorPrimitives.Multiply(j.AsSpan(i * cols, cols), phi.D1(h[i]), j.AsSpan(i * cols, cols));
            }
            x = h;
            if (phi is not null)
                for (int i = 0; i < x.Length; i++) x[i] = phi.F(x[i]);
        }
        return (j, rows, cols);
    }

    /// <summary>A Linear layer, the activation after it (null for none) as φ and as the layer, and the layer's weights in double (<see cref="WeightsAsDouble"/>).</summary>
    internal readonly record struct Step(Linear Linear, Phi? Phi, Activation? Layer, double[] Weights);

    internal static List<Step> Steps(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var steps = new List<Step>();
        foreach (var layer in model.Layers)
        {
            if (layer is Linear l) steps.Add(new Step(l, null, null, WeightsAsDouble(l)));
            else if (layer is Activation a && steps.Count > 0 && steps[^1].Phi is null && SignalTheory.PhiOf(a) is { } phi) steps[^1] = steps[^1] with { Phi = phi, Layer = a };
            else throw new ArgumentException($"Only Linear layers each followed by relu, leaky-relu, tanh or sigmoid are supported here; this network has {layer}.", nameof(model));
        }
        if (steps.Count == 0) throw new ArgumentException("The network has no Linear layer.", nameof(model));
        return steps;
    }

    /// <summary>
    /// H (batch, out) = X (batch, in) · Wᵀ + b, in double, with <paramref name="weights"/> the
    /// layer's weights in double (a <see cref="Step"/>'s Weights).
    /// </summary>
    internal static double[] Affine(Linear linear, double[] weights, double[] x, int batch)
    {
        int n = linear.InFeatures, m = linear.OutFeatures;
        if (x.Length != batch * n) throw new ArgumentException($"The input has {x.Length} values; the layer takes {n} per row for {batch} row(s).");
        var h = new double[batch * m];
        for (int b = 0; b < batch; b++)
        {
            var xb = x.AsSpan(b * n, n);
            for (int i = 0; i < m; i++)
                h[b * m + i] = TensorPrimitives.Dot<double>(weights.AsSpan(i * n, n), xb) + (linear.Bias is null ? 0 : linear.Bias.Value.Data[i]);
        }
        return h;
    }

    private static double[] WeightsAsDouble(Linear linear)
    {
        var w = linear.Weight.Value.Data;
        var wd = new double[w.Length];
        for (int i = 0; i < w.Length; i++) wd[i] = w[i];
        return wd;
    }

    // W (out, in) · J (in, cols), row by row: each output row is a weighted sum of J's rows.
    private static double[] LeftMultiply(Linear linear, double[] w, double[] j, int cols)
    {
        int n = linear.InFeatures;
        var result = new double[linear.OutFeatures * cols];
        for (int i = 0; i < linear.OutFeatures; i++)
        {
            var row = result.AsSpan(i * cols, cols);
            for (int k = 0; k < n; k++)
            {
                double a = w[i * n + k];
                if (a != 0) TensorPrimitives.MultiplyAdd(j.AsSpan(k * cols, cols), a, row, row);
            }
        }
        return result;
    }

    private static double[] Identity(int n)
    {
        var m = new double[n * n];
        for (int i = 0; i < n; i++) m[i * n + i] = 1;
        return m;
    }
}
