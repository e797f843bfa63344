using InitLab.Cli;
using System.Text.RegularExpressions;

namespace InitLab.Tests.Cli;

public class CliTests
{
    /// <summary>Runs the CLI in-process and returns its exit code, standard output and standard error.</summary>
    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = InitLab.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void SeedPrintsTheNotesLines()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 50);
        var (code, output, err) = Run("seed", "--data", d.Path, "--epochs", "2", "--threads", "1");
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // The note prints the last layer's weights right after xavier_uniform_ (PyTorch's values for seed 777).
        Assert.Equal("Parameter containing:", lines[0]);
        Assert.Equal("tensor([[-0.0215, -0.0894,  0.0598,  ...,  0.0200,  0.0203,  0.1212],", lines[1]);
        Assert.Equal("       requires_grad=True)", lines[8]);
        lines = lines[9..];
        Assert.Matches(@"^Epoch: 0001 cost = \d\.\d{9}$", lines[0]);
        Assert.Matches(@"^Epoch: 0002 cost = \d\.\d{9}$", lines[1]);
        Assert.Equal("Learning finished", lines[2]);
        Assert.Matches(@"^Accuracy: [01](\.\d+)?$", lines[3]);
        Assert.Matches(@"^Label:  \d$", lines[^2]);
        Assert.Matches(@"^Prediction:  \d$", lines[^1]);
        Assert.Contains(lines, l => l.Contains("@@"));  // the digit drawn as text
        Assert.Equal("", err);                          // no progress bar when not a terminal
    }

    [Fact]
    public void TrainWritesMetricsAndReportsAccuracy()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 400, test: 100);
        string csv = d.File("m.csv");
        var (code, output, err) = Run("train", "--data", d.Path, "--layers", "784,32,10", "--init", "normal:std=0.01",
            "--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9", "--epochs", "3", "--batch-size", "50", "--metrics", csv);
        Assert.True(code == 0, err);
        var rows = File.ReadAllLines(csv);
        Assert.Equal("epoch,train_cost,test_accuracy,seconds,samples_per_second", rows[0]);
        Assert.Equal(4, rows.Length);
        Assert.StartsWith("3,", rows[3]);
        double acc = double.Parse(Regex.Match(output, @"Test accuracy: ([\d.]+)%").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(acc > 90, output);
        Assert.Empty(Directory.GetFiles(d.Path, "*.tmp"));
    }

    [Fact]
    public void QuietPrintsOnlyTheResult()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 20);
        var (code, output, _) = Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "1", "--quiet", "--init", "zeros");
        Assert.Equal(0, code);
        Assert.Matches(@"^Test accuracy: \d+\.\d\d%\n$", output.Replace("\r", ""));
    }

    [Theory]
    [InlineData("train", "--data", "x", "--epochs", "abc")]
    [InlineData("train", "--bogus")]
    [InlineData("train")]
    [InlineData("nosuchcommand")]
    [InlineData("seed", "--epochs", "0")]
    [InlineData("train", "--data", ".", "--init", "nosuchinit")]
    [InlineData("train", "--data", ".", "--layers", "784,-3,10")]
    [InlineData("train", "--data", ".", "--optimizer", "rmsprop")]
    [InlineData("train", "--data", ".", "--init", "normal:sdt=1")]
    [InlineData("train", "--data", ".", "--optimizer", "sgd", "--nesterov")]
    [InlineData("train", "--data", ".", "--nesterov", "--momentum", "0.9")]
    [InlineData("train", "--data", ".", "--momentum", "0.9")]
    public void BadUsageExitsWithTwo(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("initlab: ", err);
    }

    [Fact]
    public void MissingDataIsBadInputWithOneLineError()
    {
        using var d = new TempDir();
        var (code, _, err) = Run("seed", "--data", d.Path);
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains("train-images-idx3-ubyte(.gz) is missing", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void MalformedFileNamesTheFileAndVerboseAddsTheStackTrace()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 20, test: 10);
        File.WriteAllBytes(d.File("t10k-labels-idx1-ubyte.gz"), IdxWriter.Gzip(IdxWriter.Bytes(8, [10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 12])));
        var (code, _, err) = Run("train", "--data", d.Path, "--epochs", "1");
        Assert.Equal(1, code);
        Assert.Contains("t10k-labels-idx1-ubyte.gz: label 12 at index 9 is out of range", err);
        var (code2, _, err2) = Run("train", "--data", d.Path, "--epochs", "1", "--verbose");
        Assert.Equal(1, code2);
        Assert.Contains("   at ", err2);
    }

    [Fact]
    public void LayersThatDoNotFitTheDataAreBadInput()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 20, test: 10);
        var (code, _, err) = Run("train", "--data", d.Path, "--layers", "100,10");
        Assert.Equal(1, code);
        Assert.Contains("layers start with 100 inputs but", err);
    }
}

