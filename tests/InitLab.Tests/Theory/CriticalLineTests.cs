using InitLab.Theory;

namespace InitLab.Tests.Theory;

public class CriticalLineTests
{
    [Fact]
    public void TanhCriticalPointAtBiasVariance005IsNear176()
    {
        // Poole et al. 2016 (Fig. 2) and Schoenholz et al. 2017 (Fig. 1) draw the tanh order-to-chaos
        // line through σw² ≈ 1.76 at σb² = 0.05.
        double sw2 = CriticalLine.WeightVariance(Phi.Tanh, 0.05);
        Assert.InRange(sw2, 1.76 * 0.99, 1.76 * 1.01);
        var mf = new MeanField(Phi.Tanh, sw2, 0.05);
        Assert.Equal(1, mf.Chi1, 1e-8);
        Assert.Equal(SignalPhase.Critical, mf.Phase);
        Assert.Equal(SignalPhase.Ordered, new MeanField(Phi.Tanh, sw2 * 0.98, 0.05).Phase);
        Assert.Equal(SignalPhase.Chaotic, new MeanField(Phi.Tanh, sw2 * 1.02, 0.05).Phase);
        // ξ_c diverges at the transition from both sides.
        Assert.True(new MeanField(Phi.Tanh, sw2 * 0.999, 0.05).DepthScaleC > 100);
        Assert.True(new MeanField(Phi.Tanh, sw2 * 1.001, 0.05).DepthScaleC > 100);
    }

    [Fact]
    public void TanhWithoutBiasIsCriticalAtWeightVarianceOne()
    {
        // σb² = 0: q* = 0 up to σw² = 1, where χ₁ = σw²·tanh'(0)² reaches 1.
        // Just above 1, χ₁ = 1 + O((σw² − 1)²) is flat, so the root is only good to ~1e−8.
        Assert.Equal(1, CriticalLine.WeightVariance(Phi.Tanh, 0), 1e-6);
        Assert.Equal(0, new MeanField(Phi.Tanh, 0.9, 0).QStar);
    }

    [Fact]
    public void ChaoticTanhHasAStableCorrelationBelowOne()
    {
        var mf = new MeanField(Phi.Tanh, 2.5, 0.05);
        Assert.InRange(mf.CStar, 0.1, 0.9);
        Assert.Equal(mf.CStar, mf.CovarianceMap(mf.QStar, mf.QStar, mf.CStar) / mf.QStar, 1e-12);
        Assert.InRange(mf.ChiC, 0, 1);
        var s = MeanFieldSummary.Of(mf);
        Assert.Equal(SignalPhase.Chaotic, s.Phase);
        Assert.Equal(mf.DepthScaleC, s.DepthScaleC);
    }
}
