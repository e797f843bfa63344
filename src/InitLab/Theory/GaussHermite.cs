using System.Collections.Concurrent;

namespace InitLab.Theory;

/// <summary>
/// An n-point Gauss–Hermite rule (physicists' H_n, weight e^−x²), and Gaussian expectations
/// through it: E[f(z)] = π^−½ Σ wᵢ f(√2·xᵢ) for z ~ N(0, 1), exact for polynomials of degree
/// below 2n. Nodes come from the Golub–Welsch eigenproblem of the Jacobi matrix, each polished by
/// Newton steps on the orthonormal Hermite recurrence, which also gives the weights with full
/// relative precision (the eigenvector route loses it for the tiny outer weights).
/// </summary>
public sealed class GaussHermite
{
    /// <summary>The order <see cref="MeanField"/> uses unless told otherwise: 100 nodes, enough for tanh and sigmoid to ~1e−13 at q ≲ 50.</summary>
    public const int DefaultOrder = 100;

    /// <summary>The largest order accepted (the rule costs O(n²) to compute, once).</summary>
    public const int MaxOrder = 4000;

    private static readonly ConcurrentDictionary<int, GaussHermite> Cache = new();

    private readonly double[] _nodes;
    private readonly double[] _weights;
    // The rule rescaled for a standard normal: E[f(z)] = Σ _p[i]·f(_z[i]).
    private readonly double[] _z;
    private readonly double[] _p;

    private GaussHermite(int n)
    {
        (_nodes, _weights) = Compute(n);
        _z = _nodes.Select(x => Math.Sqrt(2) * x).ToArray();
        _p = _weights.Select(w => w / Math.Sqrt(Math.PI)).ToArray();
    }

    /// <summary>The rule with <paramref name="order"/> nodes, computed once per order and shared.</summary>
    /// <param name="order">Number of nodes, 1 to <see cref="MaxOrder"/>.</param>
    public static GaussHermite Get(int order = DefaultOrder)
    {
        if (order < 1 || order > MaxOrder) throw new ArgumentOutOfRangeException(nameof(order), order, $"Gauss–Hermite order must be 1 to {MaxOrder}.");
        return Cache.GetOrAdd(order, n => new GaussHermite(n));
    }

    /// <summary>Number of nodes n.</summary>
    public int Order => _nodes.Length;

    /// <summary>The nodes xᵢ (roots of H_n), ascending.</summary>
    public ReadOnlySpan<double> Nodes => _nodes;

    /// <summary>The weights wᵢ for ∫ e^−x² f(x) dx ≈ Σ wᵢ f(xᵢ); they sum to √π.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>E[f(z)] for z ~ N(0, 1).</summary>
    /// <param name="f">The integrand, a function of the standard normal z.</param>
    public double Expect(Func<double, double> f)
    {
        double s = 0;
        for (int i = 0; i < _z.Length; i++) s += _p[i] * f(_z[i]);
        return s;
    }

    /// <summary>E[f(z₁, z₂)] for independent z₁, z₂ ~ N(0, 1), by the tensor-product rule (n² evaluations).</summary>
    /// <param name="f">The integrand, a function of two independent standard normals.</param>
    public double Expect(Func<double, double, double> f) => Expect(f, this);

    /// <summary>
    /// E[f(z₁, z₂)] with this rule over z₁ and <paramref name="inner"/> over z₂, for integrands
    /// much sharper in one direction than the other.
    /// </summary>
    /// <param name="f">The integrand, a function of two independent standard normals.</param>
    /// <param name="inner">The rule for z₂.</param>
    public double Expect(Func<double, double, double> f, GaussHermite inner)
    {
        double s = 0;
        for (int i = 0; i < _z.Length; i++)
        {
            double row = 0;
            for (int j = 0; j < inner._z.Length; j++) row += inner._p[j] * f(_z[i], inner._z[j]);
            s += _p[i] * row;
        }
        return s;
    }

