using InitLab.Theory;

namespace InitLab.Tests.Theory;

public class PhaseDiagramTests
{
    [Theory]
    [InlineData(2.0)]
    [InlineData(3.4)]
    public void WithoutBiasesAnOddPhiDecorrelatesToZeroNotMinusOne(double sw2)
    {
        // tanh, σb² = 0, chaotic: c = 0 is the stable fixed point (c' = σw²E[φ'(u₁)]E[φ'(u₂)] < 1
        // there), c = −1 the unstable one; the search used to stop at −1 and call ξ_c infinite.
        var mf = new MeanField(Phi.Tanh, sw2, 0);
        Assert.True(mf.Chi1 > 1);
        Assert.Equal(0, mf.CStar);
        double slope = mf.DerivativeCovariance(mf.QStar, mf.QStar, 0);
        Assert.InRange(slope, 0.5, 0.999);
        Assert.Equal(-1 / Math.Log(slope), mf.DepthScaleC, 12);
    }

    [Fact]
    public void CellsAgreeWithTheFullPrecisionMapsAndTheCriticalLine()
    {
        // σw² = 1, σb² = 0 lies exactly on the critical line (q* = 0, χ₁ = 1), where ξ_c is finite or
        // not by rounding; the columns avoid it.
        var d = PhaseDiagram.Compute(Phi.Tanh, 1.3, 4.0, 0.0, 0.3, columns: 4, rows: 4);
        Assert.Equal(2.2, d.WeightVariances[1], 14);
        Assert.Equal(0.1, d.BiasVariances[1], 14);
        for (int r = 0; r < 4; r++)
        {
            // The picture's c* is found to 1e-7 with 60 nodes; ξ_c within 1e-4 relative of the full computation.
            for (int c = 0; c < 4; c++)
            {
                double exact = new MeanField(Phi.Tanh, d.WeightVariances[c], d.BiasVariances[r]).DepthScaleC;
                if (double.IsFinite(exact)) Assert.Equal(1, d.DepthScaleC[r, c] / exact, 4);
                else Assert.True(double.IsPositiveInfinity(d.DepthScaleC[r, c]));
            }
            Assert.Equal(CriticalLine.WeightVariance(Phi.Tanh, d.BiasVariances[r]), d.CriticalWeightVariances[r], 6);
        }
    }

    [Fact]
    public void BadRangesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => PhaseDiagram.Compute(Phi.Tanh, 2, 1, 0, 0.3));
        Assert.Throws<ArgumentOutOfRangeException>(() => PhaseDiagram.Compute(Phi.Tanh, 1, 2, 0, 0.3, columns: 1));
    }
}
