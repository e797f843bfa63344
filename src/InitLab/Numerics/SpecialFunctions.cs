using System.Runtime.InteropServices;

namespace InitLab.Numerics;

/// <summary>Special functions .NET lacks, accurate to double precision.</summary>
public static partial class SpecialFunctions
{
    [LibraryImport("libm.so.6", EntryPoint = "erff")]
    private static partial float LibmErff(float x);

    private static readonly bool HasLibmErff = ProbeLibm();

    private static bool ProbeLibm()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return LibmErff(0.5f) is > 0.52f and < 0.53f;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// erf in float32. On Linux this is the C library's erff, which PyTorch's CPU kernels call,
    /// so results match PyTorch's bits; elsewhere it is <see cref="Erf"/> rounded to float.
    /// </summary>
    public static float ErfF(float x) => HasLibmErff ? LibmErff(x) : (float)Erf(x);

    /// <summary>The error function, to about 1e-15: its Maclaurin series for |x| &lt;= 2.5, else 1 - erfc(x) from a continued fraction.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double ax = Math.Abs(x);
        if (ax <= 2.5)
        {
            // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.Abs(t) < 1e-17 * Math.Abs(sum)) break;
            }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        double erfc = ErfcContinuedFraction(ax);
        return x > 0 ? 1 - erfc : erfc - 1;
    }

    /// <summary>erfc(x) for x &gt; 2 by the Laplace continued fraction, evaluated with Lentz's method.</summary>
    private static double ErfcContinuedFraction(double x)
    {
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int k = 1; k < 500; k++)
        {
            double a = k / 2.0;
            d = x + a * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + a / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>
    /// The inverse error function in float32 as PyTorch's calc_erfinv computes it: a rational
    /// first guess (Pavlis' erfinv) refined by two Newton steps. The polynomials use fused
    /// multiply-adds, as the compiler emits them in PyTorch's x86-64 build.
    /// </summary>
    public static float ErfInv(float y)
    {
        float ay = MathF.Abs(y);
        if (ay > 1f || float.IsNaN(y)) return float.NaN;
        if (ay == 1f) return MathF.CopySign(float.PositiveInfinity, y);
        float x;
        if (ay <= 0.7f)
        {
            float z = y * y;
            float num = Fma(Fma(Fma(-0.140543331f, z, 0.914624893f), z, -1.645349621f), z, 0.886226899f);
            float dem = Fma(Fma(Fma(Fma(0.012229801f, z, -0.329097515f), z, 1.442710462f), z, -2.118377725f), z, 1f);
            x = y * num / dem;
        }
        else
        {
            float z = MathF.Sqrt(-MathF.Log((1f - ay) / 2f));
            float num = Fma(Fma(Fma(1.641345311f, z, 3.429567803f), z, -1.624906493f), z, -1.970840454f);
            float dem = Fma(Fma(1.637067800f, z, 3.543889200f), z, 1f);
            x = MathF.CopySign(num, y) / dem;
        }
        float k = 2f / (float)Math.Sqrt(Math.PI);
        x -= (ErfF(x) - y) / (k * MathF.Exp(-x * x));
        x -= (ErfF(x) - y) / (k * MathF.Exp(-x * x));
        return x;
    }

    private static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
}
