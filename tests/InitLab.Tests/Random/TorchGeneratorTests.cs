using System.Numerics;
using System.Security.Cryptography;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Tests.Random;

/// <summary>Bit-for-bit parity with PyTorch 1.13's CPU generator (fixtures/rng.json).</summary>
public class TorchGeneratorTests
{
    private static readonly System.Text.Json.JsonElement Rng = Fixtures.Load("rng.json");

    [Fact]
    public void Int64RandomMatchesPyTorch()
    {
        foreach (var c in Rng.GetProperty("int64_random").EnumerateArray())
        {
            var g = new TorchGenerator(c.GetProperty("seed").GetUInt64());
            var expected = c.GetProperty("values").EnumerateArray().Select(v => long.Parse(v.GetString()!)).ToArray();
            Assert.Equal(expected, expected.Select(_ => g.RandomInt64()).ToArray());
        }
    }

    [Fact]
    public void UniformIsBitIdentical()
    {
        int cases = 0;
        foreach (var c in Rng.GetProperty("uniform").EnumerateArray())
        {
            var g = new TorchGenerator(c.GetProperty("seed").GetUInt64());
            var t = new float[c.GetProperty("n").GetInt32()];
            g.Uniform(t, c.GetProperty("a").GetDouble(), c.GetProperty("b").GetDouble());
            Assert.Equal(c.GetProperty("bits").UInts(), t.Select(BitConverter.SingleToUInt32Bits).ToArray());
            cases++;
        }
        Assert.Equal(21, cases);
    }

    [Fact]
    public void NormalBelowSixteenIsBitIdentical()
    {
        foreach (var c in Rng.GetProperty("normal").EnumerateArray().Where(c => c.GetProperty("n").GetInt32() < 16))
        {
            var g = new TorchGenerator(c.GetProperty("seed").GetUInt64());
            var t = new float[c.GetProperty("n").GetInt32()];
            g.Normal(t, c.GetProperty("mean").GetDouble(), c.GetProperty("std").GetDouble());
            Assert.Equal(c.GetProperty("bits").UInts(), t.Select(BitConverter.SingleToUInt32Bits).ToArray());
        }
    }

    [Fact]
    public void NormalFromSixteenIsBitIdentical()
    {
        int values = 0;
        foreach (var c in Rng.GetProperty("normal").EnumerateArray().Where(c => c.GetProperty("n").GetInt32() >= 16))
        {
            var g = new TorchGenerator(c.GetProperty("seed").GetUInt64());
            var t = new float[c.GetProperty("n").GetInt32()];
            g.Normal(t, c.GetProperty("mean").GetDouble(), c.GetProperty("std").GetDouble());
            Assert.Equal(c.GetProperty("bits").UInts(), t.Select(BitConverter.SingleToUInt32Bits).ToArray());
            values += t.Length;
        }
        Assert.Equal(3198, values);
    }

    [Fact]
    public void RandPermMatchesPyTorch()
    {
        foreach (var c in Rng.GetProperty("randperm").EnumerateArray())
        {
            int n = c.GetProperty("n").GetInt32();
            var g = new TorchGenerator(c.GetProperty("seed").GetUInt64());
            var p = new int[n];
            g.RandPerm(p);
            if (c.TryGetProperty("perm", out var full)) Assert.Equal(full.Ints(), p);
            else
            {
                Assert.Equal(c.GetProperty("head").Ints(), p[..50]);
                Assert.Equal(c.GetProperty("tail").Ints(), p[^50..]);
            }
            BigInteger sum = 0;
            for (int i = 0; i < n; i++) sum += (BigInteger)i * p[i];
            Assert.Equal(c.GetProperty("weighted_sum").GetString(), sum.ToString());
        }
    }

    [Fact]
    public void DataLoaderVisitsSamplesInPyTorchsOrder()
    {
        foreach (var c in Rng.GetProperty("dataloader").EnumerateArray())
        {
            int n = c.GetProperty("n").GetInt32(), bs = c.GetProperty("batch_size").GetInt32();
            var global = new TorchGenerator(c.GetProperty("seed").GetUInt64());
            var loader = new DataLoaderOrder(global);
            foreach (var epoch in c.GetProperty("epochs").EnumerateArray())
            {
                var order = new int[n];
                loader.Next(order);
                Assert.Equal(epoch.Ints(), order[..(n - n % bs)]);
            }
        }
    }

