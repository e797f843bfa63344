namespace InitLab.Theory;

public sealed partial class MeanField
{
    /// <summary>
    /// Per-layer predictions for a network of <paramref name="depth"/> Linear layers fed inputs of
    /// mean square <paramref name="q0"/> = |x|²/n₀. The first layer sees x itself, not φ(x)
    /// (Poole et al.'s convention): q(1) = σw²·q0 + σb², then q(l+1) = <see cref="LengthMap"/>(q(l)).
    /// </summary>
    /// <param name="q0">The input's mean square |x|²/n₀, ≥ 0 (1 for standardized data).</param>
    /// <param name="depth">Number of layers L, ≥ 1.</param>
    public IReadOnlyList<LayerPrediction> Predict(double q0, int depth)
    {
        CheckInput(q0, nameof(q0));
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        var q = new double[depth];
        q[0] = WeightVariance * q0 + BiasVariance;
        for (int l = 1; l < depth; l++) q[l] = LengthMap(q[l - 1]);
        var result = new LayerPrediction[depth];
        double ratio = 1;
        for (int l = depth - 1; l >= 0; l--)
        {
            double factor = BackwardFactor(q[l]);
            // The last layer's own factor would carry the gradient below it, which no layer sees.
            if (l < depth - 1) ratio *= factor;
            result[l] = new LayerPrediction(l + 1, q[l], factor, ratio);
        }
        return result;
    }

    /// <summary>
    /// Per-layer predictions for two inputs x₁, x₂ through the same network: their pre-activation
    /// mean squares and correlation, by the covariance map. Layer 1 is linear in the inputs:
    /// q₁₂(1) = σw²·c0·√(q01·q02) + σb².
    /// </summary>
    /// <param name="q01">|x₁|²/n₀, ≥ 0.</param>
    /// <param name="q02">|x₂|²/n₀, ≥ 0.</param>
    /// <param name="c0">The inputs' correlation x₁·x₂ / (|x₁||x₂|), in [−1, 1].</param>
    /// <param name="depth">Number of layers L, ≥ 1.</param>
    public IReadOnlyList<PairPrediction> PredictPair(double q01, double q02, double c0, int depth)
    {
        CheckInput(q01, nameof(q01));
        CheckInput(q02, nameof(q02));
        if (!(c0 is >= -1 and <= 1)) throw new ArgumentOutOfRangeException(nameof(c0), c0, "a correlation is in [−1, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        double q1 = WeightVariance * q01 + BiasVariance, q2 = WeightVariance * q02 + BiasVariance;
        double q12 = WeightVariance * c0 * Math.Sqrt(q01 * q02) + BiasVariance;
        double c = q1 * q2 > 0 ? q12 / Math.Sqrt(q1 * q2) : 1;
        var result = new PairPrediction[depth];
        result[0] = new PairPrediction(1, q1, q2, c);
        for (int l = 1; l < depth; l++)
        {
            (q1, q2, c) = PairStep(q1, q2, c);
            result[l] = new PairPrediction(l + 1, q1, q2, c);
        }
        return result;
    }

    private static void CheckInput(double q, string name)
    {
        if (!(q >= 0) || !double.IsFinite(q)) throw new ArgumentOutOfRangeException(name, q, "an input's mean square must be a finite number ≥ 0.");
    }
}
