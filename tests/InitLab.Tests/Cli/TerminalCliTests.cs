using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using InitLab.Cli;
using InitLab.Data;
using InitLab.Init;

namespace InitLab.Tests.Cli;

/// <summary>What a user sees in a terminal: bars that fit, messages that help, results on screen (issue 15).</summary>
public class TerminalCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    private static string[] Lines(string text) => text.Replace("\r", "").TrimEnd('\n').Split('\n');

    [Fact]
    public void AMistypedCommandGetsOneLineWithTheNearestCommandAndAHintThatExists()
    {
        var (code, _, err) = Run("trian");
        Assert.Equal(2, code);
        Assert.Equal(["initlab: unknown command 'trian'; did you mean 'train'?", "Run 'initlab --help' for the list of commands."], Lines(err));
    }

    [Fact]
    public void AMistypedCommandWithOptionsIsStillAnUnknownCommand() =>
        Assert.Equal("initlab: unknown command 'trian'; did you mean 'train'?", Lines(Run("trian", "--data", "x", "--epochs", "1").Err)[0]);

    [Fact]
    public void AMistypedOptionGetsTheNearestOptionOfThatCommand()
    {
        var (code, _, err) = Run("train", "--epoch", "1");
        Assert.Equal(2, code);
        Assert.Equal(["initlab: unknown option '--epoch'; did you mean '--epochs'?", "Run 'initlab train --help' for usage."], Lines(err));
    }

    [Fact]
    public void AValueOfTheWrongTypeIsExplainedInPlainWords()
    {
        var (code, _, err) = Run("compare", "--seeds", "1,2");
        Assert.Equal(2, code);
        Assert.Equal(["initlab: --seeds is a count (a whole number like 3), got '1,2'", "Run 'initlab compare --help' for usage."], Lines(err));
        Assert.Equal("initlab: --lr takes a number (like 0.001 or 1e-3), got 'fast'", Lines(Run("train", "--lr", "fast").Err)[0]);
    }

    [Fact]
    public void BareInitlabPrintsTheUsageAndTheCommandsAndExitsWith2()
    {
        var (code, output, err) = Run();
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("Usage:", err);
        Assert.Contains("Commands:", err);
        Assert.Matches(@"\n  train\s+Train a dense network", err);
        Assert.DoesNotContain("Required command", err);
    }

    [Theory]
    [InlineData("train --activation ", "leaky-relu,prelu,relu,selu,sigmoid,tanh")]
    [InlineData("train --optimizer ", "adam,adamw,sgd")]
    [InlineData("compare --dataset ", "fashion-mnist,kmnist,mnist")]
    public void OptionValuesCompleteForDotnetSuggest(string line, string values)
    {
        var (code, output, err) = Run($"[suggest:{line.Length}]", line);
        Assert.True(code == 0, err);
        Assert.Equal(values.Split(','), Lines(output));
    }

    [Fact]
    public void InitCompletesToEveryRegisteredInitializer()
    {
        var (_, output, _) = Run("[suggest:18]", "train --init xavie");
        Assert.Equal(["xavier-normal", "xavier-uniform"], Lines(output));
    }

    [Fact]
    public void AnUnknownInitializerListsItsNearMatchesFirstNotEveryName()
    {
        var e = Assert.Throws<FormatException>(() => InitSpec.Parse("xavier-unifrom"));
        var lines = e.Message.Split('\n');
        Assert.Equal("Unknown initializer 'xavier-unifrom'.", lines[0]);
        Assert.Equal("Did you mean 'xavier-uniform'?", lines[1]);
        Assert.StartsWith("'initlab inits' lists all ", lines[2]);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.True(l.Length < 100, l));
    }

    [Theory]
    [InlineData("kaiming_normal_", "kaiming-normal")]
    [InlineData("xavier_uniform_", "xavier-uniform")]
    [InlineData("trunc_normal_", "trunc-normal")]
    [InlineData("zeros_", "zeros")]
    [InlineData("orthogonal_:gain=2", "orthogonal:gain=2")]
    public void PyTorchsFunctionNamesAreAliases(string torch, string ours) =>
        Assert.Equal(InitSpec.Parse(ours), InitSpec.Parse(torch));

    [Fact]
    public void AnActivationTypedInAnotherCaseIsEchoedByItsCanonicalName()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 20);
        var (code, output, err) = Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "1", "--activation", "relU", "--optimizer", "SGD", "--lr", "0.1");
        Assert.True(code == 0, err);
        Assert.StartsWith("784-16-10 relu, init xavier-uniform, sgd lr 0.1,", output);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(100)]
    public void TheProgressBarFitsTheTerminalWidthAndShowsTheRunningLoss(int width)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 400, test: 20);
        var o = new StringWriter();
        var e = new StringWriter();
        int code = InitLab.Cli.Cli.Run(["train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "2", "--batch-size", "10", "--threads", "1"],
            new Output(o, e, interactive: true, width: width));
        Assert.True(code == 0, e.ToString());
        var draws = e.ToString().Split('\r').Where(s => s.StartsWith("epoch ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(draws);
        Assert.All(draws, s => Assert.True(s.TrimEnd().Length < width, $"{s.TrimEnd().Length} columns: '{s}'"));
        // The last draw of an epoch: a full bar and the ETA always; the running loss from 60 columns.
        var last = draws.First(s => s.Contains("40/40") || s.Contains("ETA 0:00"));
        Assert.Contains("ETA ", last);
        if (width >= 60) Assert.Matches(@"loss \d+\.\d{4}", last);
        if (width >= 100) Assert.Matches(@"^epoch 1/2 \[#{30}\] 40/40  loss \d\.\d{4}  [\d,]+ samples/s  ETA 0:00", draws.First(s => s.Contains("40/40")));
    }

    [Fact]
    public void TheDownloadLineCountsFilesAndGivesAnEta()
    {
        var e = new StringWriter();
        var progress = new Output(new StringWriter(), e, interactive: true, width: 100).DownloadProgress(false, ["a.gz", "b.gz", "c.gz", "d.gz"])!;
        progress.Report(new DownloadProgress("b.gz", new Uri("http://example.org/b.gz"), 1 << 20, 3 << 20, 1 << 20));
        Assert.Equal("\rfile 2/4 b.gz [##########....................] 1.0 / 3.0 MB  33.3%  1.0 MB/s  ETA 0:02", e.ToString());
    }

    [Fact]
    public void SummaryPrintsTheNetworkLikeKeras()
    {
        var (code, output, err) = Run("summary", "--layers", "784,16,10", "--activation", "relU");
        Assert.True(code == 0, err);
        Assert.Equal([
            "Model: 784-16-10 relu",
            "==================================================",
            "Layer (type)          Output Shape         Param #",
            "==================================================",
            "linear_1 (Linear)     (None, 16)            12,560",
            "relu_1 (relu)         (None, 16)                 0",
            "linear_2 (Linear)     (None, 10)               170",
            "==================================================",
            "Total params: 12,730 (49.73 KB)",
            "Trainable params: 12,730",
            "Non-trainable params: 0",
        ], Lines(output));
    }

    [Fact]
    public void EvaluatePrintsAPercentageAndScikitLearnsClassificationReport()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 100);
        string model = d.File("m.safetensors");
        Assert.Equal(0, Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "2", "--save", model, "--quiet").Code);
        var (code, output, err) = Run("evaluate", "--model", model, "--data", d.Path);
        Assert.True(code == 0, err);
        var lines = Lines(output);
        Assert.Matches(@"^Test accuracy: \d+\.\d\d% \(\d+ of 100\)$", lines[0]);
        int header = Array.IndexOf(lines, "             precision    recall  f1-score   support");
        Assert.True(header > 0, output);
        Assert.Matches(@"^ {11}0 {6}\d\.\d\d {6}\d\.\d\d {6}\d\.\d\d +\d+$", lines[header + 2]);
        Assert.Matches(@"^ {4}accuracy {26}\d\.\d\d {7}100$", lines[header + 13]);
        Assert.Matches(@"^weighted avg {6}\d\.\d\d {6}\d\.\d\d {6}\d\.\d\d {7}100$", lines[header + 15]);
    }

    [Fact]
    public void AFileGivenAsDataFolderIsCalledAFile()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 10);
        string file = Directory.GetFiles(d.Path)[0];
        var (code, _, err) = Run("train", "--data", file);
        Assert.Equal(1, code);
        Assert.Equal([$"initlab: error: Data folder '{file}' is a file, not a folder.", $"initlab: Give the folder that holds the four MNIST-format files: '{d.Path}'."], Lines(err));
    }

    [Theory]
    [InlineData("--plot", "out.jpg", "initlab: --plot out.jpg: InitLab writes PNG images only, not .jpg.")]
    [InlineData("--compare", "xavier-normal", "initlab: give --init NAME or --compare A,B,..., not both.")]
    public void InspectRefusesWhatItCannotDoAsAUsageError(string option, string value, string message)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 10);
        string[] args = option == "--compare" ? ["inspect", "--data", d.Path, "--init", "lsuv", option, value] : ["inspect", "--data", d.Path, option, d.File(value)];
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal(message.Replace("out.jpg", d.File("out.jpg")), Lines(err)[0]);
        Assert.False(File.Exists(d.File("out.jpg")));
    }

    [Theory]
    [InlineData("initlab: --init dbn pretrains sigmoid layers, but --activation is relu.", "--init", "dbn")]
    [InlineData("initlab: --init lsuv sets the biases itself; --bias zeros cannot be combined with it.", "--init", "lsuv", "--bias", "zeros")]
    public void AnInitThatDoesNotFitTheOtherOptionsIsAUsageError(string message, params string[] options)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 10);
        var (code, _, err) = Run(["train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "1", .. options]);
        Assert.Equal(2, code);
        Assert.Equal(message, Lines(err)[0]);
        Assert.StartsWith("initlab: ", Lines(err)[1]);
    }

    [Fact]
    public void TrainLoadSaysTheOptimizerStartsAfresh()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 10);
        string model = d.File("m.safetensors");
        Assert.Equal(0, Run("train", "--data", d.Path, "--layers", "784,8,10", "--epochs", "1", "--save", model, "--quiet").Code);
        var (code, output, err) = Run("train", "--data", d.Path, "--layers", "784,8,10", "--epochs", "1", "--load", model);
        Assert.True(code == 0, err);
        var lines = Lines(output);
        Assert.Equal($"784-8-10 relu, weights from {model}, adam lr 0.001, batch 100, seed 777", lines[0]);
        Assert.Equal("adam starts afresh: a model file holds no optimizer state (a --checkpoint does)", lines[2]);
    }

    [Fact]
    public void PredictWithAnIndexBeyondTheTestSetIsAUsageError()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 10);
        string model = d.File("m.safetensors");
        Assert.Equal(0, Run("train", "--data", d.Path, "--layers", "784,8,10", "--epochs", "1", "--save", model, "--quiet").Code);
        var (code, _, err) = Run("predict", "--model", model, "--data", d.Path, "--index", "10");
        Assert.Equal(2, code);
        Assert.StartsWith("initlab: --index 10: ", err);
    }

    [Fact]
    public void APngLoadedAsAModelIsNotASafetensorsFile()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 10);
        string png = d.File("digit.png");
        File.WriteAllBytes(png, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
        var (code, _, err) = Run("evaluate", "--model", png, "--data", d.Path);
        Assert.Equal(1, code);
        Assert.StartsWith($"initlab: error: {png}: not a safetensors file (its first 8 bytes, read as a header length, say ", err);
    }

    [Fact]
    public void CompareRunsInTheOrderOfInitsAndEndsWithAResultsTable()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 20);
        // By folder name he-normal sorts before zeros; the user asked for zeros first.
        var (code, output, err) = Run("compare", "--data", d.Path, "--inits", "zeros,he-normal", "--layers", "784,8,10", "--seeds", "2", "--epochs", "1",
            "--out", d.File("out"), "--no-report", "--threads", "1");
        Assert.True(code == 0, err);
        var runs = Lines(output).Where(l => l.StartsWith('[')).Select(l => l.Split(' ')[1]).ToList();
        Assert.Equal(["zeros__784-8-10__relu__s777:", "zeros__784-8-10__relu__s778:", "he-normal__784-8-10__relu__s777:", "he-normal__784-8-10__relu__s778:"], runs);
        var table = Lines(output).SkipWhile(l => !l.StartsWith("Test accuracy (%)", StringComparison.Ordinal)).ToList();
        Assert.Equal("Test accuracy (%), mean ± sd over 2 seeds; * best in its column:", table[0]);
        Assert.Matches(@"^init\s+784-8-10 relu$", table[1]);
        Assert.Matches(@"^zeros\s+\d+\.\d\d ± \d+\.\d\d( \*|  )$", table[2]);
        Assert.Matches(@"^he-normal\s+\d+\.\d\d ± \d+\.\d\d( \*|  )$", table[3]);
        Assert.Single(table, l => l.EndsWith(" *", StringComparison.Ordinal));
    }
}

