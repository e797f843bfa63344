namespace InitLab.Theory;

/// <summary>
/// Everything mean-field theory says about one (φ, σw², σb²) at its fixed point, in one record
/// for reports and the command line. Infinite values (q* or a depth scale that diverges) are
/// <see cref="double.PositiveInfinity"/>.
/// </summary>
/// <param name="Activation">The activation's canonical name.</param>
/// <param name="WeightVariance">σw².</param>
/// <param name="BiasVariance">σb².</param>
/// <param name="QStar">q*, the fixed-point pre-activation variance.</param>
/// <param name="Chi1">χ₁ = σw²·E[φ'(√q* z)²].</param>
/// <param name="Phase">Ordered, critical or chaotic.</param>
/// <param name="CStar">c*, the stable fixed-point correlation of two inputs.</param>
/// <param name="ChiC">χ_c, the correlation map's slope at c*.</param>
/// <param name="DepthScaleQ">ξ_q in layers.</param>
/// <param name="DepthScaleC">ξ_c in layers.</param>
/// <param name="CriticalWeightVariance">The critical σw² at this σb².</param>
public sealed record MeanFieldSummary(
    string Activation, double WeightVariance, double BiasVariance, double QStar, double Chi1, SignalPhase Phase,
    double CStar, double ChiC, double DepthScaleQ, double DepthScaleC, double CriticalWeightVariance)
{
    /// <summary>Computes every field for <paramref name="field"/>, including its critical line.</summary>
    /// <param name="field">The activation and variances.</param>
    public static MeanFieldSummary Of(MeanField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return new MeanFieldSummary(field.Phi.Name, field.WeightVariance, field.BiasVariance, field.QStar, field.Chi1, field.Phase,
            field.CStar, field.ChiC, field.DepthScaleQ, field.DepthScaleC,
            CriticalLine.WeightVariance(field.Phi, field.BiasVariance, field.QuadratureOrder));
    }
}
