using System.Text.Json;
using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Io;

public class ModelFileTests
{
    private static Sequential Net(string activation, params int[] sizes) =>
        Mlp.Create(sizes, activation, InitSpec.Parse("default"), new TorchGenerator(42));

    private static int[] Bits(float[] v) => v.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Theory]
    [InlineData("relu")]
    [InlineData("leaky-relu:0.2")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    public void SaveThenLoadGivesTheSameBitsAndOutputs(string activation)
    {
        using var d = new TempDir();
        var model = Net(activation, 7, 6, 5, 3);
        string path = d.File("m.safetensors");
        ModelFile.Save(model, path);
        var loaded = ModelFile.Load(path);
        Assert.Equal([7, 6, 5, 3], loaded.Sizes);
        Assert.Equal(activation, loaded.Activation);
        Assert.Equal(model.Parameters.Count, loaded.Model.Parameters.Count);
        for (int i = 0; i < model.Parameters.Count; i++)
            Assert.Equal(Bits(model.Parameters[i].Value.Data), Bits(loaded.Model.Parameters[i].Value.Data));
        var x = new Tensor(2, 7);
        for (int i = 0; i < x.Length; i++) x.Data[i] = MathF.Sin(i);
        Assert.Equal(Bits(model.Forward(x).Data), Bits(loaded.Model.Forward(x).Data));
        Assert.Equal(model.ToString(), loaded.Model.ToString());
    }

    [Fact]
    public void UsesPyTorchSequentialNamesAndRecordsTheArchitecture()
    {
        using var d = new TempDir();
        string path = d.File("m.safetensors");
        ModelFile.Save(Net("relu", 4, 3, 2), path);
        var content = SafeTensors.Read(path);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], content.Tensors.Select(t => t.Name));
        Assert.Equal([3, 4], content.Find("0.weight")!.Shape);
        Assert.Equal([2], content.Find("2.bias")!.Shape);
        Assert.Equal("4,3,2", content.Metadata["initlab.layers"]);
        Assert.Equal("relu", content.Metadata["initlab.activation"]);
        Assert.Equal("pt", content.Metadata["format"]);
    }

    private static string SaveWith(TempDir d, Func<List<NamedTensor>, List<NamedTensor>> edit, Dictionary<string, string>? meta)
    {
        string path = d.File("m.safetensors");
        ModelFile.Save(Net("relu", 4, 3, 2), path);
        var c = SafeTensors.Read(path);
        // Edited as another tool would: without InitLab's checksum, which would (rightly) refuse the edit.
        var metadata = meta ?? c.Metadata.ToDictionary();
        metadata.Remove(SafeTensors.ChecksumKey);
        SafeTensors.Write(path, edit(c.Tensors.ToList()), metadata);
        return path;
    }

    [Fact]
    public void ShapesMustMatchTheMetadata()
    {
        using var d = new TempDir();
        string path = SaveWith(d, l => l, new() { ["initlab.layers"] = "4,5,2", ["initlab.activation"] = "relu" });
        var e = Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path));
        Assert.Contains("tensor '0.weight' has shape [3, 4] but the network needs [5, 4]", e.Message);
    }

    [Fact]
    public void HugeLayersInTheMetadataAreRefusedBeforeAnyLayerIsAllocated()
    {
        using var d = new TempDir();
        string path = SaveWith(d, l => l, new() { ["initlab.layers"] = "100000,100000,2", ["initlab.activation"] = "relu" });
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("tensor '0.weight' has shape [3, 4] but the network needs [100000, 100000]", e.Message);
    }

    [Fact]
    public void UnreadableLayersMetadataIsNamed()
    {
        using var d = new TempDir();
        string path = SaveWith(d, l => l, new() { ["initlab.layers"] = "4,three,2", ["initlab.activation"] = "relu" });
        Assert.Contains("metadata initlab.layers '4,three,2' is not a list of layer sizes for the file's 4 tensors", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path)).Message);
    }

    [Fact]
    public void AMissingTensorIsNamed()
    {
        using var d = new TempDir();
        string path = SaveWith(d, l => l.Where(t => t.Name != "2.weight").ToList(), null);
        Assert.Contains("tensor '2.weight' is missing", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path)).Message);
    }

    [Fact]
    public void AnExtraTensorIsNamed()
    {
        using var d = new TempDir();
        string path = SaveWith(d, l => [.. l, new NamedTensor("4.weight", [1, 2], [1f, 2f])], null);
        Assert.Contains("tensor '4.weight' does not belong to a 4,3,2 network", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path)).Message);
    }

    [Fact]
    public void AnActivationOtherThanTheFilesIsRefused()
    {
        using var d = new TempDir();
        string path = SaveWith(d, l => l, null);
        Assert.Contains("holds a relu network, not tanh", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path, "tanh")).Message);
    }

    [Fact]
    public void WithoutMetadataTheActivationMustBeGivenAndSizesAreInferred()
    {
        using var d = new TempDir();
        string path = SaveWith(d, l => l, new() { ["format"] = "pt" });
        Assert.Contains("has no initlab.activation metadata", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path)).Message);
        var loaded = ModelFile.Load(path, "sigmoid");
        Assert.Equal([4, 3, 2], loaded.Sizes);
        Assert.IsType<Sigmoid>(loaded.Model.Layers[1]);
    }

    [Fact]
    public void WithoutMetadataLayerIndicesMustStepByTwo()
    {
        using var d = new TempDir();
        string path = SaveWith(d, l => l.Select(t => t.Name.StartsWith("2.") ? t with { Name = "3." + t.Name[2..] } : t).ToList(), new() { ["format"] = "pt" });
        Assert.Contains("tensor '3.weight': expected '2.weight' next", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path, "relu")).Message);
    }

    [Fact]
    public void APyTorchFileGivesPyTorchsLogits()
    {
        var f = Fixtures.Load("torch_model.json");
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", "torch_model.safetensors");
        var loaded = ModelFile.Load(path, f.GetProperty("activation").GetString());
        Assert.Equal(f.GetProperty("sizes").Ints(), loaded.Sizes);
        var rows = f.GetProperty("input").EnumerateArray().Select(r => r.Floats()).ToArray();
        var x = new Tensor(rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);
        var expected = f.GetProperty("logits").EnumerateArray().SelectMany(r => r.Floats()).ToArray();
        Close.All(expected, loaded.Model.Forward(x).Data, rel: 1e-5, abs: 1e-6, what: "logits");
    }
}
