namespace InitLab.Theory;

/// <summary>
/// The mean-field maps of a wide fully connected network with weights W ~ N(0, σw²/fan_in) and
/// biases b ~ N(0, σb²) (Poole et al. 2016; Schoenholz et al. 2017): how the pre-activation
/// variance q and the covariance of two inputs' pre-activations go from one layer to the next,
/// and the backward factor of the squared gradient norm. Everything is in double precision.
/// <para>
/// Gaussian expectations: for linear, ReLU and leaky ReLU the closed forms (E[relu(√q z)²] = q/2,
/// the arc-cosine kernel for two inputs) because Gauss–Hermite converges only algebraically
/// across their kink; for tanh and sigmoid an n-point Gauss–Hermite rule (1-D, and a tensor
/// rule for two inputs). Its error falls like exp(−c·√n·d/√q), where d is the distance of φ's
/// poles from the real axis (π/2 for tanh, π for sigmoid), so n grows with q: at least the
/// order given (200 by default), and 250·q/d² when that is larger (up to
/// <see cref="GaussHermite.MaxOrder"/>) — about 1500 nodes for sigmoid at q ≈ 58, beyond its
/// critical line, where 200 nodes are off by ~6e−3 in χ₁. Agreement with an independent NumPy
/// integration is ~1e−9 or better for tanh and sigmoid.
/// </para>
/// </summary>
public sealed partial class MeanField
{
    /// <summary>The Gauss–Hermite order used when none is given.</summary>
    public const int DefaultQuadratureOrder = 200;

    private readonly GaussHermite _rule;
    private readonly double _alpha;  // negative slope when piecewise linear

    /// <summary>The maps for one activation and one (σw², σb²).</summary>
    /// <param name="phi">The activation φ.</param>
    /// <param name="weightVariance">σw², the weight variance times fan_in (He init for ReLU is 2); non-negative.</param>
    /// <param name="biasVariance">σb², the bias variance; non-negative.</param>
    /// <param name="quadratureOrder">The least Gauss–Hermite nodes per dimension for the smooth activations.</param>
    public MeanField(Phi phi, double weightVariance, double biasVariance, int quadratureOrder = DefaultQuadratureOrder)
    {
        ArgumentNullException.ThrowIfNull(phi);
        if (!(weightVariance >= 0) || !double.IsFinite(weightVariance))
            throw new ArgumentOutOfRangeException(nameof(weightVariance), weightVariance, "σw² must be a finite number ≥ 0.");
        if (!(biasVariance >= 0) || !double.IsFinite(biasVariance))
            throw new ArgumentOutOfRangeException(nameof(biasVariance), biasVariance, "σb² must be a finite number ≥ 0.");
        Phi = phi;
        WeightVariance = weightVariance;
        BiasVariance = biasVariance;
        _rule = GaussHermite.Get(quadratureOrder);
        _alpha = phi.NegativeSlope ?? double.NaN;
    }

    /// <summary>The activation φ.</summary>
    public Phi Phi { get; }

    /// <summary>σw²: each weight's variance is σw²/fan_in.</summary>
    public double WeightVariance { get; }

    /// <summary>σb²: each bias's variance.</summary>
    public double BiasVariance { get; }

    /// <summary>The smallest Gauss–Hermite order used for the smooth activations (larger q takes more nodes).</summary>
    public int QuadratureOrder => _rule.Order;

    // The rule for E[g(√q z)]: enough nodes that their spacing near z = 0 resolves φ's scale d/√q.
    private GaussHermite RuleFor(double q)
    {
        double d = Phi.PoleDistance;
        double wanted = double.IsFinite(d) ? 250 * q / (d * d) : 0;
        if (wanted <= _rule.Order) return _rule;
        int n = (int)Math.Min(GaussHermite.MaxOrder, Math.Ceiling(wanted / 100) * 100);
        return GaussHermite.Get(n);
    }

    /// <summary>The length map q ↦ σw²·E[φ(√q z)²] + σb²: next layer's pre-activation variance.</summary>
    /// <param name="q">This layer's pre-activation variance, ≥ 0.</param>
    public double LengthMap(double q) => WeightVariance * SecondMoment(q) + BiasVariance;

    /// <summary>E[φ(√q z)²] for z ~ N(0, 1): the activations' mean square at pre-activation variance q.</summary>
    /// <param name="q">Pre-activation variance, ≥ 0.</param>
    public double SecondMoment(double q)
    {
        if (Phi.IsPiecewiseLinear) return q * (1 + _alpha * _alpha) / 2;
        double s = Math.Sqrt(q);
        var f = Phi.F;
        return RuleFor(q).Expect(z => { double y = f(s * z); return y * y; });
    }

    /// <summary>
    /// The slope of the length map, dq(l+1)/dq(l) = σw²·E[φ'(√q z)² + φ(√q z)·φ''(√q z)] (by
    /// Stein's lemma); at q* its −1/log is the depth scale ξ_q. For the piecewise-linear
    /// activations the delta in φ'' meets φ(0) = 0, so the slope is σw²(1 + α²)/2.
    /// </summary>
    /// <param name="q">Pre-activation variance, ≥ 0.</param>
    public double LengthMapSlope(double q)
    {
        if (Phi.IsPiecewiseLinear) return WeightVariance * (1 + _alpha * _alpha) / 2;
        double s = Math.Sqrt(q);
        var (f, d1, d2) = (Phi.F, Phi.D1, Phi.D2);
        return WeightVariance * RuleFor(q).Expect(z => { double u = s * z, g = d1(u); return g * g + f(u) * d2(u); });
    }

