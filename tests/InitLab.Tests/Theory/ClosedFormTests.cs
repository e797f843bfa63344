using InitLab.Nn;
using InitLab.Theory;

namespace InitLab.Tests.Theory;

public class ClosedFormTests
{
    [Theory]
    [InlineData(2.0, 0.0, 1.0)]
    [InlineData(1.5, 0.1, 0.7)]
    [InlineData(3.0, 0.2, 2.5)]
    public void ReluLengthMapIsHalfTheWeightVarianceTimesQPlusTheBias(double sw2, double sb2, double q)
    {
        var mf = new MeanField(Phi.Relu, sw2, sb2);
        Assert.Equal(sw2 * q / 2 + sb2, mf.LengthMap(q), 1e-14);
        Assert.Equal(sw2 / 2, mf.BackwardFactor(q), 1e-15);
        Assert.Equal(sw2 / 2, mf.Chi1, 1e-15);
    }

    [Fact]
    public void ReluClosedFormsAgreeWithQuadratureAwayFromTheKink()
    {
        // A ReLU-like φ the code does not recognise goes through Gauss–Hermite; the kink costs
        // accuracy but 400 nodes still land within 1e−3 of the closed forms.
        var relu = new MeanField(Phi.Relu, 1.7, 0.1);
        var rule = GaussHermite.Get(400);
        double q = 1.3, s = Math.Sqrt(q);
        Assert.Equal(rule.Expect(z => Math.Pow(Math.Max(s * z, 0), 2)) * 1.7 + 0.1, relu.LengthMap(q), 1e-3);
        double c = 0.4, r = Math.Sqrt(1 - c * c);
        double quad = rule.Expect((a, b) => Math.Max(s * a, 0) * Math.Max(s * (c * a + r * b), 0));
        Assert.Equal(1.7 * quad + 0.1, relu.CovarianceMap(q, q, c), 1e-3);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    public void ReluCriticalWeightVarianceIsTwoAtAnyBias(double sb2)
    {
        Assert.Equal(2, CriticalLine.WeightVariance(Phi.Relu, sb2), 15);
        Assert.Equal(1, new MeanField(Phi.Relu, 2, sb2).Chi1, 15);
        Assert.Equal(SignalPhase.Critical, new MeanField(Phi.Relu, 2, sb2).Phase);
    }

    [Fact]
    public void ReluFixedPointAndCorrelationMap()
    {
        var mf = new MeanField(Phi.Relu, 1.5, 0.1);
        Assert.Equal(0.1 / (1 - 0.75), mf.QStar, 1e-15);
        Assert.Equal(SignalPhase.Ordered, mf.Phase);
        Assert.Equal(1, mf.CStar);
        Assert.Equal(-1 / Math.Log(0.75), mf.DepthScaleC, 1e-12);
        Assert.Equal(-1 / Math.Log(0.75), mf.DepthScaleQ, 1e-12);
        // Arc-cosine kernel at c = 0: E[relu(u1) relu(u2)] = q/(2π).
        Assert.Equal(1.5 * 0.4 / (2 * Math.PI) + 0.1, mf.CovarianceMap(0.4, 0.4, 0), 1e-15);
        Assert.Equal(1.5 * 0.25, mf.DerivativeCovariance(0.4, 0.4, 0), 1e-15);
        Assert.True(double.IsPositiveInfinity(new MeanField(Phi.Relu, 2.5, 0.1).QStar));
    }

    [Theory]
    [InlineData(0.5, 0.1)]
    [InlineData(1.3, 0.0)]
    public void LinearMapsAreAffine(double sw2, double sb2)
    {
        var mf = new MeanField(Phi.Linear, sw2, sb2);
        Assert.Equal(sw2 * 0.8 + sb2, mf.LengthMap(0.8), 1e-15);
        Assert.Equal(sw2, mf.Chi1, 1e-15);
        Assert.Equal(sw2 * 0.3 * Math.Sqrt(0.8 * 0.5) + sb2, mf.CovarianceMap(0.8, 0.5, 0.3), 1e-15);
        Assert.Equal(1, CriticalLine.WeightVariance(Phi.Linear, sb2));
    }

    [Fact]
    public void LeakyReluInterpolatesBetweenReluAndLinear()
    {
        var mf = new MeanField(Phi.LeakyRelu(0.2), 1.8, 0.1);
        Assert.Equal(1.8 * (1 + 0.04) / 2, mf.Chi1, 1e-15);
        Assert.Equal(2 / 1.04, CriticalLine.WeightVariance(Phi.LeakyRelu(0.2), 0.1), 1e-15);
        // With α = 1 the leaky formulas must reduce to the linear ones.
        var one = new MeanField(Phi.LeakyRelu(1.0), 1.8, 0.1);
        Assert.Equal(1.8 * 0.3 * 0.7 + 0.1, one.CovarianceMap(0.7, 0.7, 0.3), 1e-14);
    }

    [Theory]
    [InlineData("tanh", "tanh")]
    [InlineData(" Leaky_ReLU ", "leaky-relu")]
    [InlineData("leaky-relu:0.2", "leaky-relu:0.2")]
    [InlineData("identity", "linear")]
    [InlineData("sigmoid", "sigmoid")]
    public void PhiParsesTheActivationNames(string name, string canonical) => Assert.Equal(canonical, Phi.Parse(name).Name);

    [Fact]
    public void PhiRefusesUnknownNamesAndFollowsActivationKind()
    {
        var e = Assert.Throws<ArgumentException>(() => Phi.Parse("gelu"));
        Assert.Contains("tanh", e.Message);
        Assert.Throws<ArgumentException>(() => Phi.Parse("leaky-relu:x"));
        Assert.Same(Phi.Tanh, Phi.From(ActivationKind.Tanh));
        Assert.Equal(0.01, Phi.From(ActivationKind.LeakyRelu).NegativeSlope);
        Assert.Equal(Math.Tanh(0.3), Phi.Tanh.F(0.3), 15);
        // φ'' by central differences of φ'.
        foreach (var phi in new[] { Phi.Tanh, Phi.Sigmoid })
            Assert.Equal((phi.D1(0.7 + 1e-5) - phi.D1(0.7 - 1e-5)) / 2e-5, phi.D2(0.7), 1e-9);
    }

    [Fact]
    public void PredictionsFollowTheMapsAndMultiplyTheBackwardFactors()
    {
        var mf = new MeanField(Phi.Relu, 2.0, 0.05);
        var layers = mf.Predict(q0: 1.0, depth: 4);
        // ReLU at σw² = 2: q grows by σb² per layer, gradients keep their norm.
        Assert.Equal([2.05, 2.1, 2.15, 2.2], layers.Select(l => Math.Round(l.Q, 12)));
        Assert.All(layers, l => Assert.Equal(1, l.GradientNormRatio, 14));
        var tanh = new MeanField(Phi.Tanh, 1.2, 0.05).Predict(0.5, 3);
        Assert.Equal(1.2 * 0.5 + 0.05, tanh[0].Q, 15);
        Assert.Equal(tanh[1].GradientFactor * tanh[2].GradientNormRatio, tanh[1].GradientNormRatio, 15);
        Assert.Equal(tanh[0].GradientFactor * tanh[1].GradientFactor, tanh[0].GradientNormRatio, 15);
    }
}
