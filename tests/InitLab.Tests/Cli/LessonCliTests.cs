using System.Globalization;
using System.Text.RegularExpressions;
using InitLab.Training;

namespace InitLab.Tests.Cli;

/// <summary>`initlab seed --lesson`: the course's dropout and batch-norm lessons, checked against `train` with the same settings.</summary>
public class LessonCliTests
{
    private static IReadOnlyList<EpochReport> Train(TempDir d, string name, params string[] options)
    {
        string csv = d.File(name + ".csv");
        var (code, _, err) = CliTests.Run(["train", "--data", d.Path, "--seed", "777", "--init", "xavier-uniform", "--epochs", "2", "--threads", "1", "--quiet", "--metrics", csv, .. options]);
        Assert.True(code == 0, err);
        return MetricsCsv.Parse(File.ReadAllText(csv), csv, 2);
    }

    private static string Cost(EpochReport r) => r.TrainCost.ToString("F9", CultureInfo.InvariantCulture);

    [Fact]
    public void BatchNormLessonTrainsTheNetworkWithAndWithoutBatchNormAsTrainDoes()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 50);
        var (code, output, err) = CliTests.Run("seed", "--lesson", "batchnorm", "--data", d.Path, "--epochs", "2", "--threads", "1");
        Assert.True(code == 0, err);
        string[] lesson = ["--layers", "784,32,32,10", "--lr", "0.01", "--batch-size", "32"];
        var bn = Train(d, "bn", [.. lesson, "--norm", "batch"]);
        var plain = Train(d, "plain", lesson);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"Epoch: 0001 cost (batchnorm) = {Cost(bn[0])} cost (no batchnorm) = {Cost(plain[0])}", lines[0]);
        Assert.Equal($"Epoch: 0002 cost (batchnorm) = {Cost(bn[1])} cost (no batchnorm) = {Cost(plain[1])}", lines[1]);
        Assert.Equal("Learning finished", lines[2]);
        // Evaluation mode (BatchNorm's running statistics): the accuracy train measured after its last epoch.
        Assert.Equal($"Accuracy (batchnorm): {((double)(float)bn[1].TestAccuracy!).ToString("R", CultureInfo.InvariantCulture)}", lines[3]);
        Assert.Equal($"Accuracy (no batchnorm): {((double)(float)plain[1].TestAccuracy!).ToString("R", CultureInfo.InvariantCulture)}", lines[4]);
        Assert.Matches(@"^Label:  \d$", lines[^3]);
        Assert.Matches(@"^Prediction \(batchnorm\):  \d$", lines[^2]);
        Assert.Matches(@"^Prediction \(no batchnorm\):  \d$", lines[^1]);
    }

    [Fact]
    public void DropoutLessonIsTheDeepNetworkWithDropoutWhileTraining()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        var (code, output, err) = CliTests.Run("seed", "--lesson", "dropout", "--data", d.Path, "--epochs", "2", "--threads", "1");
        Assert.True(code == 0, err);
        var train = Train(d, "dropout", "--layers", "784,512,512,512,512,10", "--dropout", "0.3");
        var noDropout = Train(d, "plain", "--layers", "784,512,512,512,512,10");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"Epoch: 0001 cost = {Cost(train[0])}", lines[0]);
        Assert.Equal($"Epoch: 0002 cost = {Cost(train[1])}", lines[1]);
        Assert.NotEqual(Cost(noDropout[0]), Cost(train[0]));   // the masks were drawn
        Assert.Equal("Learning finished", lines[2]);
        Assert.Equal($"Accuracy: {((double)(float)train[1].TestAccuracy!).ToString("R", CultureInfo.InvariantCulture)}", lines[3]);
        Assert.Matches(@"^Prediction:  \d$", lines[^1]);
    }

    [Theory]
    [InlineData("--lesson", "pooling")]
    [InlineData("--lesson", "dropout", "--deep")]
    [InlineData("--lesson", "batchnorm", "--save", "m.safetensors")]
    public void BadLessonOptionsAreUsageErrors(params string[] args)
    {
        using var d = new TempDir();
        var (code, output, err) = CliTests.Run(["seed", "--data", d.Path, .. args]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.DoesNotContain("   at ", err);
        Assert.Matches(new Regex("--lesson|--deep|--save"), err);
    }

    [Theory]
    [InlineData("train", "--layers", "784,8,10", "--zero-gamma")]
    [InlineData("train", "--layers", "784,8,10", "--zero-gamma", "--norm", "batch")]
    [InlineData("compare", "--layers", "784,8,10", "--zero-gamma", "--residual", "2", "--norm", "none,batch")]
    [InlineData("compare", "--layers", "784,8,10", "--zero-gamma", "--norm", "batch")]
    public void ZeroGammaWithoutANormAndBlocksIsAUsageError(params string[] args)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 20, test: 10);
        string[] where = args[0] == "train" ? ["--data", d.Path] : ["--data", d.Path, "--out", d.File("out")];
        var (code, output, err) = CliTests.Run([.. args, .. where]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        // One line, the library's check (TrainConfig.Validate's) with the option's name for the setting's, for train and compare alike.
        string library = Assert.Throws<InitLab.UserInputException>(() => InitLab.Training.TrainConfig.CheckZeroGamma(true, InitLab.Models.NormKind.None, 2)).Message;
        Assert.StartsWith("zero_gamma: ", library);
        Assert.Equal("initlab: --zero-gamma" + library["zero_gamma".Length..] + "\n", err.Replace("\r", ""));
    }
}
