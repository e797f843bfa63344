using InitLab.Training;

namespace InitLab.Tests.Cli;

[Collection(Training.SerialCollection.Name)]
public class TrainLogTests
{
    [Fact]
    public void TrainWithLogWritesConfigMetricsAndAFinishedLog()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string log = d.File("log");
        var (code, _, err) = CliTests.Run("train", "--data", d.Path, "--layers", "784,12,10", "--epochs", "2", "--batch-size", "50", "--threads", "1", "--log", log);
        Assert.True(code == 0, err);
        var read = TrainingLog.Read(Path.Combine(log, TrainingLog.FileName));
        Assert.Equal(TrainingLog.Finished, read.End?.Status);
        Assert.Equal(2, read.Epochs.Count);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(log, "metrics.csv")).Length);
        Assert.Equal("log", InitLab.Experiments.RunFiles.ReadConfig(Path.Combine(log, "config.json")).Id);
    }
}
