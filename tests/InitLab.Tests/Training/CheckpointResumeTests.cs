using System.Runtime.InteropServices;
using InitLab.Data;
using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Tests.Training;

/// <summary>Training stopped, checkpointed to a file, restored into fresh objects and finished equals a straight run, bit for bit.</summary>
public class CheckpointResumeTests
{
    private const int Epochs = 3;

    private static readonly Lazy<DataSplits> Data = new(() =>
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 400, test: 20);
        return MnistLoader.Load(d.Path);
    });

    private static Optimizer NewOptimizer(string kind, Sequential model) => kind switch
    {
        "adam" => new Adam(model.Parameters, 0.002, weightDecay: 1e-4),
        "sgd" => new Sgd(model.Parameters, 0.05, momentum: 0.9, nesterov: true),
        _ => new Sgd(model.Parameters, 0.05),
    };

    private static (Trainer, Sequential, Optimizer) Fresh(string optimizer)
    {
        var g = new TorchGenerator(777);
        var model = Mlp.Create([784, 24, 10], "tanh", InitSpec.Parse("kaiming-uniform"), g);
        var opt = NewOptimizer(optimizer, model);
        return (new Trainer(model, opt, g, new TrainingOptions { BatchSize = 40 }), model, opt);
    }

    private static int[] Bits(Sequential model) =>
        model.Parameters.SelectMany(p => MemoryMarshal.Cast<float, int>(p.Value.Data.AsSpan()).ToArray()).ToArray();

    /// <summary>Cancels the token once <paramref name="batch"/> batches of <paramref name="epoch"/> are done.</summary>
    private sealed class StopAt(int epoch, int batch, CancellationTokenSource cts) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Epoch == epoch && p.Batch == batch) cts.Cancel();
        }
    }

    [Theory]
    [InlineData("adam", 1, 0)]  // between epochs
    [InlineData("adam", 2, 0)]
    [InlineData("adam", 1, 4)]  // inside epoch 2, after its 4th batch
    [InlineData("sgd", 0, 7)]   // inside epoch 1
    [InlineData("sgd", 2, 9)]   // inside the last epoch, after its last batch but before the epoch ended
    [InlineData("plain", 1, 3)] // SGD without momentum: no buffers at all
    [InlineData("adam", 1, -1)] // stopped before the first batch of epoch 2, after its permutation was drawn
    public void ResumedRunEndsWithTheSameWeightsAsAStraightRun(string optimizer, int epochsDone, int batch)
    {
        var data = Data.Value;
        using var compute = InitLab.Tensors.Compute.UseThreads(1);
        var (straight, straightModel, _) = Fresh(optimizer);
        float lastCost = 0;
        for (int e = 1; e <= Epochs; e++) lastCost = straight.RunEpoch(data.Train, e).Cost;

        var (first, model, opt) = Fresh(optimizer);
        for (int e = 1; e <= epochsDone; e++) first.RunEpoch(data.Train, e);
        if (batch != 0)
        {
            using var cts = new CancellationTokenSource();
            if (batch < 0) cts.Cancel();
            Assert.Throws<OperationCanceledException>(() => first.RunEpoch(data.Train, epochsDone + 1, new StopAt(epochsDone + 1, batch, cts), cts.Token));
        }
        Assert.Equal((epochsDone + 1, Math.Max(batch, 0)), (first.Position.Epoch, first.Position.Batch));
        using var dir = new TempDir();
        string path = dir.File(CheckpointFile.FileName);
        var config = TrainConfig.Note with { Seed = 4242 };
        CheckpointFile.Save(path, model, opt, first.Position, config);

        // Fresh objects; the generator is seeded differently so only the checkpoint can make it right.
        var checkpoint = CheckpointFile.Load(path);
        Assert.Equal(config, checkpoint.Config);
        var g = new TorchGenerator(1);
        var resumedModel = checkpoint.Model.Model;
        var resumedOpt = NewOptimizer(optimizer, resumedModel);
        resumedOpt.RestoreState(checkpoint.Optimizer);
        var resumed = new Trainer(resumedModel, resumedOpt, g, new TrainingOptions { BatchSize = 40 });
        resumed.Restore(checkpoint.Position);
        float resumedCost = float.NaN;
        for (int e = checkpoint.Position.Epoch; e <= Epochs; e++) resumedCost = resumed.RunEpoch(data.Train, e).Cost;

        Assert.Equal(Bits(straightModel), Bits(resumedModel));
        if (epochsDone < Epochs) Assert.Equal(BitConverter.SingleToInt32Bits(lastCost), BitConverter.SingleToInt32Bits(resumedCost));
        Assert.Equal(straight.Position.EpochStartGenerator, resumed.Position.EpochStartGenerator);
    }

    [Fact]
    public void AnInterruptedEpochContinuesInTheSameProcess()
    {
        var data = Data.Value;
        var (straight, straightModel, _) = Fresh("adam");
        for (int e = 1; e <= 2; e++) straight.RunEpoch(data.Train, e);
        var (t, model, _) = Fresh("adam");
        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => t.RunEpoch(data.Train, 1, new StopAt(1, 5, cts), cts.Token));
        Assert.Throws<InvalidOperationException>(() => t.RunEpoch(data.Train, 2));
        t.RunEpoch(data.Train, 1);
        t.RunEpoch(data.Train, 2);
        Assert.Equal(Bits(straightModel), Bits(model));
    }

    [Fact]
    public void GeneratorStateCarriesTheCachedNormalAndTheIndex()
    {
        var a = new TorchGenerator(42);
        for (int i = 0; i < 700; i++) a.Random();   // past one twist, mid-block
        a.NextNormalDouble(0, 1);                    // leaves the second Box-Muller value cached
        var b = new TorchGenerator(5);
        b.SetState(a.GetState());
        Assert.Equal(a.NextNormalDouble(0, 1), b.NextNormalDouble(0, 1));
        for (int i = 0; i < 1000; i++) Assert.Equal(a.Random(), b.Random());
        Assert.Equal(42UL, b.InitialSeed);
    }

    [Fact]
    public void MalformedGeneratorStateIsRefused()
    {
        var s = new TorchGenerator(1).GetState();
        s[Mt19937.StateWords - 1] = 625;
        Assert.Contains("index 625", Assert.Throws<ArgumentException>(() => new TorchGenerator().SetState(s)).Message);
        Assert.Contains("not 3", Assert.Throws<ArgumentException>(() => new TorchGenerator().SetState(new uint[3])).Message);
    }

    [Fact]
    public void OptimizerStateOfAnotherNetworkIsRefused()
    {
        var small = Mlp.Create([4, 3, 2], "relu", InitSpec.Parse("zeros"), new TorchGenerator(1));
        var big = Mlp.Create([4, 5, 2], "relu", InitSpec.Parse("zeros"), new TorchGenerator(1));
        var state = new Adam(small.Parameters).CaptureState();
        Assert.Contains("'0.exp_avg' has 12 values but parameter 0 has 20", Assert.Throws<ArgumentException>(() => new Adam(big.Parameters).RestoreState(state)).Message);
        Assert.Contains("does not belong", Assert.Throws<ArgumentException>(() => new Sgd(small.Parameters, 0.1).RestoreState(new Sgd(small.Parameters, 0.1, momentum: 0.9).CaptureState())).Message);
    }

    [Fact]
    public void AFailedWriteLeavesTheLastGoodFileAndNoTemporaryFile()
    {
        using var dir = new TempDir();
        string path = dir.File("c.safetensors");
        SafeTensors.Write(path, [new NamedTensor("a", [2], [1f, 2f])]);
        byte[] good = File.ReadAllBytes(path);
        // The shape check fails after the temporary file was opened, as a crash mid-write would stop it.
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [new NamedTensor("a", [3], [1f, 2f])]));
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void U32TensorsRoundTripExactly()
    {
        using var dir = new TempDir();
        string path = dir.File("u.safetensors");
        uint[] words = [0, 1, 0x80000000u, 0xFFFFFFFFu, 0x7FC00001u];
        SafeTensors.Write(path, [new NamedTensor("f", [1], [0.5f])], null, [new NamedU32Tensor("w", [5], words)]);
        var c = SafeTensors.Read(path);
        Assert.Equal(words, Assert.Single(c.U32Tensors).Data);
        Assert.Equal("f", Assert.Single(c.Tensors).Name);
        // A model file must not carry U32 tensors.
        Assert.Contains("tensor 'w' is U32", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.FromContent(path, c, "relu")).Message);
    }
}
