using System.Diagnostics;
using InitLab.Data;
using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Tests.Io;

/// <summary>Classes 1, 5 and 7 of issue 17 for model files and checkpoints, in process.</summary>
[Collection(Training.SerialCollection.Name)]
public class HostileModelFileTests
{
    private static Sequential Net(string activation = "relu") => Mlp.Create([4, 3, 2], activation, InitSpec.Parse("default"), new TorchGenerator(1));

    /// <summary>The 16 KB file: "1x10000" 2,000 times in initlab.layers, over a 4-3-2 network's tensors.</summary>
    internal static byte[] MetadataBomb()
    {
        var (tensors, _) = ModelFile.ToTensors(Net());
        var meta = new Dictionary<string, string>
        {
            [ModelFile.LayersKey] = string.Join(",", Enumerable.Repeat("1x10000", 2000)),
            [ModelFile.ActivationKey] = "relu",
        };
        var ms = new MemoryStream();
        SafeTensors.Write(ms, tensors, meta);
        return ms.ToArray();
    }

    [Fact]
    public void TheLayersMetadataBombIsRefusedBeforeItIsExpanded()
    {
        using var d = new TempDir();
        string path = d.File("bomb.safetensors");
        File.WriteAllBytes(path, MetadataBomb());
        Assert.InRange(new FileInfo(path).Length, 16_000, 17_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("initlab.layers", e.Message);
        Assert.Contains("more than 5 layer sizes", e.Message);  // 4 tensors: at most 5 sizes
        Assert.True(e.Message.Length < 400, e.Message);
        // In proportion to the 16 KB file (the issue measured 3.2 GB): a generous 64 bytes per byte + 1 MB.
        Assert.True(allocated < 64 * 17_000 + (1 << 20), $"{allocated:N0} bytes allocated");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("all NaN", float.NaN, -1)]
    [InlineData("one NaN", float.NaN, 5)]
    [InlineData("one +Inf", float.PositiveInfinity, 0)]
    [InlineData("one -Inf in a bias", float.NegativeInfinity, 100)]
    public void NonFiniteWeightsAreRefusedNamingTheTensor(string how, float bad, int at)
    {
        using var d = new TempDir();
        string path = d.File("m.safetensors");
        var (tensors, meta) = ModelFile.ToTensors(Net());
        var target = at == 100 ? tensors.First(t => t.Name == "2.bias") : tensors[0];
        if (at < 0) Array.Fill(target.Data, bad);
        else target.Data[at % target.Data.Length] = bad;
        SafeTensors.AddChecksum(meta, tensors);  // a valid file, as InitLab would have written it
        SafeTensors.Write(path, tensors, meta);
        var e = Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains($"tensor '{target.Name}' holds", e.Message);
        Assert.Contains("must be finite", e.Message);
        _ = how;
    }

    [Theory]
    [InlineData("leaky-relu:NaN")]
    [InlineData("leaky-relu:Infinity")]
    [InlineData("leaky-relu:-Infinity")]
    public void ANonFiniteSlopeIsRefusedInTheRegistryAndInModelFiles(string activation)
    {
        Assert.False(Activations.TryCreate(activation, out _));
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => Activations.Create(activation)).Message);
        using var d = new TempDir();
        string path = d.File("m.safetensors");
        var (tensors, meta) = ModelFile.ToTensors(Net());
        meta[ModelFile.ActivationKey] = activation;
        SafeTensors.Write(path, tensors, meta);
        var e = Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("finite", e.Message);
    }

    [Fact]
    public void InitLabsFilesCarryAChecksumThatCatchesOneFlippedBit()
    {
        using var d = new TempDir();
        string path = d.File("m.safetensors");
        ModelFile.Save(Net(), path);
        var content = SafeTensors.Read(path);
        Assert.Matches("^[0-9a-f]{64}$", content.Metadata[SafeTensors.ChecksumKey]);
        ModelFile.Load(path);

        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x01;  // a low mantissa bit of the last bias: still a finite, plausible weight
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path));
        Assert.Contains($"{path}: metadata initlab.sha256 does not match", e.Message);

        // A file from another tool, without the key, still loads.
        var other = content.Metadata.Where(kv => kv.Key != SafeTensors.ChecksumKey).ToDictionary();
        SafeTensors.Write(path, content.Tensors, other);
        Assert.Equal([4, 3, 2], ModelFile.Load(path).Sizes);
    }

    [SkippableFact]
    public void AFifoIsRefusedInsteadOfBlockingForever()
    {
        Skip.If(OperatingSystem.IsWindows(), "no FIFOs");
        using var d = new TempDir();
        string fifo = d.File("model.safetensors");
        using (var mk = Process.Start(new ProcessStartInfo("mkfifo", [fifo]) { UseShellExecute = false })!) mk.WaitForExit();
        Skip.IfNot(File.Exists(fifo), "mkfifo is not available");
        var load = Task.Run(() => ModelFile.Load(fifo));
        Assert.True(Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))).Result == load, "loading a FIFO blocked");
        var e = Assert.IsType<SafeTensorsFormatException>(load.Exception!.InnerException);
        Assert.Contains("not a regular file", e.Message);
        Assert.Contains(fifo, e.Message);
        Assert.Contains("is a folder", Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(d.Path)).Message);
    }
}

