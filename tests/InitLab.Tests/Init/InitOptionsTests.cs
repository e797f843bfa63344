using InitLab.Data;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Rbm;
using InitLab.Tests.Cli;

namespace InitLab.Tests.Init;

/// <summary>LSUV and DBN as typed options beside their specs, and a plan applied to a network built by hand.</summary>
public class InitOptionsTests
{
    private static DataSplits Synthetic(int train = 100)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train, 20);
        return MnistLoader.Load(d.Path);
    }

    private static float[][] Weights(Sequential m) => m.Layers.OfType<Linear>().SelectMany(l => new[] { l.Weight.Value.Data, l.Bias!.Value.Data }).ToArray();

    [Fact]
    public void DbnOptionsAndTheirSpecAreTheSameThing()
    {
        var parsed = InitSpec.Parse("dbn:epochs=3,pcd=1,lr=0.05,top=zeros");
        var typed = new DbnOptions { Epochs = 3, Persistent = true, LearningRate = 0.05, Top = InitSpec.Create("zeros") };
        Assert.Equal(typed, DbnOptions.Of(parsed));
        Assert.Equal(parsed, typed.ToSpec());
        Assert.Equal("dbn:epochs=3,lr=0.05,pcd=1,top=zeros", typed.ToSpec().ToString()); // only what differs from the defaults
        Assert.Equal(InitSpec.Parse("dbn"), new DbnOptions().ToSpec());
        Assert.Equal(new DbnOptions(), DbnOptions.Of(InitSpec.Parse("dbn")));
        var d = new DbnOptions(); // the registry's defaults, as `initlab inits` lists them
        Assert.Equal((10, 0.1, 1, false, 100, 0.0002, "xavier-uniform:gain=1"), (d.Epochs, d.LearningRate, d.GibbsSteps, d.Persistent, d.BatchSize, d.WeightDecay, d.Top.Canonical));
        Assert.Contains("dbn: epochs must be at least 1, got 0", Assert.Throws<ArgumentException>(() => InitPlan.Dbn(new DbnOptions { Epochs = 0 })).Message);
        Assert.Contains("top must be a per-layer initializer", Assert.Throws<ArgumentException>(() => InitPlan.Dbn(new DbnOptions { Top = InitSpec.Parse("lsuv") })).Message);
        Assert.Throws<ArgumentException>(() => DbnOptions.Of(InitSpec.Parse("zeros")));
    }

    [Fact]
    public void LsuvOptionsAndTheirSpecAreTheSameThing()
    {
        var typed = new LsuvOptions { Tolerance = 0.05, BatchSize = 64 };
        Assert.Equal(typed, LsuvOptions.Of(InitSpec.Parse("lsuv:batch=64,tol=0.05")));
        Assert.Equal(InitPlan.Parse("lsuv:tol=0.05,batch=64"), InitPlan.Lsuv(typed));
        Assert.Equal((0.1, 10, 256), (new LsuvOptions().Tolerance, new LsuvOptions().MaxIterations, new LsuvOptions().BatchSize));
        Assert.Equal(InitPlan.Parse("lsuv"), InitPlan.Lsuv());
        Assert.Contains("lsuv: iters must be at least 1, got 0", Assert.Throws<ArgumentException>(() => InitPlan.Lsuv(new LsuvOptions { MaxIterations = 0 })).Message);
    }

    [Fact]
    public void TypedSpecsEqualParsedOnes()
    {
        Assert.Equal(InitSpec.Parse("kaiming-normal:mode=fan_out,nonlinearity=relu"), InitSpec.Create("he_normal", ("mode", "fan_out"), ("nonlinearity", "relu")));
        Assert.Equal(InitSpec.Parse("xavier-uniform:gain=2"), InitSpec.Create("xavier-uniform", ("gain", 2)));
        Assert.Equal(InitSpec.Parse("xavier-uniform:gain=tanh"), InitSpec.Create("glorot-uniform", ("gain", "tanh")));
        Assert.Equal(InitSpec.Parse("dbn:top=orthogonal:gain=2"), InitSpec.Create("dbn", ("top", InitSpec.Create("orthogonal", ("gain", 2.0)))));
    }

    [Fact]
    public void APlanAppliedToAHandBuiltNetworkMatchesMlpCreate()
    {
        var plan = InitPlan.Parse("orthogonal|he-normal:mode=fan_out|zeros", "constant:val=0.25");
        var expected = Mlp.Create([20, 12, 8, 4], "tanh", plan, new TorchGenerator(3));
        var g = new TorchGenerator(3);
        var l = new[] { new Linear(20, 12), new Linear(12, 8), new Linear(8, 4) };
        foreach (var x in l) Initializers.TorchLinearDefault(x.Weight.Value, x.Bias!.Value, g);
        var net = new Sequential(l[0], new Tanh(), l[1], new Tanh(), l[2]);
        plan.Apply(net, g);
        Assert.Equal(Weights(expected), Weights(net));
        Assert.All(l[2].Bias!.Value.Data, b => Assert.Equal(0.25f, b));
    }

    [Fact]
    public void DbnFromTypedOptionsPretrainsAsTheParsedSpecDoes()
    {
        var data = Synthetic();
        var context = new InitContext(data.Train);
        var typed = Mlp.Create([784, 8, 10], "sigmoid", InitPlan.Dbn(new DbnOptions { Epochs = 1, BatchSize = 50, Persistent = true, Top = InitSpec.Create("zeros") }),
            new TorchGenerator(4), context);
        var parsed = Mlp.Create([784, 8, 10], "sigmoid", InitPlan.Parse("dbn:epochs=1,batch=50,pcd=1,top=zeros"), new TorchGenerator(4), context);
        Assert.Equal(Weights(parsed), Weights(typed));
        Assert.All(typed.Layers.OfType<Linear>().Last().Weight.Value.Data, w => Assert.Equal(0f, w));
        Assert.Contains("--activation sigmoid", Assert.Throws<FormatException>(() =>
            InitPlan.Dbn().Apply(new Sequential(new Linear(784, 8), new Relu(), new Linear(8, 10)), new TorchGenerator(), context)).Message);
    }

    [Fact]
    public void PersistentAloneMeansNoMomentum()
    {
        Assert.Equal((0.5, 0.9), (new RbmOptions().InitialMomentum, new RbmOptions().FinalMomentum));
        Assert.Equal((0.0, 0.0), (new RbmOptions { Persistent = true }.InitialMomentum, new RbmOptions { Persistent = true }.FinalMomentum));
        var explicitMomentum = new RbmOptions { Persistent = true, InitialMomentum = 0.5, FinalMomentum = 0.7 };
        Assert.Equal((0.5, 0.7), (explicitMomentum.InitialMomentum, explicitMomentum.FinalMomentum));
        Assert.Equal(0.0, (new RbmOptions() with { Persistent = true }).FinalMomentum);
        Assert.Equal(RbmOptions.DefaultMomentum(true), (new RbmOptions { Persistent = true }.InitialMomentum, new RbmOptions { Persistent = true }.FinalMomentum));
    }

    [Fact]
    public void DbnCommandPassesTypedOptions()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 20);
        string[] common = ["dbn", "--data", d.Path, "--layers", "784,8,10", "--pretrain-epochs", "1", "--epochs", "1", "--batch-size", "50", "--threads", "1"];
        var (code, output, err) = CliTests.Run([.. common, "--pcd", "--top", "he-normal:mode=fan_out,nonlinearity=relu"]);
        Assert.True(code == 0, err);
        Assert.Contains("init dbn:epochs=1,pcd=1,top=kaiming-normal:mode=fan_out,nonlinearity=relu,", output);
        var bad = CliTests.Run([.. common, "--pretrain-lr", "0"]);
        Assert.Equal(2, bad.Code);
        Assert.Contains("dbn: lr must be above 0, got 0", bad.Err);
        Assert.Contains("--top: Unknown initializer 'nosuch'", CliTests.Run([.. common, "--top", "nosuch"]).Err);
        Assert.Contains("top must be a per-layer initializer", CliTests.Run([.. common, "--top", "lsuv"]).Err);
    }
}
