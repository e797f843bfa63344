using InitLab.Nn;
using InitLab.Optim;

namespace InitLab.Tests.Nn;

public class OptimizersTests
{
    private static readonly Parameter[] None = [];

    [Fact]
    public void CreatesEachOptimizerWithPyTorchsDefaults()
    {
        var adam = Assert.IsType<Adam>(Optimizers.Create("Adam", None, 0.001));
        Assert.Equal((0.0, false), (adam.WeightDecay, adam.Decoupled));
        var adamw = Assert.IsType<Adam>(Optimizers.Create("adamw", None, 0.001));
        Assert.Equal((0.01, true), (adamw.WeightDecay, adamw.Decoupled));
        var sgd = Assert.IsType<Sgd>(Optimizers.Create("sgd", None, 0.1, momentum: 0.9, weightDecay: 0.5, nesterov: true));
        Assert.Equal((0.9, 0.5, true), (sgd.Momentum, sgd.WeightDecay, sgd.Nesterov));
        Assert.Equal(0.1, sgd.LearningRate);
    }

    [Fact]
    public void AnUnknownNameListsTheKnownOnes() =>
        Assert.Contains("use adam, adamw or sgd", Assert.Throws<FormatException>(() => Optimizers.Create("rmsprop", None, 0.1)).Message);
}
