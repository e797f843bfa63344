using InitLab.Data;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Tests.Init;

/// <summary>
/// <c>--bias auto</c> (the default): PyTorch's random biases, except zeros in a layer whose
/// weights are all one value, so that zeros/constant is the symmetric start the study note
/// describes and stays symmetric under training.
/// </summary>
public class BiasAutoTests
{
    private static readonly int[] Sizes = [784, 16, 12, 10];

    private static Linear[] Linears(Sequential m) => m.Layers.OfType<Linear>().ToArray();

    private static float[] Bias(Sequential m, int i) => Linears(m)[i].Bias!.Value.Data;

    [Fact]
    public void AutoZeroesOnlyTheBiasesOfConstantLayers()
    {
        var torchDefault = Mlp.Create(Sizes, "relu", InitPlan.Parse("default"), new TorchGenerator(5));
        var mixed = Mlp.Create(Sizes, "relu", InitPlan.Parse("zeros|he-normal|constant:val=0.5"), new TorchGenerator(5));
        Assert.All(Bias(mixed, 0), b => Assert.Equal(0f, b));
        Assert.Equal(Bias(torchDefault, 1), Bias(mixed, 1));
        Assert.Contains(Bias(mixed, 1), b => b != 0);
        Assert.All(Bias(mixed, 2), b => Assert.Equal(0f, b));

        // An explicit --bias default keeps PyTorch's draws even under zero weights, and the
        // random stream is the same either way (the default biases are drawn, then cleared).
        var zerosDefault = Mlp.Create(Sizes, "relu", InitPlan.Parse("zeros", "default"), new TorchGenerator(5));
        for (int i = 0; i < 3; i++) Assert.Equal(Bias(torchDefault, i), Bias(zerosDefault, i));
        Assert.Equal("zeros", InitPlan.Parse("zeros").BiasForLayer(0, 3).ToString());
        Assert.Equal(BiasInit.Zeros, InitPlan.Parse("ones").BiasForLayer(0, 3));
        Assert.Equal("default", InitPlan.Parse("xavier-uniform").BiasForLayer(1, 3).ToString());
        Assert.Equal("constant:val=0.1", InitPlan.Parse("zeros", "constant:val=0.1").BiasForLayer(1, 3).ToString());
    }

    [Theory]
    [InlineData("lsuv", "zeros")]
    [InlineData("dbn:epochs=1", "constant:val=0.1")]
    [InlineData("lsuv", "default")]
    public void AnExplicitBiasIsRejectedWhereTheInitializerSetsTheBiases(string init, string bias)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, 100, 20);
        var splits = MnistLoader.Load(d.Path);
        var e = Assert.Throws<FormatException>(() =>
            Mlp.Create(Sizes, "sigmoid", InitPlan.Parse(init, bias), new TorchGenerator(1), new InitContext(splits.Train)));
        Assert.Contains("sets the biases itself", e.Message);
    }

    private static Sequential Train(string activation, string bias, int steps = 5)
    {
        using var d = new TempDir();
        using var compute = InitLab.Tensors.Compute.UseThreads(1);
        IdxWriter.WriteDataset(d.Path, 200, 20);
        var splits = MnistLoader.Load(d.Path);
        var g = new TorchGenerator(777);
        var model = Mlp.Create(Sizes, activation, InitPlan.Parse("zeros", bias), g);
        var trainer = new Trainer(model, new Adam(model.Parameters, 0.01), g, new TrainingOptions { BatchSize = 50 });
        var (x, y) = DataBatch.First(splits.Train, 50);
        for (int s = 0; s < steps; s++) trainer.Step(x, y);
        return model;
    }

    private static bool RowsEqual(global::InitLab.Tensors.Tensor w) =>
        Enumerable.Range(1, w.Rows - 1).All(r => w.Row(r).SequenceEqual(w.Row(0)));

    private static bool ColumnsEqual(global::InitLab.Tensors.Tensor w) =>
        Enumerable.Range(0, w.Rows).All(r => w.Row(r).ToArray().All(v => v == w.Row(r)[0]));

    [Theory]
    [InlineData("relu")]
    [InlineData("sigmoid")]
    public void ZerosWithAutoBiasesStaySymmetricUnderTraining(string activation)
    {
        var l = Linears(Train(activation, "auto"));
        // Every hidden unit of a layer has the same incoming weights and the same outgoing
        // weights after the Adam steps: the units never become different features.
        Assert.True(RowsEqual(l[0].Weight.Value) && RowsEqual(l[1].Weight.Value), "hidden units' incoming weights differ");
        Assert.True(ColumnsEqual(l[1].Weight.Value) && ColumnsEqual(l[2].Weight.Value), "hidden units' outgoing weights differ");
        Assert.True(RowsEqual(new global::InitLab.Tensors.Tensor(l[0].Bias!.Value.Data, Sizes[1], 1)), "hidden biases differ");
    }

    [Fact]
    public void ZerosWithPyTorchsRandomBiasesBreakTheSymmetry()
    {
        var l = Linears(Train("relu", "default"));
        Assert.False(ColumnsEqual(l[2].Weight.Value), "random biases should make the last hidden layer's units differ");
        Assert.Contains(l[1].Weight.Value.Data, v => v != 0);
    }
}
