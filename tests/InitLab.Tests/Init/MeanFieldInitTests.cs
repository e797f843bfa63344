using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Tests.Init;

/// <summary>
/// The initializers in mean-field theory's terms: mean-field:weight_var=X, critical, and normal
/// biases. Variances are checked within 5 standard errors (a false failure below 1e-6 per check;
/// fixed seeds make the tests repeatable).
/// </summary>
public class MeanFieldInitTests
{
    private static void VarianceNear(ReadOnlySpan<float> x, double variance, string what)
    {
        double sum = 0, sq = 0, q = 0;
        foreach (float v in x) { sum += v; sq += (double)v * v; q += Math.Pow(v, 4); }
        int n = x.Length;
        double s2 = sq / n;  // mean 0 is known, so the second moment estimates the variance
        double se = Math.Sqrt((q / n - s2 * s2) / n);
        Assert.True(Math.Abs(s2 - variance) <= 5 * se, $"{what}: variance {s2:E4}, expected {variance:E4} ± {5 * se:E2}");
        Assert.True(Math.Abs(sum / n) <= 5 * Math.Sqrt(variance / n), $"{what}: mean {sum / n:E3}");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.76)]
    [InlineData(4.0)]
    public void MeanFieldDrawsVarianceWeightVarOverFanIn(double x)
    {
        var t = new Tensor(400, 1000);
        InitSpec.Parse($"mean-field:weight_var={x}").Apply(t, new TorchGenerator(7));
        VarianceNear(t.Span, x / 1000, $"mean-field:weight_var={x}");
    }

    [Fact]
    public void MeanFieldCanonicalFormAndBadValues()
    {
        Assert.Equal("mean-field:weight_var=1", InitSpec.Parse("mean_field").Canonical);
        Assert.Equal(InitSpec.Parse("mean-field:weight_var=2.0"), InitSpec.Parse("MEAN-FIELD:weight_var=2"));
        Assert.Contains("weight_var", Assert.Throws<FormatException>(() => InitSpec.Parse("mean-field:weight_var=-1")).Message);
    }

    [Theory]
    [InlineData("tanh", 0.05)]
    [InlineData("sigmoid", 0.1)]
    [InlineData("relu", 0.0)]
    public void CriticalDrawsTheCriticalLinesWeightVariance(string activation, double biasVariance)
    {
        var spec = InitSpec.Parse($"critical:activation={activation},bias_var={biasVariance}");
        double sw2 = CriticalLine.WeightVariance(Phi.Parse(activation), biasVariance);
        Assert.Equal(sw2, CriticalInit.WeightVariance(spec));
        var t = new Tensor(400, 1000);
        spec.Apply(t, new TorchGenerator(11));
        VarianceNear(t.Span, sw2 / 1000, spec.Canonical);
        // The same draws as mean-field at that σw²: one normal_ call with std √(σw²/fan_in).
        var m = new Tensor(400, 1000);
        InitSpec.Create("mean-field", ("weight_var", sw2)).Apply(m, new TorchGenerator(11));
        Assert.Equal(m.Data, t.Data);
    }

    [Fact]
    public void CriticalAutoTakesTheNetworksActivationAndTheBiasRulesVariance()
    {
        // tanh with N(0, 0.05) biases: σw² ≈ 1.76 (Schoenholz et al. 2017).
        var plan = InitPlan.Parse("critical", "normal:std=" + Math.Sqrt(0.05).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        var net = Mlp.Create([300, 500, 500, 10], "tanh", plan, new TorchGenerator(3));
        double sb2 = (double)(float)Math.Sqrt(0.05) * (float)Math.Sqrt(0.05);
        double sw2 = CriticalLine.WeightVariance(Phi.Tanh, sb2);
        Assert.InRange(sw2, 1.75, 1.77);
        var linears = net.Layers.OfType<Linear>().ToArray();
        VarianceNear(linears[1].Weight.Value.Span, sw2 / 500, "layer 2");
        VarianceNear(linears[0].Weight.Value.Span, sw2 / 300, "layer 1");
        VarianceNear(linears[1].Bias!.Value.Span.ToArray().Concat(linears[0].Bias!.Value.Span.ToArray()).ToArray(), sb2, "biases");
        // ReLU's critical line is σw² = 2 whatever the biases: He's variance.
        var relu = Mlp.Create([300, 500, 10], "relu", InitPlan.Parse("critical"), new TorchGenerator(3));
        VarianceNear(relu.Layers.OfType<Linear>().First().Weight.Value.Span, 2.0 / 300, "relu");
    }

    [Fact]
    public void CriticalWithAutoCannotBeAppliedWithoutANetwork()
    {
        Assert.Equal("critical:activation=auto,bias_var=auto", InitSpec.Parse("critical").Canonical);
        var e = Assert.Throws<InvalidOperationException>(() => InitSpec.Parse("critical").Apply(new Tensor(4, 4), new TorchGenerator(1)));
        Assert.Contains("activation=", e.Message);
        Assert.Contains("bias_var", Assert.Throws<FormatException>(() => InitSpec.Parse("critical:bias_var=-0.1")).Message);
        Assert.Contains("activation", Assert.Throws<FormatException>(() => InitSpec.Parse("critical:activation=gelu")).Message);
    }

    [Fact]
    public void NormalBiasParsesToACanonicalFormAndRefusesBadStd()
    {
        var b = BiasInit.Parse("Normal:std=0.25");
        Assert.Equal(BiasKind.Normal, b.Kind);
        Assert.Equal("normal:std=0.25", b.Canonical);
        Assert.Equal(b, BiasInit.Parse(b.Canonical));
        Assert.Equal(0.0625, b.Variance(100), 12);
        Assert.Throws<FormatException>(() => BiasInit.Parse("normal:std=-1"));
        Assert.Throws<FormatException>(() => BiasInit.Parse("normal:std=nan"));
        Assert.Throws<ArgumentException>(() => BiasInit.Normal(float.PositiveInfinity));
        Assert.EndsWith(";bias=normal:std=0.25", InitPlan.Parse("he-normal", "normal:std=0.250").Canonical);
    }

    [Fact]
    public void NormalBiasesAreDrawnAfterEveryWeightLayerByLayer()
    {
        // Same weights as with zero biases; the biases are the generator's next draws, first layer first.
        int[] sizes = [20, 30, 40, 5];
        var withNormal = Mlp.Create(sizes, "tanh", InitPlan.Parse("xavier-normal", "normal:std=0.5"), new TorchGenerator(9)).Layers.OfType<Linear>().ToArray();
        var g = new TorchGenerator(9);
        var withZeros = Mlp.Create(sizes, "tanh", InitPlan.Parse("xavier-normal", "zeros"), g).Layers.OfType<Linear>().ToArray();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(withZeros[i].Weight.Value.Data, withNormal[i].Weight.Value.Data);
            var expected = new float[withZeros[i].OutFeatures];
            g.Normal(expected, 0, 0.5);
            Assert.Equal(expected, withNormal[i].Bias!.Value.Span.ToArray());
        }
    }
}
