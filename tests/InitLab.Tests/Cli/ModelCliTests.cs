using System.Globalization;
using System.Text.RegularExpressions;
using InitLab.Io;
using static InitLab.Tests.Cli.CliTests;

namespace InitLab.Tests.Cli;

public class ModelCliTests
{
    private static double Accuracy(string output) =>
        double.Parse(Regex.Match(output, @"accuracy: (\d+\.\d\d)%").Groups[1].Value, CultureInfo.InvariantCulture) / 100;

    [Fact]
    public void TrainSaveThenEvaluateAndPredictAgreeWithTraining()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 400, test: 100);
        string model = d.File("m.safetensors"), csv = d.File("p.csv");
        var (code, trained, err) = Run("train", "--data", d.Path, "--layers", "784,32,10", "--epochs", "2", "--batch-size", "50", "--save", model, "--quiet");
        Assert.True(code == 0, err);
        Assert.Equal("784,32,10", SafeTensors.Read(model).Metadata["initlab.layers"]);

        (code, var evaluated, err) = Run("evaluate", "--model", model, "--data", d.Path, "--predictions", csv);
        Assert.True(code == 0, err);
        Assert.Equal(Accuracy(trained), Accuracy(evaluated));
        var lines = evaluated.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Confusion matrix (rows: label, columns: prediction):", lines[1]);
        var matrix = lines[3..13].Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).ToArray()).ToArray();
        Assert.Equal(100, matrix.Sum(r => r.Sum()));
        var rows = File.ReadAllLines(csv);
        Assert.Equal("index,label,prediction", rows[0]);
        Assert.Equal(101, rows.Length);
        // The diagonal is the number of correct predictions, the same as the CSV's.
        int correct = rows[1..].Select(r => r.Split(',')).Count(f => f[1] == f[2]);
        Assert.Equal(correct, Enumerable.Range(0, 10).Sum(i => matrix[i][i]));
        Assert.Equal(correct / 100.0, Accuracy(evaluated), 6);

        (code, var predicted, err) = Run("predict", "--model", model, "--data", d.Path, "--index", "7");
        Assert.True(code == 0, err);
        var p = rows[8].Split(',');
        Assert.Contains($"Label:  {p[1]}\n", predicted.Replace("\r", ""));
        Assert.Contains($"Prediction:  {p[2]}\n", predicted.Replace("\r", ""));
        Assert.Contains("@@", predicted);
        var probabilities = Regex.Matches(predicted, @"^\s+(\d)\s+([\d.]+)", RegexOptions.Multiline).Select(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(10, probabilities.Length);
        Assert.Equal(1.0, probabilities.Sum(), 4);
        Assert.Equal(int.Parse(p[2]), Array.IndexOf(probabilities, probabilities.Max()));
    }

    [Fact]
    public void TrainLoadContinuesFromTheSavedWeights()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 100);
        string model = d.File("m.safetensors"), again = d.File("m2.safetensors");
        var (code, _, err) = Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "2", "--save", model, "--quiet");
        Assert.True(code == 0, err);
        // One epoch at a tiny learning rate barely moves the weights: accuracy stays that of the saved model, not of a fresh network.
        (code, var output, err) = Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "1", "--lr", "1e-9", "--load", model, "--save", again, "--quiet");
        Assert.True(code == 0, err);
        (code, var evaluated, _) = Run("evaluate", "--model", model, "--data", d.Path);
        Assert.Equal(0, code);
        Assert.Equal(Accuracy(evaluated), Accuracy(output));
        Assert.True(Accuracy(output) > 0.5, output);
        Assert.Empty(Directory.GetFiles(d.Path, "*.tmp"));
    }

    [Fact]
    public void LoadWithOtherLayersOrABrokenFileIsBadInput()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 20);
        string model = d.File("m.safetensors");
        Assert.Equal(0, Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "1", "--save", model, "--quiet").Code);
        var (code, _, err) = Run("train", "--data", d.Path, "--layers", "784,32,10", "--epochs", "1", "--load", model);
        Assert.Equal(1, code);
        Assert.Contains($"--load {model}: the model's layers are 784,16,10 but --layers is 784,32,10", err);

        File.WriteAllBytes(model, [1, 2, 3]);
        (code, _, err) = Run("evaluate", "--model", model, "--data", d.Path);
        Assert.Equal(1, code);
        Assert.Equal($"initlab: error: {model}: is 3 bytes long, too short for the 8-byte header length.", err.Trim());
    }

    [Fact]
    public void APyTorchModelNeedsItsActivationAndTheRightInputSize()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 20, test: 20);
        string torch = Path.Combine(AppContext.BaseDirectory, "fixtures", "torch_model.safetensors");
        var (code, _, err) = Run("evaluate", "--model", torch, "--data", d.Path);
        Assert.Equal(1, code);
        Assert.Contains("has no initlab.activation metadata", err);
        (code, _, err) = Run("evaluate", "--model", torch, "--data", d.Path, "--activation", "relu");
        Assert.Equal(1, code);
        Assert.Contains("the model takes 6 inputs but", err);
    }

    [Theory]
    [InlineData("predict", "--data", ".")]
    [InlineData("predict", "--model", "m.safetensors")]
    [InlineData("predict", "--model", "m.safetensors", "--data", ".", "--index", "-1")]
    [InlineData("evaluate", "--model", "m.safetensors")]
    public void PredictAndEvaluateUsageErrorsExitWithTwo(params string[] args) => Assert.Equal(2, Run(args).Code);

    [Fact]
    public void SeedAndDbnSaveTheirModels()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 20);
        string seed = d.File("seed.safetensors"), dbn = d.File("dbn.safetensors");
        Assert.Equal(0, Run("seed", "--data", d.Path, "--epochs", "1", "--save", seed, "--quiet").Code);
        Assert.Equal("784,256,256,10", SafeTensors.Read(seed).Metadata["initlab.layers"]);
        var (code, _, err) = Run("dbn", "--data", d.Path, "--layers", "784,20,10", "--pretrain-epochs", "1", "--epochs", "1", "--save", dbn, "--quiet");
        Assert.True(code == 0, err);
        Assert.Equal("sigmoid", ModelFile.Load(dbn).Activation);
    }
}

