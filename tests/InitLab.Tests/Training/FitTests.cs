using InitLab.Data;
using InitLab.Init;
using InitLab.Io;
using InitLab.Training;

namespace InitLab.Tests.Training;

/// <summary>Trainer.Fit: the library's one training loop (progress, history, metrics file, checkpoints, cancellation, resume).</summary>
[Collection(SerialCollection.Name)]
public class FitTests
{
    private static readonly Lazy<DataSplits> Data = new(() =>
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 60);
        return MnistLoader.Load(d.Path);
    });

    private static readonly TrainConfig Small = TrainConfig.Note with
    {
        Data = "synthetic", Layers = [784, 16, 10], Init = InitPlan.Parse("he-normal"), BatchSize = 50, Epochs = 3, Seed = 5,
    };

    [Fact]
    public void FitReportsEachEpochAndAppendsItsRowAsItFinishes()
    {
        using var d = new TempDir();
        string csv = d.File("m.csv");
        var trainer = Trainer.Create(Small, Data.Value);
        var seen = new List<(EpochReport Report, string[] Lines)>();
        var history = trainer.Fit(new InlineProgress<EpochReport>(r => seen.Add((r, File.ReadAllLines(csv)))), default, new FitOptions { MetricsPath = csv });

        Assert.Equal([1, 2, 3], seen.Select(s => s.Report.Epoch));
        Assert.All(seen, s => Assert.Equal(3, s.Report.Epochs));
        // When epoch e is reported, the file already holds its row (and no later one).
        Assert.All(seen, s => Assert.Equal(s.Report.Epoch + 1, s.Lines.Length));
        Assert.All(seen, s => Assert.Equal(MetricsCsv.Row(s.Report), s.Lines[^1]));
        Assert.Equal(seen.Select(s => s.Report), history);
        // The accuracy after the last epoch is the model's accuracy on the test split.
        Assert.Equal(Evaluator.Accuracy(trainer.Model, Data.Value.Test), history[^1].TestAccuracy, 6);
        Assert.True(history[^1].TestAccuracy > 0.5, $"accuracy {history[^1].TestAccuracy} on learnable data");
        Assert.True(history[^1].TrainCost < history[0].TrainCost);
    }

    [Fact]
    public void FitEqualsTheHandWrittenEpochLoop()
    {
        var fitted = Trainer.Create(Small, Data.Value);
        var history = fitted.Fit();
        var byHand = Trainer.Create(Small, Data.Value);
        for (int e = 1; e <= Small.Epochs; e++)
            Assert.Equal(history[e - 1].TrainCost, byHand.RunEpoch(Data.Value.Train, e).Cost);
        Assert.Equal(Bits(fitted), Bits(byHand));
    }

    [Fact]
    public void CancellationWritesACheckpointFromWhichResumeEndsBitForBitAsAStraightRun()
    {
        using var d = new TempDir();
        string path = d.File("ck.safetensors");
        var straight = Trainer.Create(Small, Data.Value);
        straight.Fit();

        using var cts = new CancellationTokenSource();
        var first = Trainer.Create(Small, Data.Value);
        var stopper = new InlineProgress<TrainingProgress>(p => { if (p.Epoch == 2 && p.Batch == 3) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => first.Fit(null, cts.Token, new FitOptions { CheckpointPath = path, BatchProgress = stopper }));
        Assert.Equal((2, 3), (first.Position.Epoch, first.Position.Batch));
        Assert.Single(first.History);

        // The same settings under another spelling of the same initializer.
        var resumed = Trainer.Resume(path, Small with { Init = InitPlan.Parse("kaiming_normal") }, Data.Value);
        Assert.Single(resumed.History);
        Assert.Equal(first.History[0], resumed.History[0]);
        var history = resumed.Fit();
        Assert.Equal(Bits(straight), Bits(resumed));
        Assert.Equal(straight.History.Select(h => h.TrainCost), history.Select(h => h.TrainCost));
    }

    [Theory]
    [InlineData(0.3, "batch", 1)]
    [InlineData(0.5, "layer", 0)]
    public void ANetworkWithDropoutNormAndBlocksResumesBitForBit(double dropout, string norm, int residual)
    {
        // Dropout draws from the run's generator after the batch order: a resumed epoch must
        // skip the finished batches' masks, and BatchNorm's running statistics go in the checkpoint.
        var config = Small with { Dropout = dropout, Norm = InitLab.Models.MlpOptions.ParseNorm(norm), Residual = residual };
        using var d = new TempDir();
        string path = d.File("ck.safetensors");
        var straight = Trainer.Create(config, Data.Value);
        straight.Fit();
        var plain = Trainer.Create(Small, Data.Value);
        plain.Fit();
        Assert.NotEqual(Bits(plain), Bits(straight));

        using var cts = new CancellationTokenSource();
        var first = Trainer.Create(config, Data.Value);
        var stopper = new InlineProgress<TrainingProgress>(p => { if (p.Epoch == 2 && p.Batch == 3) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => first.Fit(null, cts.Token, new FitOptions { CheckpointPath = path, BatchProgress = stopper }));
        var resumed = Trainer.Resume(path, config, Data.Value);
        var history = resumed.Fit();
        Assert.Equal(Bits(straight), Bits(resumed));
        Assert.Equal(straight.History.Select(h => h.TrainCost), history.Select(h => h.TrainCost));
        var running = InitLab.Nn.StateDict.Of(straight.Model).Where(e => e.Name.Contains("running")).Select(e => e.Tensor!.Data);
        var resumedRunning = InitLab.Nn.StateDict.Of(resumed.Model).Where(e => e.Name.Contains("running")).Select(e => e.Tensor!.Data);
        Assert.Equal(running, resumedRunning);
    }

    [Fact]
    public void ResumeWithOtherSettingsNamesThem()
    {
        using var d = new TempDir();
        string path = d.File("ck.safetensors");
        var t = Trainer.Create(Small with { Epochs = 1 }, Data.Value);
        t.Fit(options: new FitOptions { CheckpointPath = path });
        var e = Assert.Throws<UserInputException>(() => Trainer.Resume(path, Small with { Epochs = 1, BatchSize = 30, Init = InitPlan.Parse("xavier-uniform") }, Data.Value));
        Assert.Contains(path, e.Message);
        Assert.Contains("init: xavier-uniform:gain=1 vs kaiming-normal:a=0,mode=fan_in,nonlinearity=leaky_relu", e.Message);
        Assert.Contains("batch_size: 30 vs 50", e.Message);
    }

    [Fact]
    public void ACheckpointPastTheRunsEpochsIsRefused()
    {
        using var d = new TempDir();
        string path = d.File("ck.safetensors");
        var t = Trainer.Create(Small, Data.Value);
        t.Fit(options: new FitOptions { CheckpointPath = path });
        var cp = CheckpointFile.Load(path);
        // The file claims epoch 99 for a 3-epoch run.
        CheckpointFile.Save(path, t.Model, t.Optimizer, cp.Position with { Epoch = 99 }, cp.Config, []);
        var e = Assert.Throws<SafeTensorsFormatException>(() => Trainer.Resume(path, Small, Data.Value));
        Assert.Contains("is at epoch 99, past the run's 3 epochs", e.Message);
    }

    [Fact]
    public void DataThatDoesNotFitTheLayersIsAUserError()
    {
        var e = Assert.Throws<UserInputException>(() => Trainer.Create(Small with { Layers = [100, 10] }, Data.Value));
        Assert.Contains("layers start with 100 inputs", e.Message);
        e = Assert.Throws<UserInputException>(() => Trainer.Create(Small with { Layers = [784, 5] }, Data.Value));
        Assert.Contains("the data has 10 classes", e.Message);
    }

    private static int[] Bits(Trainer t) =>
        [.. t.Model.Parameters.SelectMany(p => p.Value.Data.Select(BitConverter.SingleToInt32Bits))];
}
