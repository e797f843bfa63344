using InitLab.Init;
using InitLab.Nn;
using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Diagnostics;

/// <summary>
/// The singular values of a freshly initialized network's hidden-to-hidden Jacobian (from the
/// input of the second Linear layer to the output of the last hidden activation, square for
/// equal hidden widths), pooled over a few inputs: what "dynamical isometry" (Saxe et al. 2014;
/// Pennington, Schoenholz &amp; Ganguli 2017) is about. All singular values near 1 means every
/// direction of the signal and the gradient passes through the depth unchanged.
/// </summary>
/// <param name="SingularValues">All singular values of every sample's Jacobian, descending per sample.</param>
/// <param name="Samples">Inputs the Jacobian was taken at.</param>
/// <param name="From">First Linear layer of the segment, 0-based.</param>
/// <param name="To">Last Linear layer of the segment, 0-based.</param>
/// <param name="PredictedMeanSquare">Mean-field theory's mean of σ² (<see cref="SignalTheory.PredictJacobianMeanSquare"/>), or null.</param>
public sealed record JacobianSpectrum(IReadOnlyList<double> SingularValues, int Samples, int From, int To, double? PredictedMeanSquare)
{
    /// <summary>The measured mean of σ²: the Jacobian's squared Frobenius norm over its size, averaged over the samples.</summary>
    public double MeanSquare => SingularValues.Average(s => s * s);

    /// <summary>
    /// The 5th, 50th and 95th percentiles of the singular values and the largest, from one sort:
    /// the k-th percentile is the value at 0-based rank ⌊n·k/100⌋ of the n values in ascending order.
    /// </summary>
    public JacobianPercentiles Percentiles()
    {
        if (SingularValues.Count == 0) throw new InvalidOperationException("The spectrum has no singular values.");
        var sorted = SingularValues.Order().ToArray();
        int n = sorted.Length;
        return new JacobianPercentiles(sorted[n * 5 / 100], sorted[n * 50 / 100], sorted[n * 95 / 100], sorted[^1]);
    }

    /// <summary>
    /// The spectrum of <paramref name="model"/> (initialized by <paramref name="plan"/>, or null
    /// for no prediction) at the first <paramref name="samples"/> rows of <paramref name="x"/>
    /// (batch, in), over the hidden layers: Linear layers 1 .. L−2 (0-based) with their activations.
    /// </summary>
    /// <param name="model">Linear layers each followed by relu, leaky-relu, tanh or sigmoid; at least 3 Linear layers.</param>
    /// <param name="plan">The initialization, for the theory's prediction; null for none.</param>
    /// <param name="x">Inputs (batch, in); also sets the theory's q(1).</param>
    /// <param name="samples">How many rows of <paramref name="x"/> to take the Jacobian at, 1 .. batch.</param>
    public static JacobianSpectrum Measure(Sequential model, InitPlan? plan, Tensor x, int samples)
    {
        ArgumentNullException.ThrowIfNull(x);
        var steps = NetworkJacobian.Steps(model);
        int linears = steps.Count;
        if (linears < 3) throw new ArgumentException($"The hidden-to-hidden Jacobian needs at least 3 Linear layers; the network has {linears}.", nameof(model));
        if (samples < 1 || samples > x.Rows) throw new ArgumentOutOfRangeException(nameof(samples), $"samples must be 1 .. {x.Rows}, got {samples}.");
        int from = 1, to = linears - 2;
        var values = new List<double>();
        var input = new double[x.Cols];
        for (int i = 0; i < samples; i++)
        {
            var row = x.Row(i);
            for (int k = 0; k < input.Length; k++) input[k] = row[k];
            var (j, rows, cols) = NetworkJacobian.Compute(steps, input, from, to);
            values.AddRange(Theory.SingularValues.Of(j, rows, cols));
        }
        double? predicted = plan is null ? null : SignalTheory.PredictJacobianMeanSquare(model, plan, x, from, to);
        return new JacobianSpectrum(values, samples, from, to, predicted);
    }
}

/// <summary>Order statistics of a <see cref="JacobianSpectrum"/>'s singular values (<see cref="JacobianSpectrum.Percentiles"/>).</summary>
/// <param name="P5">The 5th percentile.</param>
/// <param name="Median">The 50th percentile.</param>
/// <param name="P95">The 95th percentile.</param>
/// <param name="Max">The largest singular value.</param>
public readonly record struct JacobianPercentiles(double P5, double Median, double P95, double Max);