/// <summary>Checkpoint counters and buffers against the run's configuration, and training that diverges (class 5).</summary>
[Collection(Training.SerialCollection.Name)]
public class HostileCheckpointTests
{
    private static readonly Lazy<DataSplits> Data = new(() =>
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 20);
        return MnistLoader.Load(d.Path);
    });

    private static readonly TrainConfig Small = TrainConfig.Note with
    {
        Data = "synthetic", Layers = [784, 8, 10], Init = InitPlan.Parse("he-normal"), BatchSize = 50, Epochs = 3, Seed = 5,
    };

    /// <summary>A checkpoint after epoch 1 of <see cref="Small"/>, rewritten with <paramref name="edit"/> (metadata and tensors).</summary>
    private static string Edited(TempDir d, Action<Dictionary<string, string>, List<NamedTensor>> edit, bool keepChecksum = false)
    {
        string path = d.File("ck.safetensors");
        var t = Trainer.Create(Small, Data.Value);
        t.Fit(Data.Value, 1, options: new FitOptions { CheckpointPath = path, EvaluateEachEpoch = false });
        var c = SafeTensors.Read(path);
        var meta = c.Metadata.ToDictionary();
        var tensors = c.Tensors.Select(x => x with { Data = (float[])x.Data.Clone() }).ToList();
        edit(meta, tensors);
        if (!keepChecksum) meta.Remove(SafeTensors.ChecksumKey);
        SafeTensors.Write(path, tensors, meta, c.U32Tensors);
        return path;
    }

    [Fact]
    public void AStepCountOtherThanTheBatchesDoneIsRefused()
    {
        using var d = new TempDir();
        // Metadata is not covered by the data checksum: the range check is what refuses this.
        string path = Edited(d, (m, _) => m[CheckpointFile.StepKey] = long.MaxValue.ToString(), keepChecksum: true);
        var e = Assert.Throws<SafeTensorsFormatException>(() => Trainer.Resume(path, Small, Data.Value));
        Assert.Contains($"metadata initlab.optim.step is {long.MaxValue}, but 4 batches done (epoch 2, batch 0) make it 4", e.Message);
        path = Edited(d, (m, _) => m[CheckpointFile.StepKey] = "3", keepChecksum: true);
        Assert.Throws<SafeTensorsFormatException>(() => Trainer.Resume(path, Small, Data.Value));
        path = Edited(d, (_, _) => { }, keepChecksum: true);
        Assert.Single(Trainer.Resume(path, Small, Data.Value).History);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NaNInAdamsBuffersIsRefused(bool keepChecksum)
    {
        using var d = new TempDir();
        string path = Edited(d, (_, ts) => ts.First(t => t.Name == "optim.0.exp_avg_sq").Data[3] = float.NaN, keepChecksum);
        var e = Assert.Throws<SafeTensorsFormatException>(() => CheckpointFile.Load(path));
        Assert.Contains(keepChecksum ? "initlab.sha256 does not match" : "tensor 'optim.0.exp_avg_sq' holds NaN at index 3", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-1")]
    [InlineData("Infinity")]
    public void ANonFiniteOrNegativeCostIsRefused(string cost)
    {
        using var d = new TempDir();
        string path = Edited(d, (m, _) => m[CheckpointFile.CostKey] = cost);
        Assert.Contains("initlab.cost", Assert.Throws<SafeTensorsFormatException>(() => CheckpointFile.Load(path)).Message);
    }

    [Fact]
    public void TrainingStopsWhenTheLossBecomesNonFinite()
    {
        using var d = new TempDir();
        string cp = d.File("ck.safetensors");
        // A learning rate of 1e30 sends the weights, then the loss, to infinity within the first batches.
        var t = Trainer.Create(Small with { Optimizer = Small.Optimizer with { LearningRate = 1e30 } }, Data.Value);
        var e = Assert.Throws<TrainingDivergedException>(() => t.Fit(options: new FitOptions { CheckpointPath = cp }));
        Assert.IsAssignableFrom<UserInputException>(e);
        Assert.Equal(1, e.Epoch);
        Assert.InRange(e.Batch, 0, 4);
        Assert.Contains("training diverged in epoch 1", e.Message);
        Assert.False(File.Exists(cp));  // nothing is checkpointed from a diverged run
    }

    [Fact]
    public void ANonFiniteParameterStopsTrainingAtTheEpochsEnd()
    {
        var t = Trainer.Create(Small, Data.Value);
        // An infinite weight into a unit that ReLU switches off for every sample: the loss stays finite.
        var w = t.Model.Parameters[0].Value.Data;
        for (int i = 0; i < 784; i++) w[i] = -1f;
        t.Model.Parameters[1].Value.Data[0] = float.NegativeInfinity;
        var e = Assert.Throws<TrainingDivergedException>(() => t.Fit());
        Assert.Equal(1, e.Epoch);
        Assert.Contains("parameter 1", e.Message);
    }
}
