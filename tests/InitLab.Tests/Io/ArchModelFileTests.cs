using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Tensors;
using InitLab.Training;

namespace InitLab.Tests.Io;

/// <summary>
/// Model files of networks with normalization, dropout and residual blocks: PyTorch's state-dict
/// names (fixtures/arch_model.safetensors, written by make_arch_model_fixture.py from a PyTorch
/// module that loads it back with strict=True), round trips, and malformed architecture metadata.
/// </summary>
public class ArchModelFileTests
{
    private static string Fixture(string stem) => Path.Combine(AppContext.BaseDirectory, "fixtures", stem + ".safetensors");

    private static string FixturePath => Fixture("arch_model");

    /// <summary>One PyTorch module per architecture (make_arch_model_fixture.py's ARCHS).</summary>
    public static TheoryData<string> Architectures => new() { "arch_model", "arch_model_layernorm", "arch_model_selu", "arch_model_prelu", "arch_model_residual" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void APyTorchStateDictLoadsAndGivesPyTorchsEvaluationLogits(string stem)
    {
        var f = Fixtures.Load(stem + ".json");
        var loaded = ModelFile.Load(Fixture(stem));
        Assert.Equal(f.GetProperty("names").EnumerateArray().Select(n => n.GetString()), StateDict.Of(loaded.Model).Select(e => e.Name));
        Assert.All(StateDict.Of(loaded.Model).Where(e => e.Counter is not null), e => Assert.Equal(3, e.Counter!.NumBatchesTracked));
        var x = new Tensor(f.GetProperty("input").Floats(), 5, 6);
        var logits = new float[20];
        loaded.Model.Training = false; // as model.eval()
        loaded.Model.Forward(x).Data.CopyTo(logits, 0);
        Close.All(f.GetProperty("eval_logits").Floats(), logits, 1e-5, 1e-6, "eval logits");
    }

    [Fact]
    public void NumBatchesTrackedIsWrittenAsAnInt64AsPyTorchStoresIt()
    {
        string path = Path.Combine(Path.GetTempPath(), $"arch-{Guid.NewGuid():N}.safetensors");
        try
        {
            var model = ModelFile.Load(FixturePath).Model;   // the PyTorch file stores the count (3) as F32: read too
            ModelFile.Save(model, path);
            var ours = SafeTensors.Read(path);
            var counters = ours.Tensors.Where(t => t.Name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(counters);
            Assert.All(counters, t => Assert.Equal(("I64", 3f), (t.Dtype, t.Data[0])));
            Assert.All(ours.Tensors.Except(counters), t => Assert.Equal("F32", t.Dtype));
            Assert.All(StateDict.Of(ModelFile.Load(path).Model).Where(e => e.Counter is not null), e => Assert.Equal(3, e.Counter!.NumBatchesTracked));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void SavingTheLoadedNetworkWritesPyTorchsTensorsInItsOrder(string stem)
    {
        // The file PyTorch loads with strict=True, and InitLab's own save of the same network:
        // same names, order, shapes and values, so PyTorch loads InitLab's file the same way.
        var torchFile = SafeTensors.Read(Fixture(stem));
        string path = Path.Combine(Path.GetTempPath(), $"arch-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(ModelFile.Load(Fixture(stem)).Model, path);
            var ours = SafeTensors.Read(path);
            Assert.Equal(torchFile.Tensors.Select(t => t.Name), ours.Tensors.Select(t => t.Name));
            foreach (var (a, b) in torchFile.Tensors.Zip(ours.Tensors))
            {
                Assert.Equal(a.Shape, b.Shape);
                Assert.Equal(a.Data, b.Data);
            }
            foreach (string key in new[] { ModelFile.LayersKey, ModelFile.ActivationKey, ModelFile.NormKey, ModelFile.ResidualKey, ModelFile.ResidualGainKey })
                Assert.Equal(torchFile.Metadata[key], ours.Metadata[key]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("selu", "layer", 0.0, 3, false)]
    [InlineData("prelu", "none", 0.5, 0, false)]
    [InlineData("tanh", "batch", 0.1, 1, true)]
    public void EveryArchitectureRoundTripsExactly(string activation, string norm, double dropout, int residual, bool gain)
    {
        var options = new MlpOptions { Norm = MlpOptions.ParseNorm(norm), Dropout = dropout, Residual = residual, ResidualGain = gain };
        var model = Mlp.Create([7, 6, 5, 3], activation, InitPlan.Parse("he-normal"), new TorchGenerator(4), options);
        // A training forward moves the running statistics off their initial values.
        var x = new Tensor(10, 7);
        new TorchGenerator(8).Normal(x.Data, 0, 1);
        model.Forward(x);
        string path = Path.Combine(Path.GetTempPath(), $"arch-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            var back = ModelFile.Load(path).Model;
            Assert.Equal(model.ToString(), back.ToString());
            var a = StateDict.Of(model); var b = StateDict.Of(back);
            Assert.Equal(a.Select(e => e.Name), b.Select(e => e.Name));
            foreach (var (ea, eb) in a.Zip(b))
                if (ea.Tensor is null) Assert.Equal(ea.Counter!.NumBatchesTracked, eb.Counter!.NumBatchesTracked);
                else Assert.Equal(ea.Tensor.Data, eb.Tensor!.Data);
            Assert.Equal(options, ModelFile.DescribeArchitecture(back).Options);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadArchitectureMetadataAndMissingTensorsAreRefusedByName()
    {
        var content = SafeTensors.Read(FixturePath);
        SafeTensorsContent With(string key, string value) =>
            content with { Metadata = new Dictionary<string, string>(content.Metadata) { [key] = value } };
        Assert.Contains("architecture metadata", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.FromContent("m.st", With(ModelFile.ResidualKey, "1000"))).Message);
        Assert.Contains("architecture metadata", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.FromContent("m.st", With(ModelFile.DropoutKey, "1.5"))).Message);
        Assert.Contains("tensor '4.alpha' is missing", Assert.Throws<SafeTensorsFormatException>(() =>
            ModelFile.FromContent("m.st", content with { Tensors = content.Tensors.Where(t => t.Name != "4.alpha").ToList() })).Message);
        Assert.Contains("does not belong", Assert.Throws<SafeTensorsFormatException>(() =>
            ModelFile.FromContent("m.st", With(ModelFile.ResidualGainKey, "false"))).Message);
    }
}