public class InitCommandsTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    [Fact]
    public void InitsListsFormulasAndParameters()
    {
        var (code, output, _) = Run("inits");
        Assert.Equal(0, code);
        Assert.Contains("kaiming-normal:a=0,mode=fan_in,nonlinearity=leaky_relu   (also: he-normal)", output);
        Assert.Contains("trunc-normal:mean=0,std=1,a=-2,b=2", output);
        Assert.Contains("lsuv:tol=0.1,iters=10,batch=256", output);
    }

    [Fact]
    public void InspectShowsWhatTheNoteSays()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 64, test: 10);
        string png = d.File("std.png");
        var (code, output, err) = Run("inspect", "--data", d.Path, "--layers", "784,64x12,10", "--activation", "relu", "--bias", "zeros",
            "--batch", "64", "--compare", "zeros,normal:std=1,kaiming-normal:mode=fan_in,nonlinearity=relu", "--plot", png);
        Assert.True(code == 0, err);
        var table = output[output.IndexOf("activation std per layer", StringComparison.Ordinal)..].Split('\n');
        var layer12 = table.Single(l => l.TrimStart().StartsWith("12 ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // zeros: no signal at all; normal(std=1): explodes (each layer multiplies by ~sqrt(64/2)); He: stays order 1.
        Assert.Equal("0", layer12[1]);
        Assert.True(double.Parse(layer12[3], System.Globalization.CultureInfo.InvariantCulture) > 1e6, string.Join(" ", layer12));
        double he = double.Parse(layer12[5], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(he, 0.01, 10);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Empty(Directory.GetFiles(d.Path, "*.tmp*"));
    }

    [Fact]
    public void TrainAcceptsPerLayerInitsBiasAndLsuv()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 50);
        var (code, output, err) = Run("train", "--data", d.Path, "--layers", "784,32,16,10", "--init", "he-normal|orthogonal:gain=relu|xavier-uniform",
            "--bias", "zeros", "--epochs", "2", "--batch-size", "50");
        Assert.True(code == 0, err);
        // As typed, with the registry's names on a line of their own.
        Assert.Contains("init he-normal|orthogonal:gain=relu|xavier-uniform, bias zeros", output);
        Assert.Contains("(he-normal|orthogonal:gain=relu|xavier-uniform is kaiming-normal|orthogonal:gain=relu|xavier-uniform)\n", output.Replace("\r", ""));
        var (code2, _, err2) = Run("train", "--data", d.Path, "--layers", "784,32,10", "--init", "lsuv:batch=100", "--epochs", "1", "--batch-size", "50");
        Assert.True(code2 == 0, err2);
        var (code3, _, err3) = Run("train", "--data", d.Path, "--layers", "784,32,10", "--init", "zeros|zeros|zeros");
        Assert.Equal(2, code3);
        Assert.Contains("lists 3 initializers for a network of 2 Linear layers", err3);
    }
}

public class RbmCommandsTests
{
    [Fact]
    public void RbmPrintsEpochFiguresAndWritesImages()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 60);
        var (code, output, err) = CliTests.Run("rbm", "--data", d.Path, "--hidden", "16", "--epochs", "2", "--batch-size", "50",
            "--filters", d.File("f.png"), "--samples", d.File("s.png"), "--metrics", d.File("m.csv"));
        Assert.True(code == 0, err);
        Assert.Contains(RbmReporter.Legend + "\n", output.Replace("\r", ""));
        Assert.Matches(@"RBM 1 epoch 02: recon [\d.]+  held-out PL -[\d.]+  FE gap -?[\d.]+  \([\d.]+ s\)", output);
        Assert.All(output.Replace("\r", "").Split('\n').Where(l => l.StartsWith("RBM ")), l => Assert.True(l.Length <= 80, l));
        Assert.Equal(3, File.ReadAllLines(d.File("m.csv")).Length);
        foreach (var png in new[] { "f.png", "s.png" }) Assert.Equal((byte)'P', File.ReadAllBytes(d.File(png))[1]);
        Assert.Equal(2, CliTests.Run("rbm", "--data", d.Path, "--momentum", "0.5,2").Code);
    }

    [Fact]
    public void PcdDefaultsToNoMomentumAndCdToHintonsSchedule()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 20);
        string[] common = ["rbm", "--data", d.Path, "--hidden", "8", "--epochs", "1", "--batch-size", "50"];
        Assert.Contains("CD-1, lr 0.1, momentum 0.5,0.9,", CliTests.Run(common).Out);
        Assert.Contains("PCD-1, lr 0.1, momentum 0,", CliTests.Run([.. common, "--pcd"]).Out);
        Assert.Contains("PCD-1, lr 0.1, momentum 0.5,", CliTests.Run([.. common, "--pcd", "--momentum", "0.5"]).Out);
    }

    [Fact]
    public void DbnPretrainsThenFineTunes()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 60);
        var (code, output, err) = CliTests.Run("dbn", "--data", d.Path, "--layers", "784,24,16,10", "--pretrain-epochs", "1", "--epochs", "2", "--batch-size", "50");
        Assert.True(code == 0, err);
        Assert.Contains("RBM 1 epoch 01", output);
        Assert.Contains("RBM 2 epoch 01", output);
        Assert.DoesNotContain("RBM 3", output);
        Assert.Contains("Epoch: 0002 cost =", output);
        Assert.Matches(@"Test accuracy: \d+\.\d\d%", output);
    }
}
