using InitLab.Data;
using InitLab.Experiments;
using InitLab.Models;
using InitLab.Tests.Cli;
using InitLab.Training;

namespace InitLab.Tests.Experiments;

/// <summary>What a sweep records as an invalid run (bad input) and what it lets through (bugs).</summary>
[Collection(Training.SerialCollection.Name)]
public class SweepTests
{
    private static readonly SweepOptions Options = new()
    {
        Base = TrainConfig.Note with { Layers = [784, 12, 10], Epochs = 1, BatchSize = 50 },
        Threads = 1,
    };

    private static DataSplits Synthetic(TempDir d)
    {
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        return MnistLoader.Load(d.Path);
    }

    /// <summary>Fails once training is under way: an exception from inside a run that is not about the run's input.</summary>
    private sealed class FailingProgress(Exception fault) : IProgress<SweepEvent>
    {
        public void Report(SweepEvent e)
        {
            if (e.Kind == SweepEventKind.Batch) throw fault;
        }
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(ArgumentException))]
    public void AnInternalFaultInsideARunStopsTheSweepInsteadOfBeingRecordedAsInvalid(Type type)
    {
        using var d = new TempDir();
        var data = Synthetic(d);
        string outDir = d.File("out");
        var runs = SweepGrid.Build(["xavier-uniform"], [[784, 12, 10]], ["relu"], 1, 1);
        var fault = (Exception)Activator.CreateInstance(type, "a bug inside the run")!;

        var e = Assert.Throws<AggregateException>(() => Sweep.Run(outDir, runs, data, Options, new FailingProgress(fault)));

        Assert.Same(fault, Assert.Single(e.InnerExceptions));
        Assert.Empty(Directory.GetDirectories(outDir));   // no result.json, and the temporary folder is gone
    }

    [Fact]
    public void AWriteErrorInsideARunIsThrownAsItselfNotWrapped()
    {
        using var d = new TempDir();
        var data = Synthetic(d);
        string outDir = d.File("out");
        var runs = SweepGrid.Build(["xavier-uniform", "zeros"], [[784, 12, 10]], ["relu"], 1, 1);
        // As a full disk under --out shows itself: an IOException while the run writes its files.
        var fault = new IOException("No space left on device");

        var e = Assert.Throws<IOException>(() => Sweep.Run(outDir, runs, data, Options with { Parallel = 2 }, new FailingProgress(fault)));

        Assert.Contains(".tmp-", e.Message);          // names the run folder it was writing
        Assert.Contains("No space left on device", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(outDir));   // temporary folders and claims are gone
    }

    [Fact]
    public void BadInputInsideARunIsRecordedAsInvalidAndTheSweepGoesOn()
    {
        using var d = new TempDir();
        var data = Synthetic(d);
        string outDir = d.File("out");
        // dbn needs sigmoid layers; three per-layer initializers do not fit two Linear layers.
        var runs = SweepGrid.Build(["dbn:epochs=1", "zeros|zeros|zeros", "xavier-uniform"], [[784, 12, 10]], ["relu"], 1, 1);

        var summary = Sweep.Run(outDir, runs, data, Options);

        Assert.Equal((3, 1, 2), (summary.Total, summary.Completed, summary.Invalid));
        // result.json as written (RunFiles.Read would also re-validate config.json, which these runs fail).
        string Result(string init) => File.ReadAllText(Path.Combine(outDir, runs.Single(r => r.Init == init).Id, RunFiles.Result));
        Assert.Contains("\"invalid\"", Result("dbn:epochs=1"));
        Assert.Contains("dbn pretrains sigmoid layers; use --activation sigmoid.", Result("dbn:epochs=1"));
        Assert.Contains("lists 3 initializers for a network of 2 Linear layers", Result("zeros|zeros|zeros"));
        Assert.Contains("\"ok\"", Result("xavier-uniform"));
    }

    [Fact]
    public void LogEveryWritesEachRunsLogIntoItsFolderWithoutChangingTheTraining()
    {
        using var d = new TempDir();
        var data = Synthetic(d);
        // Dropout draws from the trainer's generator and batch norm keeps running statistics:
        // a probe forward in training mode between steps would change both runs' training.
        var options = Options with { Base = Options.Base with { Epochs = 2, Dropout = 0.3, Norm = NormKind.Batch } };
        var runs = SweepGrid.Build(["xavier-uniform", "he-normal"], [[784, 12, 10]], ["relu"], 1, 1);
        string plain = d.File("plain"), logged = d.File("logged");

        Sweep.Run(plain, runs, data, options);
        var summary = Sweep.Run(logged, runs, data, options with { LogEvery = 3 });

        Assert.Equal(2, summary.Completed);
        // 200 images in batches of 50: 4 steps an epoch, 8 in all; samples at 0, 3, 4, 6, 8.
        // 4 steps an epoch, 2 epochs, a sample every 3 steps: step 0, every 3rd and each epoch's last.
        int[] steps = [0, 3, 4, 6, 8];
        foreach (var run in runs)
        {
            Assert.False(File.Exists(Path.Combine(plain, run.Id, RunFiles.Log)));
            var log = TrainingLog.Read(Path.Combine(logged, run.Id, RunFiles.Log));
            Assert.Equal(TrainingLog.Finished, log.End?.Status);
            Assert.Equal(3, log.SampleEvery);
            Assert.Empty(options.ConfigOf(run).Differences(log.Config!));
            var activation = Assert.Single(TrainingLog.LayerSeries(log, "activation"));
            Assert.Equal(steps, activation.Points.Select(p => p.Step));
            var gradient = TrainingLog.LayerSeries(log, "gradient");
            Assert.Equal([1, 2], gradient.Select(g => g.Layer));
            Assert.All(gradient, g => Assert.Equal(steps[1..], g.Points.Select(p => p.Step)));   // no gradient before the first step
            Assert.Equal(2, log.Epochs.Count);

            // The same training: costs, accuracies and the trained network's statistics agree exactly (seconds aside).
            string[] Untimed(string dir) => [.. File.ReadAllLines(Path.Combine(dir, run.Id, RunFiles.Metrics)).Select(l => string.Join(',', l.Split(',')[..3]))];
            Assert.Equal(Untimed(plain), Untimed(logged));
            Assert.Equal(File.ReadAllText(Path.Combine(plain, run.Id, RunFiles.LayersTrained)), File.ReadAllText(Path.Combine(logged, run.Id, RunFiles.LayersTrained)));
            // The log's epochs are the metrics CSV's rows.
            Assert.Equal(RunFiles.Read(Path.Combine(logged, run.Id)).Metrics.Select(m => m.TrainCost), log.Epochs.Select(e => e.TrainCost));
        }

        // Logging is how a run is watched, not what it trains: the folder trained without a log matches a logged sweep.
        var again = Sweep.Run(plain, runs, data, options with { LogEvery = 3 });
        Assert.Equal((2, 0), (again.SkippedFinished, again.Completed));
        Assert.Throws<ArgumentException>(() => Sweep.Run(d.File("bad"), runs, data, options with { LogEvery = -1 }));
    }

    [Fact]
    public void ARunThatDivergesKeepsALogEndingFailedBesideItsInvalidResult()
    {
        using var d = new TempDir();
        var data = Synthetic(d);
        var options = Options with { Base = Options.Base with { Optimizer = new OptimizerConfig { Name = "sgd", LearningRate = 1e38 } }, LogEvery = 2 };
        var run = Assert.Single(SweepGrid.Build(["xavier-uniform"], [[784, 12, 10]], ["sigmoid"], 1, 1));
        string outDir = d.File("out");

        var summary = Sweep.Run(outDir, [run], data, options);

        Assert.Equal(1, summary.Invalid);
        var result = File.ReadAllText(Path.Combine(outDir, run.Id, RunFiles.Result));
        Assert.Contains("\"invalid\"", result);
        var log = TrainingLog.Read(Path.Combine(outDir, run.Id, RunFiles.Log));
        Assert.Equal(TrainingLog.Failed, log.End?.Status);
        Assert.Contains("training diverged", log.End!.Message);
        Assert.Contains("training diverged", result);
    }
}
