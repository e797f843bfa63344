using InitLab.Data;
using InitLab.Experiments;
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
}
