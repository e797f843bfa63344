using InitLab.Dbn;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Rbm;
using InitLab.Training;

namespace InitLab.Tests.Rbm;

public class DbnTests
{
    private static InitLab.Data.DataSplits Synthetic()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 400, test: 100);
        return InitLab.Data.MnistLoader.Load(d.Path);
    }

    [Fact]
    public void PretrainingFeedsEachLayerTheHiddenProbabilitiesOfTheOneBelow()
    {
        var data = Synthetic();
        var x = DataBatch.First(data.Train, 400).X;
        var options = new RbmOptions { Epochs = 2, BatchSize = 50, Seed = 3 };
        var rbms = DeepBeliefNetwork.Pretrain([784, 32, 16], x, null, options);
        Assert.Equal((784, 32), (rbms[0].Visible, rbms[0].Hidden));
        Assert.Equal((32, 16), (rbms[1].Visible, rbms[1].Hidden));
        // Layer 2 trained on layer 1's probabilities: its visible biases start from their means.
        var h1 = rbms[0].Transform(x);
        var copy = new BernoulliRbm(32, 16);
        RbmTrainer.Initialize(copy, h1, 4);
        var again = new RbmTrainer(copy, options with { Seed = 4 });
        again.Fit(h1);
        Assert.Equal(copy.Weights.Data, rbms[1].Weights.Data);
    }

    [Fact]
    public void DbnInitializerUnrollsTheRbmsIntoTheSigmoidNetwork()
    {
        var data = Synthetic();
        var plan = InitPlan.Parse("dbn:epochs=2,lr=0.1,cd=1,batch=50,top=zeros");
        var model = Mlp.Create([784, 32, 16, 10], "sigmoid", plan, new TorchGenerator(1), new InitContext(data.Train));
        var linears = model.Layers.OfType<Linear>().ToArray();
        Assert.All(model.Layers.OfType<Activation>(), a => Assert.IsType<Sigmoid>(a));
        Assert.All(linears[2].Weight.Value.Data, w => Assert.Equal(0f, w)); // the output layer from `top`
        // The hidden layers carry pretrained weights: an RBM recomputed with the same seeds matches.
        var x = DataBatch.First(data.Train, 400).X;
        var g = new TorchGenerator(1);
        Mlp.Create([784, 32, 16, 10], "sigmoid", InitSpec.Parse("default"), g); // the same draws before pretraining
        var rbms = DeepBeliefNetwork.Pretrain([784, 32, 16], x, null, new RbmOptions { Epochs = 2, BatchSize = 50, Seed = g.Random64() });
        Assert.Equal(rbms[0].Weights.Data, linears[0].Weight.Value.Data);
        Assert.Equal(rbms[1].HiddenBias.Data, linears[1].Bias!.Value.Data);
    }

    [Fact]
    public void DbnNeedsSigmoidAndData()
    {
        var plan = InitPlan.Parse("dbn");
        Assert.Contains("--activation sigmoid", Assert.Throws<FormatException>(() => Mlp.Create([4, 3, 2], "relu", plan, new TorchGenerator(), new InitContext(Synthetic().Train))).Message);
        Assert.Contains("needs the training data", Assert.Throws<ArgumentException>(() => Mlp.Create([4, 3, 2], "sigmoid", plan, new TorchGenerator())).Message);
        Assert.Contains("Unknown initializer", Assert.Throws<FormatException>(() => InitPlan.Parse("dbn:top=nosuch")).Message);
    }
}
