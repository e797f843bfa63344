using InitLab.Diagnostics;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Diagnostics;

/// <summary>The per-layer probe on residual networks and with BatchNorm in training mode.</summary>
public class SignalProbeResidualTests
{
    private static (Tensor X, int[] Y) Batch(int rows, int cols)
    {
        var g = new TorchGenerator(5);
        var x = new Tensor(rows, cols);
        Initializers.Normal(x, g);
        return (x, Enumerable.Range(0, rows).Select(i => i % 3).ToArray());
    }

    [Theory]
    [InlineData("skipinit")]
    [InlineData("fixup")]
    public void BlocksThatStartAsTheIdentityReportTheirInputUnchanged(string init)
    {
        // SkipInit's α = 0 and Fixup's zeroed last branch layer make every block the identity at
        // initialization, so each block's row is the first hidden layer's output, to the bit.
        var plan = InitPlan.Parse(init);
        var model = Mlp.Create([8, 6, 3], "relu", plan, new TorchGenerator(1), new MlpOptions { Residual = 4, ResidualGain = plan.NeedsResidualGain });
        var (x, y) = Batch(16, 8);
        var stats = SignalProbe.Run(model, x, y);
        Assert.Equal(6, stats.Count);   // the hidden layer, 4 blocks, the logits
        Assert.All(stats.Skip(1).Take(4), s => Assert.Equal((stats[0].Mean, stats[0].Std, 6), (s.Mean, s.Std, s.Units)));
        Assert.Equal([1, 2, 3, 4, 5, 6], stats.Select(s => s.Layer));
        Assert.True(stats[^1].IsOutput);
    }

    [Fact]
    public void BlockRowsAreTheMeanAndStdOfXPlusBranchOfX()
    {
        // An independent forward: the block's branch applied by hand to the hidden layer's output.
        var model = Mlp.Create([8, 6, 3], "relu", InitPlan.Parse("he-normal"), new TorchGenerator(2), new MlpOptions { Residual = 1 });
        var (x, y) = Batch(16, 8);
        var stats = SignalProbe.Run(model, x, y);
        var h = model.Layers[1].Forward(model.Layers[0].Forward(x));   // Linear → ReLU
        var hidden = h.Span.ToArray();
        var branch = ((ResidualBlock)model.Layers[2]).Branch.Forward(h).Span.ToArray();
        double[] sum = hidden.Select((v, i) => (double)(v + branch[i])).ToArray();
        Assert.Equal(sum.Average(), stats[1].Mean, 6);
        double rms = Math.Sqrt(Enumerable.Range(0, 6).Select(j =>
        {
            var col = Enumerable.Range(0, 16).Select(i => sum[i * 6 + j]).ToArray();
            double m = col.Average();
            return col.Average(v => (v - m) * (v - m));
        }).Average());
        Assert.Equal(rms, stats[1].Std, 5);
    }

    [Fact]
    public void TrainingModeNormalizesWithTheBatchAndEvaluationModeLeavesTheRunningStatisticsAlone()
    {
        var model = Mlp.Create([8, 6, 3], "tanh", InitPlan.Parse("normal:std=1"), new TorchGenerator(3), new MlpOptions { Norm = NormKind.Batch });
        var bn = model.Layers.OfType<BatchNorm1d>().Single();
        var (x, y) = Batch(16, 8);
        bool mode = model.Training;
        SignalProbe.Run(model, x, y);
        Assert.Equal(0, bn.NumBatchesTracked);
        var stats = SignalProbe.Run(model, x, y, trainingMode: true);
        Assert.Equal(1, bn.NumBatchesTracked);
        Assert.Equal(mode, model.Training);   // the mode the model had is restored
        // tanh of a standardized pre-activation (γ = 1, β = 0): per unit its batch mean of tanh(z)
        // is bounded by E|tanh z| < 1 and its std below 1; with std-1 weights and no BatchNorm, the
        // unnormalized pre-activations (std ≈ |x|) saturate tanh far more.
        var plain = Mlp.Create([8, 6, 3], "tanh", InitPlan.Parse("normal:std=1"), new TorchGenerator(3));
        var raw = SignalProbe.Run(plain, x, y);
        Assert.True(stats[0].DeadOrSaturated < raw[0].DeadOrSaturated, $"{stats[0].DeadOrSaturated} vs {raw[0].DeadOrSaturated}");
    }
}