    /// <summary>
    /// The backward factor χ(q) = σw²·E[φ'(√q z)²]: how much a layer with pre-activation
    /// variance q multiplies the expected squared norm of the back-propagated gradient. At q* it
    /// is χ₁ (&lt; 1 ordered, &gt; 1 chaotic).
    /// </summary>
    /// <param name="q">Pre-activation variance, ≥ 0.</param>
    public double BackwardFactor(double q)
    {
        if (Phi.IsPiecewiseLinear) return WeightVariance * (1 + _alpha * _alpha) / 2;
        double s = Math.Sqrt(q);
        var d1 = Phi.D1;
        return WeightVariance * RuleFor(q).Expect(z => { double g = d1(s * z); return g * g; });
    }

    /// <summary>
    /// The covariance map: next layer's covariance σw²·E[φ(u₁)φ(u₂)] + σb² of two inputs'
    /// pre-activations, where (u₁, u₂) is Gaussian with variances q₁, q₂ and correlation c.
    /// </summary>
    /// <param name="q1">First input's pre-activation variance, ≥ 0.</param>
    /// <param name="q2">Second input's pre-activation variance, ≥ 0.</param>
    /// <param name="c">Their correlation, clamped to [−1, 1].</param>
    public double CovarianceMap(double q1, double q2, double c)
    {
        c = Math.Clamp(c, -1, 1);
        if (Phi.IsPiecewiseLinear)
        {
            // φ = α·x + (1−α)·relu(x); E[u₁ relu(u₂)] = E[u₁u₂]/2 by the symmetry u ↦ −u.
            double kappa = (Math.Sqrt(1 - c * c) + (Math.PI - Math.Acos(c)) * c) / (2 * Math.PI);
            double k = _alpha * c + (1 - _alpha) * (1 - _alpha) * kappa;
            return WeightVariance * Math.Sqrt(q1 * q2) * k + BiasVariance;
        }
        var f = Phi.F;
        return WeightVariance * TwoPoint(q1, q2, c, (a, b) => f(a) * f(b)) + BiasVariance;
    }

    /// <summary>
    /// σw²·E[φ'(u₁)φ'(u₂)] for (u₁, u₂) Gaussian with variances q₁, q₂ and correlation c: the
    /// slope of the correlation map at a fixed point q₁ = q₂ = q* (χ_c), and χ₁ at c = 1.
    /// </summary>
    /// <param name="q1">First input's pre-activation variance, ≥ 0.</param>
    /// <param name="q2">Second input's pre-activation variance, ≥ 0.</param>
    /// <param name="c">Their correlation, clamped to [−1, 1].</param>
    public double DerivativeCovariance(double q1, double q2, double c)
    {
        c = Math.Clamp(c, -1, 1);
        if (Phi.IsPiecewiseLinear)
        {
            // P(u₁ > 0, u₂ > 0) = (π − arccos c)/(2π) for φ' = α + (1−α)·1{x > 0}.
            double both = (Math.PI - Math.Acos(c)) / (2 * Math.PI);
            return WeightVariance * (_alpha + (1 - _alpha) * (1 - _alpha) * both);
        }
        var d1 = Phi.D1;
        return WeightVariance * TwoPoint(q1, q2, c, (a, b) => d1(a) * d1(b));
    }

    /// <summary>
    /// One step of the correlation of two inputs: from (q₁, q₂, c) in layer l to (q₁', q₂', c')
    /// in layer l+1, through <see cref="LengthMap"/> and <see cref="CovarianceMap"/>.
    /// </summary>
    /// <param name="q1">First input's pre-activation variance.</param>
    /// <param name="q2">Second input's pre-activation variance.</param>
    /// <param name="c">Their correlation.</param>
    public (double Q1, double Q2, double C) PairStep(double q1, double q2, double c)
    {
        double n1 = LengthMap(q1), n2 = LengthMap(q2);
        double denominator = Math.Sqrt(n1 * n2);
        return (n1, n2, denominator > 0 ? Math.Clamp(CovarianceMap(q1, q2, c) / denominator, -1, 1) : 1);
    }

    // E[g(u₁, u₂)] with u₁ = √q₁ z₁, u₂ = √q₂ (c z₁ + √(1−c²) z₂).
    private double TwoPoint(double q1, double q2, double c, Func<double, double, double> g)
    {
        double s1 = Math.Sqrt(q1), s2 = Math.Sqrt(q2), r = Math.Sqrt(Math.Max(0, 1 - c * c));
        // z₁ carries all of u₁ and most of u₂ when c is near 1; z₂ only the √(1−c²) part.
        var outer = RuleFor(Math.Max(q1, q2 * c * c));
        var inner = RuleFor(q2 * r * r);
        return outer.Expect((z1, z2) => g(s1 * z1, s2 * (c * z1 + r * z2)), inner);
    }
}
