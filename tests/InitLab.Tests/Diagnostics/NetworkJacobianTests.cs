using InitLab.Diagnostics;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Tensors;
using Xunit.Abstractions;

namespace InitLab.Tests.Diagnostics;

/// <summary>
/// The network Jacobian against central finite differences of the double-precision forward pass,
/// that forward pass against the float network's, segments composing by the chain rule, and the
/// spectrum's two anchor cases: a product of orthogonal linear layers (every singular value 1)
/// and mean-field theory's mean σ² for a wide random network.
/// </summary>
public class NetworkJacobianTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("leaky-relu:0.2")]
    public void JacobianEqualsFiniteDifferences(string activation)
    {
        var model = Mlp.Create([6, 5, 5, 4], activation, InitPlan.Parse("normal:std=0.8", "normal:std=0.3"), new TorchGenerator(5));
        var x = Enumerable.Range(0, 6).Select(i => Math.Sin(i + 1.0)).ToArray();
        var (j, rows, cols) = NetworkJacobian.Compute(model, x, 0, 2);
        Assert.Equal((4, 6), (rows, cols));
        const double h = 1e-6;
        for (int c = 0; c < cols; c++)
        {
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[c] += h;
            minus[c] -= h;
            var fp = NetworkJacobian.Forward(model, plus);
            var fm = NetworkJacobian.Forward(model, minus);
            for (int r = 0; r < rows; r++)
                Assert.True(Math.Abs((fp[r] - fm[r]) / (2 * h) - j[r * cols + c]) < 1e-8, $"∂y{r}/∂x{c}: {(fp[r] - fm[r]) / (2 * h)} vs {j[r * cols + c]}");
        }
    }

    [Fact]
    public void DoubleForwardMatchesTheFloatNetwork()
    {
        var model = Mlp.Create([20, 16, 16, 3], "tanh", InitPlan.Parse("xavier-normal"), new TorchGenerator(9));
        var xs = new Tensor(2, 20);
        new TorchGenerator(10).Normal(xs.Span, 0, 1);
        var y = model.Forward(xs);
        var reference = NetworkJacobian.Forward(model, xs.Row(1).ToArray().Select(v => (double)v).ToArray());
        for (int r = 0; r < 3; r++) Assert.Equal(reference[r], y[1, r], 1e-5);
    }

    [Fact]
    public void SegmentsComposeByTheChainRule()
    {
        var model = Mlp.Create([5, 4, 4, 4, 3], "tanh", InitPlan.Parse("normal:std=0.9", "normal:std=0.2"), new TorchGenerator(2));
        double[] x = [0.3, -1.2, 0.5, 2.0, -0.7];
        var (all, _, _) = NetworkJacobian.Compute(model, x, 0, 3);
        var (head, _, _) = NetworkJacobian.Compute(model, x, 0, 0);    // (4, 5)
        var (tail, _, _) = NetworkJacobian.Compute(model, x, 1, 3);    // (3, 4)
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 5; c++)
            {
                double sum = 0;
                for (int k = 0; k < 4; k++) sum += tail[r * 4 + k] * head[k * 5 + c];
                Assert.Equal(sum, all[r * 5 + c], 1e-12);
            }
    }

    [Fact]
    public void ProductOfOrthogonalLinearLayersHasEverySingularValueOne()
    {
        var g = new TorchGenerator(4);
        var layers = Enumerable.Range(0, 6).Select(_ => new Linear(32, 32, bias: false)).ToArray();
        foreach (var l in layers) Initializers.Orthogonal(l.Weight.Value, g);
        var model = new Sequential(layers);
        var x = Enumerable.Range(0, 32).Select(i => (double)i).ToArray();
        var (j, rows, cols) = NetworkJacobian.Compute(model, x, 0, 5);
        // float32 weights are orthogonal to ~1e-7 per layer.
        Assert.All(InitLab.Theory.SingularValues.Of(j, rows, cols), s => Assert.Equal(1.0, s, 1e-5));
    }

    [Theory]
    [InlineData("tanh", "mean-field:weight_var=1.5", "normal:std=0.2236068")]
    [InlineData("relu", "he-normal", "zeros")]
    [InlineData("tanh", "orthogonal:gain=1.2", "zeros")]
    public void MeanSquaredSingularValueFollowsTheTheory(string activation, string init, string bias)
    {
        // 400 wide, 6 hidden-to-hidden layers, 4 inputs: σ² averages over 1600 values. Finite-width
        // fluctuations of the squared norm are O(depth/width) ≈ 2% here; the bound allows 10%.
        var plan = InitPlan.Parse(init, bias);
        var model = Mlp.Create([100, 400, 400, 400, 400, 400, 400, 400, 10], activation, plan, new TorchGenerator(21));
        var x = new Tensor(16, 100);
        new TorchGenerator(22).Normal(x.Span, 0, 1);
        var spectrum = JacobianSpectrum.Measure(model, plan, x, 4);
        Assert.Equal(4 * 400, spectrum.SingularValues.Count);
        Assert.NotNull(spectrum.PredictedMeanSquare);
        output.WriteLine($"{activation} {init}: mean σ² {spectrum.MeanSquare:G5}, predicted {spectrum.PredictedMeanSquare:G5}");
        Assert.InRange(spectrum.MeanSquare / spectrum.PredictedMeanSquare!.Value, 0.9, 1.1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(1601)]
    public void PercentilesAreTheOrderStatisticsTheirDefinitionNames(int n)
    {
        // Values with ties (rounded to a coarse grid) in no order; the k-th percentile v must have
        // at most ⌊n·k/100⌋ values below it and more than that many at or below it (rank ⌊n·k/100⌋, 0-based),
        // counted here without sorting.
        var rng = new TorchGenerator((ulong)n);
        var raw = new float[n];
        rng.Normal(raw, 0, 1);
        var values = raw.Select(v => Math.Round(Math.Abs(v) * 8) / 8).ToList();
        var q = new JacobianSpectrum(values, 1, 1, 2, null).Percentiles();
        foreach (var (k, v) in new[] { (5, q.P5), (50, q.Median), (95, q.P95), (100, q.Max) })
        {
            int rank = Math.Min(n * k / 100, n - 1);
            Assert.True(values.Count(x => x < v) <= rank, $"{k}%: too many values below {v}");
            Assert.True(values.Count(x => x <= v) > rank, $"{k}%: too few values at or below {v}");
        }
        Assert.Equal(values.Max(), q.Max);
        Assert.Throws<InvalidOperationException>(() => new JacobianSpectrum([], 1, 1, 2, null).Percentiles());
    }
}
