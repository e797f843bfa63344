namespace InitLab.Theory;

/// <summary>Root finding by bisection: slower than Brent, but the maps here are cheap and a bracket never fails.</summary>
internal static class Bisection
{
    /// <summary>A root of <paramref name="g"/> in [lo, hi], where g(lo) and g(hi) differ in sign, to ~1e−15 relative or <paramref name="absoluteTolerance"/>.</summary>
    public static double Root(Func<double, double> g, double lo, double hi, double absoluteTolerance = 0)
    {
        double gLo = g(lo);
        if (gLo == 0) return lo;
        for (int i = 0; i < 200 && hi - lo > Math.Max(absoluteTolerance, 1e-15 * Math.Max(Math.Abs(lo), Math.Abs(hi))); i++)
        {
            double mid = 0.5 * (lo + hi), gMid = g(mid);
            if (gMid == 0) return mid;
            if (gMid > 0 == gLo > 0) (lo, gLo) = (mid, gMid);
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }
}
