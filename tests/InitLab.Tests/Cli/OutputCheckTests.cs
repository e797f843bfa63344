namespace InitLab.Tests.Cli;

/// <summary>Issue 17, class 6: outputs are checked before training, and a late failure of one output does not lose the others.</summary>
[Collection(Training.SerialCollection.Name)]
public class OutputCheckTests
{
    [Theory]
    [InlineData("--metrics")]
    [InlineData("--save")]
    public void AnOutputThatCannotBeWrittenIsRefusedBeforeTraining(string option)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        // /proc exists but no file can be created in it, even by root: as a read-only or full file system refuses.
        string bad = "/proc/initlab-output-check.csv", good = d.File("ok.safetensors");
        string[] outputs = option == "--metrics" ? ["--metrics", bad, "--save", good] : ["--metrics", d.File("m.csv"), "--save", bad];
        var (code, output, err) = CliTests.Run(["train", "--data", d.Path, "--layers", "784,12,10", "--epochs", "1", "--threads", "1", .. outputs]);
        Assert.Equal(1, code);
        Assert.StartsWith($"initlab: error: {option} {bad}: cannot write there", err);
        Assert.DoesNotContain("Epoch", output);
        Assert.Empty(Directory.GetFiles(d.Path, "*.safetensors"));
        Assert.Empty(Directory.GetFiles(d.Path, ".initlab-probe-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void ANameTooLongForTheFileSystemIsRefusedBeforeTraining()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string save = d.File(new string('m', 300) + ".safetensors");
        var (code, output, err) = CliTests.Run("train", "--data", d.Path, "--layers", "784,12,10", "--epochs", "1", "--threads", "1", "--save", save);
        Assert.Equal(1, code);
        Assert.StartsWith($"initlab: error: --save {save}: cannot write there", err);
        Assert.DoesNotContain("Epoch", output);
    }

    [Fact]
    public void AnExistingOutputIsLeftUntouchedByTheCheck()
    {
        using var d = new TempDir();
        string path = d.File("keep.csv");
        File.WriteAllText(path, "precious");
        InitLab.Io.OutputCheck.Writable(path, "--metrics");
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(d.Path));
        Assert.Throws<UserInputException>(() => InitLab.Io.OutputCheck.Writable(d.Path, "--metrics"));   // a folder, not a file
    }

    [Fact]
    public async Task ASaveThatFailsAfterTrainingStillLeavesTheMetricsAndSaysWhichFailed()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 3000, test: 100);
        string metrics = d.File("m.csv"), sub = d.File("models"), save = Path.Combine(sub, "model.safetensors");
        // On a busy machine (the suite runs test classes in parallel) this thread may not look
        // again before a short training ends; then the run is repeated, longer.
        foreach (int epochs in new[] { 6, 40, 200 })
        {
            if (Directory.Exists(sub)) Directory.Delete(sub, true);
            File.Delete(metrics);
            Directory.CreateDirectory(sub);
            var run = Task.Run(() => CliTests.Run("train", "--data", d.Path, "--layers", "784,64,10", "--epochs", $"{epochs}", "--batch-size", "10", "--threads", "1",
                "--metrics", metrics, "--save", save));
            // The save's folder disappears while training runs (as a disk that fills up or a share that goes away).
            while (!run.IsCompleted && (!File.Exists(metrics) || File.ReadAllLines(metrics).Length < 2)) await Task.Delay(5);
            if (run.IsCompleted)
            {
                await run;
                continue;
            }
            Directory.Delete(sub, true);
            var (code, output, err) = await run;
            if (code == 0) continue;    // the save came before the folder went: try a longer run
            Assert.Equal(1, code);
            Assert.StartsWith($"initlab: error: --save {save} was not written: ", err);
            Assert.Contains("Test accuracy: ", output);     // training ran to the end
            Assert.Equal(epochs + 1, File.ReadAllLines(metrics).Length);
            return;
        }
        Assert.Fail("Every training run ended before its save's folder could be taken away.");
    }

    [Fact]
    public void EveryLateOutputIsAttemptedAndEachFailureNamed()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var outputs = new InitLab.Cli.LateOutputs(new InitLab.Cli.Output(o, e, interactive: false));
        bool second = false;
        outputs.Write("--filters", "f.png", () => throw new IOException("No space left on device"));
        outputs.Write("--samples", "s.png", () => second = true);
        Assert.True(second);
        Assert.Equal(1, outputs.ExitCode());
        Assert.Equal("initlab: error: --filters f.png was not written: No space left on device", e.ToString().Trim());
    }
}