/// <summary>train's --dropout, --norm and --residual through the CLI: the header line, a saved model that evaluate reads back, and usage errors.</summary>
public class ArchitectureCliTests
{
    [Fact]
    public void TrainWithNormDropoutAndBlocksSavesAModelEvaluateAgreesWith()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 100);
        string model = d.File("m.safetensors");
        var (code, trained, err) = Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "2", "--batch-size", "50",
            "--norm", "batch", "--dropout", "0.2", "--residual", "2", "--activation", "selu", "--save", model);
        Assert.True(code == 0, err);
        Assert.Contains("784-16-10 selu (batch norm, dropout 0.2, 2 residual blocks), init xavier-uniform", trained);
        var meta = SafeTensors.Read(model).Metadata;
        Assert.Equal(("batch", "2", "0.2"), (meta[ModelFile.NormKey], meta[ModelFile.ResidualKey], meta[ModelFile.DropoutKey]));
        (code, var evaluated, err) = Run("evaluate", "--model", model, "--data", d.Path);
        Assert.True(code == 0, err);
        string Acc(string text) => Regex.Match(text, @"Accuracy: ([\d.E-]+)").Groups[1].Value;
        Assert.Equal(Acc(trained), Acc(evaluated));
    }

    [Theory]
    [InlineData("--dropout", "1", "--dropout must be in [0, 1)")]
    [InlineData("--norm", "group", "--norm")]
    [InlineData("--residual", "-2", "--residual must be between 0 and 10000")]
    public void BadArchitectureOptionsAreUsageErrors(string option, string value, string message)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 20, test: 20);
        var (code, _, err) = Run("train", "--data", d.Path, "--layers", "784,8,10", "--epochs", "1", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
    }
}
