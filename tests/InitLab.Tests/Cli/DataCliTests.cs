using System.Text.RegularExpressions;

namespace InitLab.Tests.Cli;

public class DataCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    [Fact]
    public void InfoPrintsDatasetCountsSizeHistogramAndChecksumStatus()
    {
        using var d = new TempDir();
        string folder = Path.Combine(d.Path, "fashion-mnist");
        Directory.CreateDirectory(folder);
        IdxWriter.WriteDataset(folder, train: 50, test: 20);
        var (code, output, err) = Run("data", "info", folder);
        Assert.True(code == 0, err);
        Assert.Contains("dataset: Fashion-MNIST (fashion-mnist), recognised by its folder name", output);
        Assert.Contains("train:        50 images of 28x28", output);
        Assert.Contains("test:         20 images of 28x28", output);
        var rows = output.Split('\n').Where(l => Regex.IsMatch(l, @"^\d ")).ToList();
        Assert.Equal(10, rows.Count);
        Assert.StartsWith("9 Ankle boot", rows[9]);
        Assert.Equal(50, rows.Sum(r => int.Parse(r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(4, Regex.Matches(output, "differs from the published file").Count);
    }

    [Fact]
    public void InfoOfAMissingFolderIsBadInput()
    {
        var (code, _, err) = Run("data", "info", "/no/such/folder");
        Assert.Equal(1, code);
        Assert.Equal("initlab: error: Data folder '/no/such/folder' does not exist.", err.TrimEnd());
    }

    [Theory]
    [InlineData("data", "download", "cifar")]
    [InlineData("data", "download")]
    [InlineData("train", "--data", ".", "--dataset", "mnist")]
    [InlineData("train", "--dataset", "cifar")]
    [InlineData("seed", "--dataset", "cifar")]
    public void BadDataUsageExitsWithTwo(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("initlab: ", err);
    }
}

/// <summary>Tests that set the process's environment run alone.</summary>
[CollectionDefinition("Environment", DisableParallelization = true)]
public sealed class EnvironmentCollection;

[Collection("Environment")]
public class DatasetOptionTests
{
    private static (int Code, string Out, string Err) WithData(string root, params string[] args)
    {
        string? saved = Environment.GetEnvironmentVariable("INITLAB_DATA");
        Environment.SetEnvironmentVariable("INITLAB_DATA", root);
        try
        {
            return CliTests.Run(args);
        }
        finally
        {
            Environment.SetEnvironmentVariable("INITLAB_DATA", saved);
        }
    }

    [Fact]
    public void DataInfoTakesADatasetNameAsEveryOtherCommandDoes()
    {
        using var d = new TempDir();
        string folder = Path.Combine(d.Path, "kmnist");
        Directory.CreateDirectory(folder);
        IdxWriter.WriteDataset(folder, train: 100, test: 10);
        var (code, output, err) = WithData(d.Path, "data", "info", "kmnist");
        Assert.True(code == 0, err);
        Assert.StartsWith($"folder:  {folder}", output);
    }

    [Fact]
    public void DatasetFoundInTheCacheIsUsedWithItsClassNames()
    {
        using var d = new TempDir();
        string folder = Path.Combine(d.Path, "kmnist");
        Directory.CreateDirectory(folder);
        IdxWriter.WriteDataset(folder, train: 300, test: 50);
        FakeCache.MarkVerified(folder, "kmnist");
        var (code, output, err) = WithData(d.Path, "seed", "--dataset", "kmnist", "--epochs", "1", "--threads", "1");
        Assert.True(code == 0, err);
        var names = new[] { "o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo" };
        var label = Regex.Match(output, @"Label:  (\d) \((\w+)\)");
        Assert.True(label.Success, output);
        Assert.Equal(names[int.Parse(label.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)], label.Groups[2].Value);
        Assert.Matches(@"Prediction:  \d \(\w+\)", output);
        Assert.DoesNotContain("Downloading", err);

        var (code2, output2, err2) = WithData(d.Path, "train", "--dataset", "kmnist", "--layers", "784,16,10", "--epochs", "1", "--quiet");
        Assert.True(code2 == 0, err2);
        Assert.Matches(@"^Test accuracy: \d+\.\d\d%\n$", output2.Replace("\r", ""));
    }
}
