namespace InitLab.Theory;

/// <summary>
/// The (σw², σb²) plane of one activation, sampled on a regular grid: ξ_c in every cell and the
/// critical line σw²(σb²) through it — Poole et al. 2016, Fig. 2 / Schoenholz et al. 2017, Fig. 1.
/// </summary>
/// <param name="Activation">The activation's canonical name.</param>
/// <param name="WeightVariances">The σw² of the grid's columns, ascending.</param>
/// <param name="BiasVariances">The σb² of the grid's rows, ascending.</param>
/// <param name="DepthScaleC">ξ_c in layers, [row (σb²), column (σw²)]; +∞ on the critical line.</param>
/// <param name="CriticalWeightVariances">The critical σw² at each row's σb²; NaN where none exists below 1e6.</param>
public sealed record PhaseDiagram(string Activation, double[] WeightVariances, double[] BiasVariances, double[,] DepthScaleC, double[] CriticalWeightVariances)
{
    /// <summary>
    /// Samples the plane: <paramref name="columns"/> σw² from <paramref name="weightVarianceMin"/> to
    /// <paramref name="weightVarianceMax"/> and <paramref name="rows"/> σb² from
    /// <paramref name="biasVarianceMin"/> to <paramref name="biasVarianceMax"/>, both inclusive.
    /// </summary>
    /// <param name="phi">The activation.</param>
    /// <param name="weightVarianceMin">Smallest σw², ≥ 0.</param>
    /// <param name="weightVarianceMax">Largest σw², above the smallest.</param>
    /// <param name="biasVarianceMin">Smallest σb², ≥ 0.</param>
    /// <param name="biasVarianceMax">Largest σb², above the smallest.</param>
    /// <param name="columns">Grid points along σw², ≥ 2.</param>
    /// <param name="rows">Grid points along σb², ≥ 2.</param>
    /// <param name="quadratureOrder">
    /// Gauss–Hermite nodes; a picture needs far less than the 1e−9 of the default (ξ_c in the
    /// chaotic phase takes a 2-D rule per bisection step), and 60 nodes keep ξ_c within ~1e−3 relative.
    /// </param>
    public static PhaseDiagram Compute(Phi phi, double weightVarianceMin, double weightVarianceMax, double biasVarianceMin, double biasVarianceMax,
        int columns = 36, int rows = 16, int quadratureOrder = 60)
    {
        ArgumentNullException.ThrowIfNull(phi);
        if (columns < 2 || rows < 2) throw new ArgumentOutOfRangeException(nameof(columns), "A phase diagram needs at least 2 points per axis.");
        if (!(weightVarianceMin >= 0 && weightVarianceMax > weightVarianceMin && biasVarianceMin >= 0 && biasVarianceMax > biasVarianceMin))
            throw new ArgumentException($"The ranges must be 0 ≤ min < max; got σw² {weightVarianceMin}..{weightVarianceMax}, σb² {biasVarianceMin}..{biasVarianceMax}.");
        double[] sw2 = Linspace(weightVarianceMin, weightVarianceMax, columns), sb2 = Linspace(biasVarianceMin, biasVarianceMax, rows);
        var xi = new double[rows, columns];
        var critical = new double[rows];
        // Rows are independent; each cell allocates only its own small state.
        Parallel.For(0, rows, r =>
        {
            for (int c = 0; c < columns; c++) xi[r, c] = DepthScaleCForPicture(new MeanField(phi, sw2[c], sb2[r], quadratureOrder));
            try { critical[r] = CriticalLine.WeightVariance(phi, sb2[r], quadratureOrder); }
            catch (InvalidOperationException) { critical[r] = double.NaN; }
        });
        return new PhaseDiagram(phi.Name, sw2, sb2, xi, critical);
    }

    /// <summary>
    /// ξ_c as <see cref="MeanField.DepthScaleC"/> defines it, but with c* found to 1e−7 instead of
    /// 1e−15: in the chaotic phase each bisection step is a 2-D quadrature of ~10⁵ nodes, and
    /// the full precision made a 61×41 picture take minutes. 1e−7 in c* moves ξ_c far less than
    /// a pixel's colour.
    /// </summary>
    internal static double DepthScaleCForPicture(MeanField m)
    {
        if (m.Phi.IsPiecewiseLinear || m.Chi1 <= 1 + MeanField.CriticalTolerance || !double.IsFinite(m.QStar) || m.QStar == 0) return m.DepthScaleC;
        double q = m.QStar;
        double Gap(double c) => m.CovarianceMap(q, q, c) / q - c;
        // Just below 1 the gap is negative (slope χ₁ > 1); at −1 it is ≥ 0 (|c'| ≤ 1). Closer to 1
        // than 1e−3 the 2-D rule's error is of the gap's size; there (next to the critical line,
        // where ξ_c is beyond the picture's scale anyway) c* is taken as 1 − 1e−3.
        double top = 1 - 1e-3;
        // With σb² = 0 and an odd φ, c = 0 is an exact fixed point (its gap is 0 up to rounding).
        double cStar = Math.Abs(Gap(0)) <= 1e-15 ? 0 : Gap(top) >= 0 ? top : Bisection.Root(Gap, -1, top, 1e-7);
        double chiC = m.DerivativeCovariance(q, q, cStar);
        return chiC is > 0 and < 1 ? -1 / Math.Log(chiC) : double.PositiveInfinity;
    }

    private static double[] Linspace(double lo, double hi, int n) => Enumerable.Range(0, n).Select(i => lo + (hi - lo) * i / (n - 1)).ToArray();
}
