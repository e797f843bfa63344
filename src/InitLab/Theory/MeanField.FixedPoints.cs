namespace InitLab.Theory;

public sealed partial class MeanField
{
    /// <summary>How far χ₁ may be from 1 for <see cref="Phase"/> to say <see cref="SignalPhase.Critical"/>.</summary>
    public const double CriticalTolerance = 1e-8;

    private double? _qStar, _cStar;

    /// <summary>
    /// q*, the stable fixed point of <see cref="LengthMap"/>: the pre-activation variance every
    /// layer of a deep network settles at. 0 when σb² = 0, φ(0) = 0 and the map contracts there
    /// (tanh with σw² ≤ 1). +∞ when q grows without bound: for ReLU-like φ when σw²(1 + α²)/2 ≥ 1
    /// (at exactly 1 with σb² = 0 every q is fixed, and q stays at its input value).
    /// </summary>
    public double QStar => _qStar ??= SolveQStar();

    /// <summary>χ₁ = σw²·E[φ'(√q* z)²], the backward factor at q*; for ReLU-like φ it does not depend on q.</summary>
    public double Chi1 => BackwardFactor(double.IsFinite(QStar) ? QStar : 1);

    /// <summary>Ordered, critical or chaotic, by <see cref="Chi1"/> against 1 ± <see cref="CriticalTolerance"/>.</summary>
    public SignalPhase Phase =>
        Chi1 > 1 + CriticalTolerance ? SignalPhase.Chaotic : Chi1 < 1 - CriticalTolerance ? SignalPhase.Ordered : SignalPhase.Critical;

    /// <summary>
    /// c*, the stable fixed point of the correlation map c ↦ (σw²·E[φ(u₁)φ(u₂)] + σb²)/q* at q*:
    /// 1 in the ordered and critical phases (and whenever q* is infinite); in the chaotic phase the
    /// largest root below 1, found by bisection (that root is stable because the map is convex
    /// with slope χ₁ &gt; 1 at c = 1).
    /// </summary>
    public double CStar => _cStar ??= SolveCStar();

    /// <summary>χ_c = σw²·E[φ'(u₁)φ'(u₂)] at q* and c*: the correlation map's slope at c*; χ₁ in the ordered phase.</summary>
    public double ChiC => double.IsFinite(QStar) ? DerivativeCovariance(QStar, QStar, CStar) : Chi1;

    /// <summary>
    /// ξ_q = −1/log(σw²·E[φ'² + φφ''] at q*) in layers (Schoenholz et al. 2017, eq. 5): how fast q(l)
    /// approaches q*. +∞ when the length map's slope at q* is ≥ 1 or q* is infinite.
    /// </summary>
    public double DepthScaleQ => DepthScale(double.IsFinite(QStar) ? LengthMapSlope(QStar) : 1);

    /// <summary>
    /// ξ_c = −1/log χ_c in layers (Schoenholz et al. 2017, eq. 9): how far two inputs' correlation
    /// is remembered. It diverges at the critical line; +∞ there and whenever q* is infinite.
    /// </summary>
    public double DepthScaleC => DepthScale(double.IsFinite(QStar) ? ChiC : 1);

    private static double DepthScale(double slope) => slope is > 0 and < 1 ? -1 / Math.Log(slope) : double.PositiveInfinity;

    private double SolveQStar()
    {
        if (Phi.IsPiecewiseLinear)
        {
            double a = LengthMapSlope(0);
            return a < 1 ? BiasVariance / (1 - a) : double.PositiveInfinity;
        }
        double Gap(double q) => LengthMap(q) - q;
        double lo = BiasVariance;
        if (Gap(lo) <= 0)
        {
            // Only when σw²·E[φ²] vanishes at σb²: then σb² itself is fixed, or, with σb² = 0 and
            // φ(0) = 0, q = 0 is, and a positive fixed point exists only if 0 repels.
            if (lo > 0) return lo;
            lo = 1e-12;
            if (Gap(lo) <= 0) return 0;
        }
        double hi = Math.Max(1, 2 * lo);
        while (Gap(hi) > 0)
        {
            hi *= 2;
            if (hi > 1e12) return double.PositiveInfinity;
        }
        return Bisection.Root(Gap, lo, hi);
    }

    private double SolveCStar()
    {
        double q = QStar;
        if (!double.IsFinite(q) || q == 0 || Chi1 <= 1 + CriticalTolerance) return 1;
        double Gap(double c) => CovarianceMap(q, q, c) / q - c;
        // Step away from 1 geometrically: just below 1 the gap is negative (slope χ₁ > 1), and at
        // c = −1 it is ≥ 0 because |c'| ≤ 1, so a sign change is always found.
        double previous = 1;
        for (double eps = 1.0 / (1 << 24); ; eps *= 2)
        {
            double c = Math.Max(-1, 1 - eps);
            double gap = Gap(c);
            // With σb² = 0 and an odd φ (tanh), c = 0 is an exact fixed point that the steps land on
            // (eps = 1), but its gap comes out as ±1e−34 from rounding; read as negative, the search
            // went on to the unstable c = −1.
            if (c == 0 && Math.Abs(gap) <= 1e-15) return 0;
            if (gap >= 0) return previous == 1 ? 1 : Bisection.Root(Gap, c, previous, 1e-15);
            previous = c;
            if (c == -1) return -1;
        }
    }
}
