using System.Globalization;
using InitLab.Nn;

namespace InitLab.Theory;

/// <summary>
/// An activation as mean-field theory needs it: φ and its first two derivatives in double
/// precision, plus, for the piecewise-linear ones (linear, ReLU, leaky ReLU), the slope left of
/// zero, which lets <see cref="MeanField"/> use closed forms instead of quadrature across the kink.
/// </summary>
public sealed class Phi
{
    private Phi(string name, Func<double, double> f, Func<double, double> d1, Func<double, double> d2, double? negativeSlope, double poleDistance = double.PositiveInfinity)
    {
        PoleDistance = poleDistance;
        Name = name;
        F = f;
        D1 = d1;
        D2 = d2;
        NegativeSlope = negativeSlope;
    }

    /// <summary>The canonical name: "linear", "relu", "leaky-relu" (slope 0.01), "leaky-relu:0.2", "tanh" or "sigmoid".</summary>
    public string Name { get; }

    /// <summary>φ(x).</summary>
    public Func<double, double> F { get; }

    /// <summary>φ'(x); for the piecewise-linear activations the right derivative at 0.</summary>
    public Func<double, double> D1 { get; }

    /// <summary>
    /// φ''(x) away from any kink. For the piecewise-linear activations this is 0 everywhere: the
    /// Dirac delta at 0 is left out, which is exact wherever it meets φ(0) = 0 (as in ξ_q).
    /// </summary>
    public Func<double, double> D2 { get; }

    /// <summary>
    /// For a piecewise-linear φ(x) = x (x ≥ 0), α·x (x &lt; 0): the slope α (1 for linear, 0 for
    /// ReLU); null for the smooth activations.
    /// </summary>
    public double? NegativeSlope { get; }

    // Distance from the real axis to φ's nearest complex singularity: Gauss–Hermite needs more
    // nodes as √q grows against it (tanh: ±iπ/2, sigmoid: ±iπ).
    internal double PoleDistance { get; }

    /// <summary>True for linear, ReLU and leaky ReLU, whose Gaussian integrals have closed forms.</summary>
    public bool IsPiecewiseLinear => NegativeSlope.HasValue;

    /// <summary>The identity, φ(x) = x.</summary>
    public static Phi Linear { get; } = PiecewiseLinear("linear", 1.0);

    /// <summary>max(x, 0).</summary>
    public static Phi Relu { get; } = PiecewiseLinear("relu", 0.0);

    /// <summary>tanh(x); φ' = 1 − tanh², φ'' = −2 tanh·(1 − tanh²).</summary>
    public static Phi Tanh { get; } = new("tanh", Math.Tanh,
        x => { double t = Math.Tanh(x); return 1 - t * t; },
        x => { double t = Math.Tanh(x); return -2 * t * (1 - t * t); },
        null, Math.PI / 2);

    /// <summary>1 / (1 + e^−x); φ' = σ(1 − σ), φ'' = σ(1 − σ)(1 − 2σ).</summary>
    public static Phi Sigmoid { get; } = new("sigmoid", Logistic,
        x => { double s = Logistic(x); return s * (1 - s); },
        x => { double s = Logistic(x); return s * (1 - s) * (1 - 2 * s); },
        null, Math.PI);

    /// <summary>Leaky ReLU: x for x ≥ 0, <paramref name="negativeSlope"/>·x otherwise.</summary>
    /// <param name="negativeSlope">The slope left of zero, finite; torch.nn.LeakyReLU's default is 0.01.</param>
    public static Phi LeakyRelu(double negativeSlope = Activations.DefaultNegativeSlope)
    {
        if (!double.IsFinite(negativeSlope)) throw new ArgumentException($"leaky-relu slope must be a finite number, not {negativeSlope}.", nameof(negativeSlope));
        string name = negativeSlope == (double)Activations.DefaultNegativeSlope || negativeSlope == 0.01
            ? "leaky-relu"
            : "leaky-relu:" + negativeSlope.ToString("R", CultureInfo.InvariantCulture);
        return PiecewiseLinear(name, negativeSlope);
    }

    /// <summary>The φ of one of InitLab's activation layers.</summary>
    /// <param name="kind">The activation.</param>
    /// <param name="negativeSlope">Used by <see cref="ActivationKind.LeakyRelu"/> only.</param>
    public static Phi From(ActivationKind kind, double negativeSlope = 0.01) => kind switch
    {
        ActivationKind.Relu => Relu,
        ActivationKind.LeakyRelu => LeakyRelu(negativeSlope),
        ActivationKind.Sigmoid => Sigmoid,
        ActivationKind.Tanh => Tanh,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an activation mean-field theory knows."),
    };

    /// <summary>The names <see cref="Parse"/> accepts, as a help text says them.</summary>
    public const string Choices = "linear, relu, leaky-relu[:slope], tanh or sigmoid";

    /// <summary>
    /// A φ from a name: linear (or identity), relu, leaky-relu (slope 0.01, or leaky-relu:0.2),
    /// tanh or sigmoid; case, surrounding spaces and '_' for '-' are tolerated, as
    /// <see cref="Activations.Create(string)"/> tolerates them. Anything else is an
    /// <see cref="ArgumentException"/> listing the names.
    /// </summary>
    /// <param name="name">The activation's name.</param>
    public static Phi Parse(string name)
    {
        string n = name.Trim().ToLowerInvariant().Replace('_', '-');
        if (n.StartsWith("leaky-relu:", StringComparison.Ordinal))
        {
            string s = n["leaky-relu:".Length..];
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double slope) || !double.IsFinite(slope))
                throw new ArgumentException($"leaky-relu slope '{s}' is not a number; write e.g. leaky-relu:0.2.", nameof(name));
            return LeakyRelu(slope);
        }
        return n switch
        {
            "linear" or "identity" => Linear,
            "relu" => Relu,
            "leaky-relu" or "leakyrelu" => LeakyRelu(),
            "tanh" => Tanh,
            "sigmoid" => Sigmoid,
            _ => throw new ArgumentException($"Unknown activation '{name}'; use {Choices}.", nameof(name)),
        };
    }

    /// <summary>The canonical name.</summary>
    public override string ToString() => Name;

    private static Phi PiecewiseLinear(string name, double alpha) =>
        new(name, x => x >= 0 ? x : alpha * x, x => x >= 0 ? 1.0 : alpha, _ => 0.0, alpha);

    // 1/(1+e^-x) overflows e^-x for x < -709; the mirrored form keeps full precision on both sides.
    private static double Logistic(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}
