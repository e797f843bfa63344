namespace InitLab.Theory;

/// <summary>
/// The order-to-chaos transition: for a bias variance σb², the weight variance σw² at which
/// χ₁(q*(σw², σb²)) = 1. For tanh at σb² = 0.05 this is σw² ≈ 1.761 (Poole et al. 2016, Fig. 2;
/// Schoenholz et al. 2017, Fig. 1).
/// </summary>
public static class CriticalLine
{
    /// <summary>
    /// The critical σw² for <paramref name="biasVariance"/>. For ReLU-like φ χ₁ = σw²(1 + α²)/2
    /// whatever q is, so the answer is 2/(1 + α²) (2 for ReLU, 1 for linear) at every σb². For
    /// the smooth activations, bisection on σw² (χ₁ grows with σw²) to ~1e−15 relative, so χ₁
    /// there is 1 to the quadrature's accuracy. No crossing below σw² = 1e6 is an
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="phi">The activation φ.</param>
    /// <param name="biasVariance">σb², ≥ 0.</param>
    /// <param name="quadratureOrder">Gauss–Hermite nodes, as for <see cref="MeanField"/>.</param>
    public static double WeightVariance(Phi phi, double biasVariance, int quadratureOrder = MeanField.DefaultQuadratureOrder)
    {
        ArgumentNullException.ThrowIfNull(phi);
        if (phi.NegativeSlope is { } alpha) return 2 / (1 + alpha * alpha);
        double Gap(double sw2) => new MeanField(phi, sw2, biasVariance, quadratureOrder).Chi1 - 1;
        double hi = 1;
        while (Gap(hi) < 0)
        {
            hi *= 2;
            if (hi > 1e6) throw new InvalidOperationException($"{phi} has no critical σw² below 1e6 at σb² = {biasVariance}.");
        }
        return Bisection.Root(Gap, 0, hi);
    }
}
