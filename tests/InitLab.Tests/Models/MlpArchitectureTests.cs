using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Tests.Models;

/// <summary>
/// Mlp.Create with dropout, normalization and residual blocks against the network a PyTorch
/// script builds in the same order (fixtures/arch.json "built"): the state dict's names, order
/// and exact values after xavier_uniform_ on every nn.Linear; and the configuration's JSON form.
/// </summary>
public class MlpArchitectureTests
{
    [Fact]
    public void BuiltNetworksHavePyTorchsStateDictBitForBit()
    {
        int cases = 0;
        foreach (var c in Fixtures.Load("arch.json").GetProperty("built").EnumerateArray())
        {
            var options = new MlpOptions
            {
                Dropout = c.GetProperty("dropout").GetDouble(),
                Norm = MlpOptions.ParseNorm(c.GetProperty("norm").GetString()!),
                Residual = c.GetProperty("residual").GetInt32(),
                ResidualGain = c.GetProperty("gain").GetBoolean(),
            };
            var model = Mlp.Create(c.GetProperty("sizes").Ints(), c.GetProperty("activation").GetString()!, InitPlan.Parse("xavier-uniform"),
                new TorchGenerator(c.GetProperty("seed").GetUInt64()), options);
            var entries = StateDict.Of(model);
            Assert.Equal(c.GetProperty("names").EnumerateArray().Select(n => n.GetString()), entries.Select(e => e.Name));
            var tensors = c.GetProperty("tensors");
            foreach (var e in entries)
            {
                if (e.Tensor is null)
                {
                    Assert.Equal(c.GetProperty("ints").GetProperty(e.Name).GetInt64(), e.Counter!.NumBatchesTracked);
                    continue;
                }
                float[] expected = tensors.GetProperty(e.Name).Floats();
                Assert.True(expected.AsSpan().SequenceEqual(e.Tensor.Data), $"{e.Name} differs from PyTorch's");
            }
            cases++;
        }
        Assert.Equal(3, cases);
    }

    [Fact]
    public void ResidualInitializersAndZeroGammaGivePyTorchsStateDictBitForBit()
    {
        // fixup, skipinit, zero-hadamard (ZerO) and zero-γ, each applied by a PyTorch script as the
        // paper describes it (fixtures/arch.json "inits"; make_arch_fixtures.py's init_case).
        int cases = 0;
        foreach (var c in Fixtures.Load("arch.json").GetProperty("inits").EnumerateArray())
        {
            var plan = InitPlan.Parse(c.GetProperty("init").GetString()!);
            var options = new MlpOptions
            {
                Norm = MlpOptions.ParseNorm(c.GetProperty("norm").GetString()!),
                Residual = c.GetProperty("residual").GetInt32(),
                ResidualGain = plan.NeedsResidualGain,
                ZeroGamma = c.GetProperty("zero_gamma").GetBoolean(),
            };
            Assert.Equal(c.GetProperty("gain").GetBoolean(), plan.NeedsResidualGain);
            var model = Mlp.Create(c.GetProperty("sizes").Ints(), "relu", plan, new TorchGenerator(c.GetProperty("seed").GetUInt64()), options);
            var entries = StateDict.Of(model);
            string what = $"{c.GetProperty("init").GetString()} norm {c.GetProperty("norm").GetString()}";
            Assert.Equal(c.GetProperty("names").EnumerateArray().Select(n => n.GetString()), entries.Select(e => e.Name));
            var tensors = c.GetProperty("tensors");
            foreach (var e in entries.Where(e => e.Tensor is not null))
                Assert.True(tensors.GetProperty(e.Name).Floats().AsSpan().SequenceEqual(e.Tensor!.Data), $"{what}: {e.Name} differs from PyTorch's");
            cases++;
        }
        Assert.Equal(6, cases);
    }

    [Fact]
    public void PlainOptionsBuildThePlainNetworkWithTheSameDraws()
    {
        var plain = Mlp.Create([20, 12, 8, 4], "relu", InitPlan.Parse("he-normal"), new TorchGenerator(9));
        var viaOptions = Mlp.Create([20, 12, 8, 4], "relu", InitPlan.Parse("he-normal"), new TorchGenerator(9), MlpOptions.Plain);
        Assert.Equal(plain.ToString(), viaOptions.ToString());
        for (int i = 0; i < plain.Parameters.Count; i++)
            Assert.Equal(plain.Parameters[i].Value.Data, viaOptions.Parameters[i].Value.Data);
    }

    [Fact]
    public void ConfigJsonHasTheNewKeysAndReadsOlderFilesAsDefaults()
    {
        string json = TrainConfig.Note.ToJson();
        Assert.Contains("\"dropout\": 0", json);
        Assert.Contains("\"norm\": \"none\"", json);
        Assert.Contains("\"residual\": 0", json);
        // A configuration written before these settings existed: the same keys without the last three.
        string older = string.Join("\n", json.Split('\n').Where(l => !l.Contains("\"dropout\"") && !l.Contains("\"norm\"") && !l.Contains("\"residual\"")))
            .Replace("\"seed\": 777,", "\"seed\": 777");
        Assert.Equal(TrainConfig.Note, TrainConfig.FromJson(older));

        var arch = TrainConfig.Note with { Dropout = 0.3, Norm = NormKind.Batch, Residual = 2 };
        var back = TrainConfig.FromJson(arch.ToJson());
        Assert.Equal(arch, back);
        Assert.Equal((0.3, NormKind.Batch, 2), (back.Dropout, back.Norm, back.Residual));
        Assert.NotEqual(TrainConfig.Note, arch);
        Assert.Contains("norm: none vs batch", TrainConfig.Note.Differences(arch)[1]);
    }

    [Theory]
    [InlineData("\"norm\": \"group\"", "norm")]
    [InlineData("\"dropout\": 1", "dropout")]
    [InlineData("\"residual\": -1", "residual")]
    public void BadArchitectureSettingsAreRefusedByName(string replacement, string field)
    {
        string json = TrainConfig.Note.ToJson();
        string key = replacement.Split(':')[0];
        string line = json.Split('\n').Single(l => l.TrimStart().StartsWith(key));
        string bad = json.Replace(line, "  " + replacement + (line.TrimEnd().EndsWith(',') ? "," : ""));
        var e = Assert.Throws<UserInputException>(() => TrainConfig.FromJson(bad, "c.json"));
        Assert.Contains(field, e.Message);
        Assert.Contains("c.json", e.Message);
    }
}