/// <summary>Ctrl+C in the long commands other than train and compare, through a real child process and SIGINT.</summary>
public class InterruptCliTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Process Start(StringBuilder stdout, params string[] args) => Start(stdout, null, args);

    private static Process Start(StringBuilder stdout, (string Name, string Value)? env, params string[] args)
    {
        var p = ChildProcess.Start(ChildProcess.Cli, args, env: env);
        p.OutputDataReceived += (_, e) => { lock (stdout) stdout.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        return p;
    }

    private static void WaitFor(Process p, Func<bool> ready, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!p.HasExited && !ready() && clock.Elapsed < Patience) Thread.Sleep(20);
        if (p.HasExited) Assert.Fail($"initlab ended (exit code {p.ExitCode}) before {what}: {p.StandardError.ReadToEnd()}");
        Assert.True(ready(), $"no {what} within {Patience.TotalSeconds} s");
    }

    private static (int Code, string Err) Interrupt(Process p)
    {
        Process.Start("kill", ["-INT", p.Id.ToString()])!.WaitForExit();
        var err = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Patience))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("initlab did not stop after SIGINT.");
        }
        p.WaitForExit();
        return (p.ExitCode, err.Result);
    }

    [Fact]
    public void CtrlCInRbmKeepsTheFinishedEpochsMetricsAndFiltersAndExitsWith130()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 2000, test: 100);
        string metrics = d.File("r.csv"), filters = d.File("f.png");
        var stdout = new StringBuilder();
        var p = Start(stdout, "rbm", "--data", d.Path, "--hidden", "300", "--epochs", "100000", "--metrics", metrics, "--filters", filters, "--threads", "1");
        // The first epoch's line: its metrics are written right after it, before Ctrl+C is looked
        // at. (The file's existence alone does not say an epoch finished: the check that --metrics
        // is writable creates and removes it at startup, and a SIGINT then found no epoch done.)
        WaitFor(p, () => { lock (stdout) return stdout.ToString().Contains(" epoch 01: "); }, "first epoch's line");
        var (code, err) = Interrupt(p);
        Assert.True(code == 130, $"exit code {code}: {err}");
        int rows = File.ReadAllLines(metrics).Length - 1;
        Assert.True(rows >= 1);
        string partial = d.File("f.partial.png");
        Assert.True(File.Exists(partial));
        Assert.False(File.Exists(filters), "a complete run's file name for an interrupted run's filters");
        var lines = err.Replace("\r", "").TrimEnd('\n').Split('\n');
        Assert.Equal($"initlab: interrupted in epoch {rows + 1}, after {rows} finished epoch{(rows == 1 ? "" : "s")}.", lines[0]);
        Assert.Equal($"initlab: kept {metrics} ({rows} finished epoch{(rows == 1 ? "" : "s")})", lines[1]);
        Assert.Equal($"initlab: kept {partial} (filters after epoch {rows})", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void CtrlCDuringDbnPretrainingSaysSoAndExitsWith130()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 2000, test: 100);
        var stdout = new StringBuilder();
        var p = Start(stdout, "dbn", "--data", d.Path, "--layers", "784,200,10", "--pretrain-epochs", "100000", "--threads", "1", "--save", d.File("m.safetensors"));
        WaitFor(p, () => { lock (stdout) return stdout.ToString().Contains("RBM 1 epoch 01"); }, "first pretraining epoch");
        var (code, err) = Interrupt(p);
        Assert.True(code == 130, $"exit code {code}: {err}");
        Assert.Equal("initlab: interrupted during pretraining, before fine-tuning started.", err.Replace("\r", "").Split('\n')[0]);
        Assert.False(File.Exists(d.File("m.safetensors")));
    }

    [Fact]
    public void CtrlCInDataDownloadKeepsThePartFileInADirItCreatedAndExitsWith130()
    {
        using var d = new TempDir();
        var body = new byte[1 << 20];
        // A mirror that sends 128 KB of the first file and then stalls: the download is in progress when Ctrl+C comes.
        using var server = new InitLab.Tests.Data.LoopbackServer(async (_, _, ctx, stop) =>
        {
            ctx.Response.ContentLength64 = body.Length;
            await ctx.Response.OutputStream.WriteAsync(body.AsMemory(0, 128 << 10), stop);
            await ctx.Response.OutputStream.FlushAsync(stop);
            await Task.Delay(Timeout.Infinite, stop);
        });
        string root = Path.Combine(d.Path, "new", "cache");
        string folder = Path.Combine(root, "mnist"), part = Path.Combine(folder, "train-images-idx3-ubyte.gz.part");
        var p = Start(new StringBuilder(), ("INITLAB_MIRRORS", server.Mirror("m").ToString()), "data", "download", "mnist", "--dir", root);
        WaitFor(p, () => File.Exists(part) && new FileInfo(part).Length > 0, "bytes in the .part file");
        var (code, err) = Interrupt(p);
        Assert.True(code == 130, $"exit code {code}: {err}");
        long kept = new FileInfo(part).Length;
        Assert.True(kept > 0);
        var lines = err.Replace("\r", "").TrimEnd('\n').Split('\n').SkipWhile(l => !l.StartsWith("initlab:", StringComparison.Ordinal)).ToList();
        Assert.Equal($"initlab: interrupted; 0 of 4 files complete in {folder}, train-images-idx3-ubyte.gz.part partly downloaded ({kept:N0} bytes).", lines[0]);
        Assert.Equal($"initlab: run 'initlab data download mnist --dir {root}' again to resume where it stopped.", lines[1]);
    }
}
