using InitLab.Data;
using InitLab.Init;
using InitLab.Models;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Tensors;
using InitLab.Training;

namespace InitLab.Tests.Training;

[Collection(SerialCollection.Name)]
public class TrainerTests
{
    private static DataSplits Synthetic(int train = 600, int test = 200)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train, test);
        return MnistLoader.Load(d.Path);
    }

    private static (Trainer, InitLab.Nn.Sequential) Create(int epochs = 2, string optimizer = "adam", MlpOptions? options = null)
    {
        var g = new TorchGenerator(777);
        var model = Mlp.Create([784, 64, 32, 10], "relu", InitPlan.Parse("xavier-uniform"), g, options ?? MlpOptions.Plain);
        Optimizer opt = optimizer == "adam" ? new Adam(model.Parameters, 0.001) : new Sgd(model.Parameters, 0.05, momentum: 0.9);
        return (new Trainer(model, opt, g, new TrainingOptions { BatchSize = 50 }), model);
    }

    [Fact]
    public void ProgressOfAResumedEpochCountsOnlyThisRunsBatches()
    {
        // Resumed at batch 500 of 600: 10 batches of 10 samples in 1 s since then.
        var p = new TrainingProgress(Epoch: 3, Batch: 510, Batches: 600, BatchSize: 10, ElapsedSeconds: 1.0, FirstBatch: 500);
        Assert.Equal(100, p.SamplesPerSecond, 9);
        Assert.Equal(9, p.RemainingSeconds, 9);
        Assert.Equal(5100, new TrainingProgress(3, 510, 600, 10, 1.0).SamplesPerSecond, 9);
        Assert.True(double.IsNaN(new TrainingProgress(3, 500, 600, 10, 0.0, 500).RemainingSeconds));
    }

    [Fact]
    public void LearnsASeparableProblem()
    {
        var data = Synthetic();
        using var compute = Compute.UseThreads(2);
        var (trainer, model) = Create();
        float first = trainer.RunEpoch(data.Train, 1).Cost;
        float second = trainer.RunEpoch(data.Train, 2).Cost;
        Assert.True(second < first, $"cost did not fall: {first} -> {second}");
        Assert.True(Evaluator.Accuracy(model, data.Test) > 0.9f);
    }

    [Fact]
    public void DropLastVisitsOnlyWholeBatches()
    {
        var data = Synthetic(train: 130, test: 10);
        using var compute = Compute.UseThreads(1);
        var (trainer, _) = Create();
        var r = trainer.RunEpoch(data.Train, 1);
        Assert.Equal(100, r.Samples);
        Assert.Equal(2, trainer.BatchesPerEpoch(130));
    }

    [Fact]
    public void SameSeedSameCostsWhateverTheThreadCount()
    {
        var data = Synthetic(train: 300, test: 50);
        float[] Run(int threads)
        {
            using var compute = Compute.UseThreads(threads);
            var (t, _) = Create();
            return [t.RunEpoch(data.Train, 1).Cost, t.RunEpoch(data.Train, 2).Cost];
        }
        var one = Run(1);
        Assert.Equal(one, Run(1));
        Assert.Equal(one, Run(2));
    }

    [Theory]
    [InlineData("adam", 1)]
    [InlineData("adam", 2)]
    [InlineData("sgd", 2)]
    [InlineData("adam", 1, "batch")]
    [InlineData("sgd", 2, "layer")]
    public void ATrainingStepAllocatesNothingAfterTheFirst(string optimizer, int threads, string? norm = null)
    {
        var data = Synthetic(train: 1000, test: 10);
        using var compute = Compute.UseThreads(threads);
        // With a norm: also dropout, PReLU-free residual blocks with gains, all allocation-free per step.
        var options = norm is null ? null : new MlpOptions { Norm = MlpOptions.ParseNorm(norm), Dropout = 0.2, Residual = 2, ResidualGain = true };
        var (trainer, _) = Create(optimizer: optimizer, options: options);
        trainer.RunEpoch(data.Train, 1); // warm-up: buffers, JIT, worker threads
        // Counted on the training thread: process-wide counts pick up the runtime's own
        // background work (tiered JIT), which is not the training loop's.
        // A collection during the measured epoch (likely when earlier tests left the gen-0 budget
        // nearly spent) shifts the per-thread count by about one allocation quantum (~8 KB), so start
        // from a fresh budget: a real per-batch allocation still shows.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetAllocatedBytesForCurrentThread();
        trainer.RunEpoch(data.Train, 2);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // One epoch is 20 batches: any per-batch allocation would cost at least 20 x 24 bytes.
        // The epoch's result record is the only object an epoch creates.
        Assert.True(allocated < 200, $"an epoch of 20 batches allocated {allocated} bytes");
    }

    [Fact]
    public void TheNextBatchIsSplitBetweenTheThreadsOnlyWhenBothWillGatherIt()
    {
        // 310 images in batches of 100 on two threads: after each of the first two batches the
        // next (100 rows, gathered in two parts) is split, the calling thread asking for its 50
        // and the worker for the other 50; after the third, the next rows are 10 (7,840 values,
        // gathered on one thread), and the calling thread asks for all of them.
        using var compute = Compute.UseThreads(2);
        var g = new TorchGenerator(777);
        var model = Mlp.Create([784, 16, 10], "relu", InitPlan.Parse("xavier-uniform"), g, MlpOptions.Plain);
        var trainer = new Trainer(model, new Adam(model.Parameters, 0.001), g, new TrainingOptions { BatchSize = 100 });
        var seen = new List<(int Batch, (int, int) Caller, int Workers)>();
        DataSplits data;
        using (var d = new TempDir())
        {
            IdxWriter.WriteDataset(d.Path, 310, 20);
            data = MnistLoader.Load(d.Path);
        }
        trainer.Fit(data, 1, options: new FitOptions
        {
            EvaluateEachEpoch = false,
            BatchProgress = new InlineProgress<TrainingProgress>(p => seen.Add((p.Batch, trainer.CallerNextRows, trainer.WorkersNextRows))),
        });
        Assert.Equal([(1, (100, 150), 100), (2, (200, 250), 100), (3, (300, 310), 0)], seen);
    }
}

/// <summary>Tests that measure process-wide allocation must not run beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
