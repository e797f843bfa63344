using InitLab.Diagnostics;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Tensors;
using Xunit.Abstractions;

namespace InitLab.Tests.Diagnostics;

/// <summary>
/// The double-precision probe: equal to the float probe where float32 suffices, exact where it
/// does not, its back-propagated gradient against finite differences of the loss, and mean-field
/// theory's prediction of that gradient layer by layer.
/// </summary>
public class SignalProbe64Tests(ITestOutputHelper output)
{
    [Fact]
    public void AgreesWithTheFloatProbe()
    {
        var model = Mlp.Create([30, 40, 40, 40, 5], "tanh", InitPlan.Parse("xavier-normal"), new TorchGenerator(3));
        var (x, y) = Batch(16, 30, 5, 4);
        var f = SignalProbe.Run(model, x, y);
        var d = SignalProbe64.Run(model, x, y);
        Assert.Equal(f.Count, d.Count);
        for (int l = 0; l < f.Count; l++)
        {
            Assert.Equal(f[l].Std, d[l].Std, f[l].Std * 1e-4);
            Assert.Equal(f[l].PreActivationSquare, d[l].PreActivationSquare, f[l].PreActivationSquare * 1e-4);
            Assert.Equal(f[l].WeightGradNorm, d[l].WeightGradNorm, f[l].WeightGradNorm * 1e-4);
            Assert.Equal(f[l].DeadOrSaturated, d[l].DeadOrSaturated);
        }
    }

    [Fact]
    public void ResolvesASpreadBelowFloat32sPrecision()
    {
        // One layer: y = W·x + 1000 with W ~ 1e-6. The batch spread of each unit (~1e-6) is far
        // below float32's spacing at 1000 (6e-5); in double it is exact.
        var linear = new Linear(8, 3);
        new TorchGenerator(1).Normal(linear.Weight.Value.Span, 0, 1e-6);
        linear.Bias!.Value.Span.Fill(1000f);
        var model = new Sequential(linear);
        var (x, y) = Batch(32, 8, 3, 2);
        double variance = 0;
        for (int j = 0; j < 3; j++)
        {
            var col = Enumerable.Range(0, 32).Select(b => Enumerable.Range(0, 8).Sum(k => (double)linear.Weight.Value[j, k] * x[b, k])).ToArray();
            double mean = col.Average();
            variance += col.Sum(v => (v - mean) * (v - mean)) / 32;
        }
        double exact = Math.Sqrt(variance / 3);
        Assert.Equal(exact, SignalProbe64.Run(model, x, y)[0].Std, exact * 1e-9);
        Assert.True(Math.Abs(SignalProbe.Run(model, x, y)[0].Std - exact) > 0.1 * exact, "float32 cannot resolve this spread");
    }

    [Fact]
    public void BackPropagatedGradientEqualsFiniteDifferences()
    {
        // With one image, ∂L/∂h(l) is ∂L/∂b(l): perturb each bias of layer 2 and difference the loss.
        var model = Mlp.Create([6, 5, 4, 3], "sigmoid", InitPlan.Parse("normal:std=0.9", "normal:std=0.5"), new TorchGenerator(8));
        var (x, y) = Batch(1, 6, 3, 9);
        var probe = SignalProbe64.Run(model, x, y);
        var bias = model.Layers.OfType<Linear>().ElementAt(1).Bias!.Value;
        double sum = 0;
        const float h = 1e-2f;
        for (int i = 0; i < bias.Length; i++)
        {
            float keep = bias.Span[i];
            bias.Span[i] = keep + h;
            double up = Loss(model, x, y[0]);
            bias.Span[i] = keep - h;
            double down = Loss(model, x, y[0]);
            bias.Span[i] = keep;
            double actualStep = (double)(keep + h) - (keep - h);
            sum += Math.Pow((up - down) / actualStep, 2);
        }
        Assert.Equal(Math.Sqrt(sum), probe[1].PreActivationGradNorm, Math.Sqrt(sum) * 1e-4);
    }

    [Theory]
    [InlineData("tanh", "mean-field:weight_var=1.5", "normal:std=0.2236068")]
    [InlineData("tanh", "default", "default")]
    [InlineData("relu", "he-normal", "zeros")]
    public void BackPropagatedGradientFollowsTheTheory(string activation, string init, string bias)
    {
        // 500 wide, 8 layers, 64 images: finite-width and finite-batch scatter of the squared norm is a few percent.
        var plan = InitPlan.Parse(init, bias);
        var model = Mlp.Create([100, 500, 500, 500, 500, 500, 500, 500, 10], activation, plan, new TorchGenerator(31));
        var (x, y) = Batch(64, 100, 10, 32);
        var stats = SignalProbe64.Run(model, x, y);
        var predicted = SignalTheory.PredictPreActivationGradNorm(model, plan, x, stats[^1].PreActivationGradNorm)!;
        for (int l = 0; l < stats.Count; l++)
        {
            output.WriteLine($"layer {l + 1}: |dL/dh| {stats[l].PreActivationGradNorm:G4}, theory {predicted[l]:G4}");
            Assert.InRange(stats[l].PreActivationGradNorm / predicted[l], 0.85, 1.15);
        }
    }

    private static double Loss(Sequential model, Tensor x, int label)
    {
        var logits = NetworkJacobian.Forward(model, x.Row(0).ToArray().Select(v => (double)v).ToArray());
        double max = logits.Max();
        return Math.Log(logits.Sum(v => Math.Exp(v - max))) + max - logits[label];
    }

    private static (Tensor X, int[] Y) Batch(int rows, int cols, int classes, ulong seed)
    {
        var x = new Tensor(rows, cols);
        new TorchGenerator(seed).Normal(x.Span, 0, 1);
        return (x, Enumerable.Range(0, rows).Select(i => i % classes).ToArray());
    }
}
