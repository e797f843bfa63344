using InitLab.Init;
using InitLab.Training;

namespace InitLab.Tests.Training;

/// <summary>The run configuration's canonical JSON form, its equality and its errors.</summary>
public class TrainConfigTests
{
    [Fact]
    public void TheNotePresetIsTheNotesExperiment()
    {
        var c = TrainConfig.Note;
        Assert.Equal([784, 256, 256, 10], c.Layers);
        Assert.Equal(("relu", "adam", 0.001, 100, 15, 777UL), (c.Activation, c.Optimizer.Name, c.Optimizer.LearningRate, c.BatchSize, c.Epochs, c.Seed));
        Assert.Equal("xavier-uniform", c.Init.Weights.Single().Name);
        Assert.Equal([784, 512, 512, 512, 512, 10], TrainConfig.NoteDeep.Layers);
    }

    [Fact]
    public void JsonRoundTripsAndKeepsItsKeyOrder()
    {
        var c = TrainConfig.Note with
        {
            Data = "/data/fashion", Layers = [784, 30, 10], Activation = "Leaky_ReLU", Init = InitPlan.Parse("he-normal|orthogonal", "zeros"),
            Optimizer = OptimizerConfig.Sgd(0.05, momentum: 0.9, nesterov: true), BatchSize = 64, Epochs = 3, Seed = ulong.MaxValue,
        };
        string json = c.ToJson();
        var back = TrainConfig.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(c, back);
        var keys = System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["data", "layers", "activation", "init", "bias", "optimizer", "lr", "momentum", "nesterov", "weight_decay", "batch_size", "epochs", "seed", "dropout", "norm", "residual"], keys);
        Assert.Contains("\"activation\": \"leaky-relu\"", json);
        Assert.Contains("\"seed\": 18446744073709551615", json);
    }

    [Fact]
    public void AliasesAndResolvedDefaultsAreTheSameConfiguration()
    {
        var a = TrainConfig.Note with { Init = InitPlan.Parse("he_normal"), Optimizer = new OptimizerConfig { Name = "ADAMW" } };
        var b = TrainConfig.Note with { Init = InitPlan.Parse("kaiming-normal:a=0,mode=FAN_IN"), Optimizer = new OptimizerConfig { Name = "adamw", WeightDecay = 0.01 } };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Empty(a.Differences(b));
    }

    [Fact]
    public void DifferencesNameEachSettingWithBothValues()
    {
        var a = TrainConfig.Note with { Epochs = 8, Optimizer = OptimizerConfig.Adam(0.01), Seed = 1 };
        var d = a.Differences(TrainConfig.Note);
        Assert.Equal(["lr: 0.01 vs 0.001", "epochs: 8 vs 15", "seed: 1 vs 777"], d);
        Assert.Equal(["lr: 0.01 vs 0.001", "epochs: 8 vs 15"], a.Differences(TrainConfig.Note, "seed"));
    }

    [Theory]
    [InlineData("{\"data\": 1}", "setting 'data' is Number, expected String")]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("{", "not valid JSON")]
    [InlineData("{\"colour\": \"red\"}", "unknown setting 'colour'")]
    public void BadJsonNamesTheSourceAndTheField(string json, string expected)
    {
        var e = Assert.Throws<UserInputException>(() => TrainConfig.FromJson(json, "run/config.json"));
        Assert.StartsWith("run/config.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void EveryFieldIsCheckedWhenRead()
    {
        string good = TrainConfig.Note.ToJson();
        void Bad(string from, string to, string expected)
        {
            Assert.Contains(from, good);
            var e = Assert.Throws<UserInputException>(() => TrainConfig.FromJson(good.Replace(from, to), "c.json"));
            Assert.Contains(expected, e.Message);
        }
        Bad("\"epochs\": 15", "\"epochs\": 2.5", "setting 'epochs' is not a 32-bit integer");
        Bad("\"epochs\": 15", "\"epochs\": 0", "epochs must be at least 1");
        Bad("\"lr\": 0.001", "\"lr\": -1", "the learning rate must be a positive number");
        Bad("\"init\": \"xavier-uniform", "\"init\": \"nonsense", "Unknown initializer 'nonsense'");
        Bad("\"activation\": \"relu\"", "\"activation\": \"swish\"", "activation: Unknown activation 'swish'");
        Bad("\"seed\": 777", "\"seed\": -1", "setting 'seed' is not an integer");
        Bad("\"seed\": 777", "\"seed\": null", "setting 'seed' is Null");
        Bad(",\n  \"seed\": 777", "", "setting 'seed' is missing");
        Bad("\"optimizer\": \"adam\"", "\"optimizer\": \"rmsprop\"", "optimizer: 'rmsprop' is not known");
    }

    [Theory]
    [InlineData("adam", 0.9, false, "momentum is for sgd")]
    [InlineData("sgd", 0.0, true, "nesterov needs sgd and a momentum above 0")]
    public void OptimizerCombinationsThatMakeNoSenseAreRefused(string name, double momentum, bool nesterov, string expected)
    {
        var c = TrainConfig.Note with { Optimizer = new OptimizerConfig { Name = name, Momentum = momentum, Nesterov = nesterov } };
        Assert.Contains(expected, Assert.Throws<UserInputException>(() => c.Validate()).Message);
    }

    [Fact]
    public void ZeroGammaIsWrittenOnlyWhenSetAndNeedsANormAndBlocks()
    {
        Assert.DoesNotContain("zero_gamma", TrainConfig.Note.ToJson());
        var c = TrainConfig.Note with { Layers = [784, 16, 10], Norm = InitLab.Models.NormKind.Batch, Residual = 2, ZeroGamma = true };
        Assert.Contains("\"zero_gamma\": true", c.ToJson());
        var back = TrainConfig.FromJson(c.ToJson());
        Assert.True(back.ZeroGamma);
        Assert.Equal(c, back);
        Assert.Equal(["zero_gamma: true vs false"], c.Differences(c with { ZeroGamma = false }));
        var e = Assert.Throws<UserInputException>(() => (c with { Norm = InitLab.Models.NormKind.None }).Validate());
        Assert.StartsWith("zero_gamma:", e.Message);
        Assert.Throws<UserInputException>(() => (c with { Residual = 0 }).Validate());
    }

    [Fact]
    public void LayersAreCopiedSoTheCallersArrayCannotChangeTheConfiguration()
    {
        int[] sizes = [784, 10];
        var c = TrainConfig.Note with { Layers = sizes };
        sizes[1] = 99;
        Assert.Equal(10, c.Layers[1]);
    }
}
