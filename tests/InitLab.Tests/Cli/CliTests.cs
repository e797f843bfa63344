using InitLab.Cli;
using System.Text.RegularExpressions;

namespace InitLab.Tests.Cli;

public class CliTests
{
    [Fact]
    public void MoreThreadsThanProcessorsRunWithAWarningThatFitsTheTerminal()
    {
        // The same results as on one thread, and two stderr lines of at most 80 columns saying
        // what to use instead; none for as many threads as processors.
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        int over = Environment.ProcessorCount + 1;
        if (over > 256) return; // --threads takes at most 256: no count can be too many for this machine
        var (code, output, err) = Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "1", "--threads", over.ToString(), "--quiet");
        Assert.True(code == 0, err);
        var warning = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("--threads")).ToArray();
        Assert.Equal(2, warning.Length);
        Assert.Contains($"--threads {over} is more than the {Environment.ProcessorCount} processors", warning[0]);
        Assert.Contains($"Use --threads {Environment.ProcessorCount}", warning[1]);
        Assert.All(warning, l => Assert.True(l.TrimEnd('\r').Length <= 80, l));
        foreach (int fits in new[] { 1, Environment.ProcessorCount })
        {
            var (code1, output1, err1) = Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "1", "--threads", fits.ToString(), "--quiet");
            Assert.True(code1 == 0, err1);
            Assert.Equal(output1, output);
            Assert.DoesNotContain("warning", err1);
        }
    }

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

    /// <summary>An epoch line fits 80 columns: a rate that would push it past them is left out, a slower one kept.</summary>
    [Fact]
    public void EpochLinesFitEightyColumns()
    {
        string slow = TrainCommand.EpochLine(new InitLab.Training.EpochReport(2, 15, 0.361300737, 0.9079, 0.95, 10_571));
        Assert.Equal("Epoch: 0002 cost = 0.361300737  test accuracy 90.79%  (0.95 s, 10,571 samples/s)", slow);
        string fast = TrainCommand.EpochLine(new InitLab.Training.EpochReport(2, 15, 0.361300737, 1.0, 10.25, 1_392_762));
        Assert.Equal("Epoch: 0002 cost = 0.361300737  test accuracy 100.00%  (10.25 s)", fast);
        Assert.True(TrainCommand.EpochLine(new InitLab.Training.EpochReport(2, 15, 0.361300737, 0.9079, 0.03, 392_762)).Length <= 80);
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
        PngAssert.Decodes(png);
        Assert.Empty(Directory.GetFiles(d.Path, "*.tmp*"));
    }

    [Fact]
    public void InspectDrawsTheJacobianSpectrum()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 64, test: 10);
        string png = d.File("jac.png");
        var (code, output, err) = Run("inspect", "--data", d.Path, "--layers", "784,48x8,10", "--activation", "tanh", "--bias", "zeros",
            "--batch", "16", "--compare", "orthogonal,normal:std=1", "--jacobian", png, "--jacobian-samples", "2");
        Assert.True(code == 0, err);
        var lines = output.Split('\n').Where(l => l.StartsWith("Jacobian (hidden layers 2..8, 2 images)", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        // normal:std=1 with fan-in 48 is σw² = 48, deep in the chaotic phase: the largest σ is huge;
        // orthogonal weights with tanh cannot stretch any direction, so no σ exceeds 1.
        static double Max(string line) => double.Parse(line[(line.IndexOf("max ", StringComparison.Ordinal) + 4)..line.IndexOf(';')], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Max(lines[0]) <= 1, lines[0]);
        Assert.True(Max(lines[1]) > 100, lines[1]);
        PngAssert.Decodes(png);
        var (bad, _, badErr) = Run("inspect", "--data", d.Path, "--layers", "784,10", "--jacobian", png);
        Assert.Equal(2, bad);
        Assert.Contains("--jacobian needs at least two hidden layers", badErr);
    }

    [Fact]
    public void InspectSeedsShowTheSpreadOverNetworksAndBatches()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 96, test: 10);
        string png = d.File("spread.png");
        var (code, output, err) = Run("inspect", "--data", d.Path, "--layers", "784,32x4,10", "--activation", "tanh", "--init", "xavier-normal",
            "--batch", "32", "--seeds", "3", "--float64", "--plot", png);
        Assert.True(code == 0, err);
        Assert.Contains("spread over 3 networks (seeds 777..779, one batch each), min .. max:", output);
        // The first network is the one the table above shows: its std lies within the spread.
        var table = output.Split('\n');
        double first = double.Parse(table.First(l => l.TrimStart().StartsWith("4 ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], System.Globalization.CultureInfo.InvariantCulture);
        var spread = table.SkipWhile(l => !l.StartsWith("spread over", StringComparison.Ordinal)).First(l => l.TrimStart().StartsWith("4 ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double min = double.Parse(spread[1], System.Globalization.CultureInfo.InvariantCulture), max = double.Parse(spread[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(first, min, max);
        Assert.True(max > min, string.Join(" ", spread));
        PngAssert.Decodes(png);
        var (bad, _, badErr) = Run("inspect", "--data", d.Path, "--batch", "64", "--seeds", "2");
        Assert.Equal(2, bad);
        Assert.Contains("needs 128 training images", badErr);
    }

    [Fact]
    public void LogPlotDrawsPerLayerStatisticsOverTraining()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 20);
        string run = d.File("run"), png = d.File("layers.png");
        var (code, _, err) = Run("train", "--data", d.Path, "--layers", "784,16,12,10", "--activation", "sigmoid", "--epochs", "1",
            "--batch-size", "10", "--log", run, "--log-every", "4", "--quiet");
        Assert.True(code == 0, err);
        var (code2, output, err2) = Run("log-plot", run, "--plot", png);
        Assert.True(code2 == 0, err2);
        // Steps 0, 4, 8 and the epoch's last (10).
        Assert.Contains("4 samples, every 4 steps", output);
        Assert.Equal(2, output.Split('\n').Count(l => l.TrimStart().StartsWith("1 ", StringComparison.Ordinal) || l.TrimStart().StartsWith("2 ", StringComparison.Ordinal)));
        PngAssert.Decodes(png);
        var (code3, _, err3) = Run("log-plot", d.Path, "--plot", png);
        Assert.Equal(1, code3);
        Assert.Contains("no training log there", err3);
        var (code4, _, err4) = Run("train", "--data", d.Path, "--log", run, "--log-every", "0");
        Assert.Equal(2, code4);
        Assert.Contains("--log-every must be at least 1", err4);
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
