using InitLab.Nn;
using InitLab.Tensors;

namespace InitLab.Init;

/// <summary>What LSUV did to one Linear layer.</summary>
/// <param name="Layer">The Linear layer's index among the Linear layers, 0-based.</param>
/// <param name="Iterations">Rescaling rounds spent (at most iters).</param>
/// <param name="FinalVariance">Variance of the layer's pre-activation output on the batch after the last round (target 1).</param>
public sealed record LsuvStep(int Layer, int Iterations, double FinalVariance);

/// <summary>
/// Layer-sequential unit-variance initialization (Mishkin and Matas, 2016). Starting from
/// orthogonal weights and zero biases, each Linear layer in turn is run on a batch of real
/// data and its weights divided by the standard deviation of its output (before the
/// activation), until that variance is within <c>tol</c> of 1 or <c>iters</c> rounds are spent.
/// </summary>
public static class Lsuv
{
    /// <summary>Rescales <paramref name="model"/>'s Linear weights in place, first layer first, on <paramref name="batch"/> (batch, in); returns one step per Linear layer.</summary>
    /// <param name="model">The network, already initialized (LSUV's own start is orthogonal weights and zero biases).</param>
    /// <param name="batch">Real training inputs, (batch, in).</param>
    /// <param name="tolerance">Stop once |variance - 1| is below this (&gt; 0).</param>
    /// <param name="maxIterations">Rounds per layer at most (&gt;= 1).</param>
    public static IReadOnlyList<LsuvStep> Apply(Sequential model, Tensor batch, double tolerance = 0.1, int maxIterations = 10)
    {
        if (!(tolerance > 0)) throw new ArgumentException($"lsuv: tol must be positive, got {tolerance}.");
        if (maxIterations < 1) throw new ArgumentException($"lsuv: iters must be at least 1, got {maxIterations}.");
        var steps = new List<LsuvStep>();
        Tensor h = batch;
        int linearIndex = 0;
        foreach (var layer in model.Layers)
        {
            if (layer is Linear linear)
            {
                linear.Bias?.Value.Span.Clear();
                int it = 0;
                double variance = 0;
                Tensor pre;
                while (true)
                {
                    // The layer's own forward (biases are 0, so this is x Wᵀ alone); the last round's
                    // output, from the final weights, is what the next layer sees.
                    pre = linear.Forward(h);
                    variance = Variance(pre.Data);
                    if (Math.Abs(variance - 1) < tolerance || it == maxIterations || variance == 0 || !double.IsFinite(variance)) break;
                    System.Numerics.Tensors.TensorPrimitives.Multiply(linear.Weight.Value.Span, (float)(1 / Math.Sqrt(variance)), linear.Weight.Value.Span);
                    it++;
                }
                steps.Add(new LsuvStep(linearIndex++, it, variance));
                h = pre;
            }
            else h = layer.Forward(h);
        }
        return steps;
    }

    private static double Variance(ReadOnlySpan<float> x)
    {
        double sum = 0, sq = 0;
        foreach (float v in x)
        {
            sum += v;
            sq += (double)v * v;
        }
        double mean = sum / x.Length;
        return Math.Max(0, sq / x.Length - mean * mean);
    }
}