    [Fact]
    public void PythonRandintMatchesCPython()
    {
        foreach (var c in Rng.GetProperty("python_random").EnumerateArray())
        {
            var r = new PythonRandom(c.GetProperty("seed").GetUInt64());
            int a = c.GetProperty("a").GetInt32(), b = c.GetProperty("b").GetInt32();
            var expected = c.GetProperty("values").Ints();
            Assert.Equal(expected, expected.Select(_ => r.RandInt(a, b)).ToArray());
        }
    }

    [Theory]
    [InlineData("note_init")]
    [InlineData("note_init_deep")]
    public void NotesNetworkWeightsAreBitIdentical(string key)
    {
        var fixture = Rng.GetProperty(key);
        var model = Mlp.Create(fixture.GetProperty("sizes").Ints(), "relu", InitSpec.Parse("xavier-uniform"), new TorchGenerator(777));
        var tensors = model.Layers.OfType<Linear>().SelectMany(l => new[] { l.Weight.Value, l.Bias!.Value }).ToArray();
        var expected = fixture.GetProperty("tensors").EnumerateArray().ToArray();
        Assert.Equal(expected.Length, tensors.Length);
        for (int i = 0; i < tensors.Length; i++)
        {
            Assert.Equal(expected[i].GetProperty("shape").Ints(), tensors[i].Shape);
            Assert.Equal(expected[i].GetProperty("first8").Floats(), tensors[i].Data[..8]);
            byte[] bytes = new byte[tensors[i].Length * 4];
            Buffer.BlockCopy(tensors[i].Data, 0, bytes, 0, bytes.Length);
            Assert.Equal(expected[i].GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
    }
}

public class TorchPrintTests
{
    [Theory]
    [InlineData("note_init")]
    [InlineData("note_init_deep")]
    public void LastWeightPrintsAsPyTorchPrintsIt(string key)
    {
        var fixture = Fixtures.Load("rng.json").GetProperty(key);
        var model = Mlp.Create(fixture.GetProperty("sizes").Ints(), "relu", InitSpec.Parse("xavier-uniform"), new TorchGenerator(777));
        string expected = fixture.GetProperty("tensors").EnumerateArray().Last(t => t.TryGetProperty("str", out _)).GetProperty("str").GetString()!;
        Assert.Equal(expected, InitLab.Io.TorchPrint.Parameter(model.Layers.OfType<Linear>().Last().Weight.Value));
    }

    [Fact]
    public void SmallTensorsUseIntegerAndScientificModes()
    {
        Assert.Equal("tensor([1., 2., 3.])", InitLab.Io.TorchPrint.Format(new InitLab.Tensors.Tensor([1f, 2f, 3f], 3)));
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00])", InitLab.Io.TorchPrint.Format(new InitLab.Tensors.Tensor([1e-5f, 1f], 2)));
        Assert.Equal("tensor([[ 0.5000, -1.2500]])", InitLab.Io.TorchPrint.Format(new InitLab.Tensors.Tensor([0.5f, -1.25f], 1, 2)));
    }
}

public class SeedExperimentTests
{
    // The weights are drawn before any data is read; a few synthetic images stand in for MNIST.
    private static readonly Lazy<InitLab.Data.DataSplits> TinyMnist = new(() =>
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 20);
        return InitLab.Data.MnistLoader.Load(d.Path);
    });

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    public void DeepNetworkIsDrawnAfterTheFirstNetworksFifteenEpochs(int epochs)
    {
        // The note's deep cell runs after 15 epochs of the first network in the same session,
        // whatever budget InitLab's run is given.
        string expected = Fixtures.Load("note_print.json").GetProperty("deep_after_15_epochs").GetString()!;
        var exp = InitLab.Experiments.SeedExperiment.Create(deep: true, epochs: epochs, TinyMnist.Value, "tiny");
        Assert.Equal(expected, InitLab.Io.TorchPrint.Parameter(exp.LastWeight.Value));
    }

    [Fact]
    public void ShallowNetworkPrintsTheNotesTensor()
    {
        var fixture = Fixtures.Load("rng.json").GetProperty("note_init").GetProperty("tensors").EnumerateArray().Last(t => t.TryGetProperty("str", out _));
        var exp = InitLab.Experiments.SeedExperiment.Create(deep: false, epochs: 15, TinyMnist.Value, "tiny");
        Assert.Equal(fixture.GetProperty("str").GetString(), InitLab.Io.TorchPrint.Parameter(exp.LastWeight.Value));
    }
}