    private static (double[] Nodes, double[] Weights) Compute(int n)
    {
        // Jacobi matrix of the monic Hermite recurrence: zero diagonal, off-diagonal √(k/2).
        var d = new double[n];
        var e = new double[n];
        for (int k = 1; k < n; k++) e[k - 1] = Math.Sqrt(k / 2.0);
        SymmetricTridiagonalEigenvalues(d, e);
        Array.Sort(d);
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = d[i];
            for (int it = 0; it < 3; it++)
            {
                double step = Orthonormal(n, x).Ratio;
                x -= step;
                if (Math.Abs(step) <= 1e-16 * Math.Max(1, Math.Abs(x))) break;
            }
            d[i] = x;
            // w = 2 / p̃ₙ'(x)², taken through logarithms because p̃ₙ' overflows beyond n ≈ 700.
            w[i] = Math.Exp(Math.Log(2) - 2 * Orthonormal(n, x).LogAbsDerivative);
        }
        // The rule is symmetric; averaging mirrored pairs removes the last-bit asymmetry of the eigensolver.
        for (int i = 0; i < n / 2; i++)
        {
            double x = 0.5 * (d[n - 1 - i] - d[i]), wi = 0.5 * (w[i] + w[n - 1 - i]);
            (d[i], d[n - 1 - i], w[i], w[n - 1 - i]) = (-x, x, wi, wi);
        }
        if (n % 2 == 1) d[n / 2] = 0;
        return (d, w);
    }

    // p̃ₙ(x)/p̃ₙ'(x) (a Newton step) and log|p̃ₙ'(x)|, for p̃ orthonormal under e^−x², p̃ₙ' = √(2n)·p̃ₙ₋₁;
    // the recurrence is rescaled whenever it grows large, keeping the scale in a logarithm.
    private static (double Ratio, double LogAbsDerivative) Orthonormal(int n, double x)
    {
        double p0 = Math.Pow(Math.PI, -0.25), p1 = 0, logScale = 0;
        for (int j = 1; j <= n; j++)
        {
            double p2 = p1;
            p1 = p0;
            p0 = x * Math.Sqrt(2.0 / j) * p1 - Math.Sqrt((j - 1.0) / j) * p2;
            if (Math.Abs(p0) > 1e150)
            {
                (p0, p1) = (p0 * 1e-150, p1 * 1e-150);
                logScale += 150 * Math.Log(10);
            }
        }
        double dp = Math.Sqrt(2.0 * n) * p1;
        return (p0 / dp, Math.Log(Math.Abs(dp)) + logScale);
    }

    // Implicit QL with Wilkinson shifts (tqli) on diagonal d and sub-diagonal e (e[n-1] unused); eigenvalues left in d.
    private static void SymmetricTridiagonalEigenvalues(double[] d, double[] e)
    {
        int n = d.Length;
        for (int l = 0; l < n; l++)
        {
            for (int iter = 0; ; iter++)
            {
                int m = l;
                for (; m < n - 1; m++)
                {
                    double dd = Math.Abs(d[m]) + Math.Abs(d[m + 1]);
                    if (Math.Abs(e[m]) <= double.Epsilon + 2.220446049250313e-16 * dd) break;
                }
                if (m == l) break;
                if (iter == 60) throw new InvalidOperationException("Gauss–Hermite eigenproblem did not converge.");
                double g = (d[l + 1] - d[l]) / (2 * e[l]);
                double r = Hypot(g, 1);
                g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
                double s = 1, c = 1, p = 0;
                int i = m - 1;
                for (; i >= l; i--)
                {
                    double f = s * e[i], b = c * e[i];
                    e[i + 1] = r = Hypot(f, g);
                    if (r == 0)
                    {
                        d[i + 1] -= p;
                        e[m] = 0;
                        break;
                    }
                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - p;
                    r = (d[i] - g) * s + 2 * c * b;
                    d[i + 1] = g + (p = s * r);
                    g = c * r - b;
                }
                if (r == 0 && i >= l) continue;
                d[l] -= p;
                e[l] = g;
                e[m] = 0;
            }
        }
    }

    private static double Hypot(double a, double b) => Math.Sqrt(a * a + b * b);
}
