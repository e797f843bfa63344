using System.Text.RegularExpressions;
using InitLab.Experiments;

namespace InitLab.Tests.Cli;

// Child processes (initlab shards, Chromium) load both cores; run apart from the timing-sensitive download tests.
[Collection(Training.SerialCollection.Name)]
public class CompareCliTests
{
    private static readonly string[] Common = ["--layers", "784,12,10", "--inits", "xavier-uniform,normal:std=1", "--seeds", "2", "--epochs", "2", "--threads", "1", "--batch-size", "50"];

    private static (int Code, string Out, string Err) Compare(string data, string outDir, params string[] extra) =>
        CliTests.Run(["compare", "--data", data, "--out", outDir, .. Common, .. extra]);

    private static string[] RunFolders(string outDir) =>
        Directory.GetDirectories(outDir).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void SweepWritesOneCompleteFolderPerRunAndASecondRunDoesNoWork()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 60);
        string outDir = d.File("out");
        var (code, output, err) = Compare(d.Path, outDir);
        Assert.True(code == 0, err + output);
        var folders = RunFolders(outDir);
        Assert.Equal(4, folders.Length);
        foreach (var f in folders)
            foreach (var file in new[] { "config.json", "metrics.csv", "layers_init.csv", "layers_trained.csv", "result.json" })
                Assert.True(File.Exists(Path.Combine(outDir, f, file)), $"{f}/{file} is missing");
        // Without --log-every a run folder holds exactly the files it held before training logs existed.
        Assert.All(folders, f => Assert.Equal(5, Directory.GetFiles(Path.Combine(outDir, f)).Length));
        var metrics = File.ReadAllLines(Path.Combine(outDir, folders[0], "metrics.csv"));
        Assert.Equal("epoch,train_cost,test_accuracy,seconds,samples_per_second", metrics[0]);
        Assert.Equal(3, metrics.Length);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outDir, folders[0], "layers_init.csv")).Length);   // header, the hidden layer, the logits
        var record = RunFiles.Read(Path.Combine(outDir, folders.First(f => f.StartsWith("xavier"))));
        Assert.Equal("ok", record.Result.Status);
        Assert.Equal(record.Metrics[^1].TestAccuracy, record.Result.FinalAccuracy);
        Assert.True(record.Result.FinalAccuracy > 0.5, $"xavier-uniform reached only {record.Result.FinalAccuracy} on learnable data");
        Assert.Contains("Done: 4 runs trained, 0 invalid, skipped 0 finished runs", output);
        Assert.Empty(Directory.GetDirectories(outDir, ".tmp-*"));
        Assert.True(File.Exists(Path.Combine(outDir, "report.md")));
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("| initializer | layer 1 (weights) | out (weights) |", report);   // the gradient table

        var stamps = folders.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(outDir, f, "result.json")));
        var writes = folders.ToDictionary(f => f, f => File.GetLastWriteTimeUtc(Path.Combine(outDir, f, "metrics.csv")));
        var again = Compare(d.Path, outDir);
        Assert.Equal(0, again.Code);
        Assert.Contains("Done: 0 runs trained, 0 invalid, skipped 4 finished runs", again.Out);
        foreach (var f in folders)
        {
            Assert.Equal(stamps[f], File.ReadAllText(Path.Combine(outDir, f, "result.json")));
            Assert.Equal(writes[f], File.GetLastWriteTimeUtc(Path.Combine(outDir, f, "metrics.csv")));
        }
    }

    [Fact]
    public void UnfinishedRunsAreRedone()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        Assert.Equal(0, Compare(d.Path, outDir, "--no-report").Code);
        var folders = RunFolders(outDir);
        // A folder without result.json (as an older, non-atomic writer might leave) and a temporary folder of a killed process.
        File.Delete(Path.Combine(outDir, folders[0], "result.json"));
        Directory.Move(Path.Combine(outDir, folders[1]), Path.Combine(outDir, $".tmp-{folders[1]}.somehost.12345"));
        File.Delete(Path.Combine(outDir, $".tmp-{folders[1]}.somehost.12345", "result.json"));
        var (code, output, err) = Compare(d.Path, outDir, "--no-report");
        Assert.True(code == 0, err);
        Assert.Contains("Done: 2 runs trained, 0 invalid, skipped 2 finished runs, redid 2 unfinished.", output);
        Assert.Equal(folders, RunFolders(outDir));
        Assert.All(folders, f => Assert.True(RunFiles.IsFinished(Path.Combine(outDir, f))));
        Assert.Empty(Directory.GetDirectories(outDir, ".tmp-*"));
    }

    [Fact]
    public void ArchitectureOptionsApplyToEveryRunAndAnotherArchitectureIsRefused()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        var (code, output, err) = Compare(d.Path, outDir, "--quiet", "--norm", "batch", "--dropout", "0.1", "--no-report");
        Assert.True(code == 0, err + output);
        foreach (var f in RunFolders(outDir))
        {
            var config = RunFiles.Read(Path.Combine(outDir, f)).Config.Train;
            Assert.Equal((InitLab.Models.NormKind.Batch, 0.1, 0), (config.Norm, config.Dropout, config.Residual));
        }
        // The per-layer probe before training runs in evaluation mode: it draws no dropout mask and
        // leaves BatchNorm's statistics alone, so a sweep's run trains exactly as `train` does.
        var xavier = RunFiles.Read(Path.Combine(outDir, RunFolders(outDir).First(f => f.StartsWith("xavier"))));
        string trainMetrics = d.File("train-metrics.csv");
        var (trainCode, _, trainErr) = CliTests.Run(["train", "--data", d.Path, "--layers", "784,12,10", "--init", "xavier-uniform", "--seed", "777",
            "--epochs", "2", "--batch-size", "50", "--threads", "1", "--norm", "batch", "--dropout", "0.1", "--quiet", "--metrics", trainMetrics]);
        Assert.True(trainCode == 0, trainErr);
        var trainedRows = InitLab.Training.MetricsCsv.Parse(File.ReadAllText(trainMetrics), trainMetrics, 2);
        Assert.Equal(xavier.Metrics.Select(m => (m.TrainCost, m.TestAccuracy)), trainedRows.Select(m => (m.TrainCost, m.TestAccuracy)));
        (code, _, err) = Compare(d.Path, outDir, "--quiet", "--no-report");
        Assert.Equal(1, code);
        Assert.Contains("dropout: 0 vs 0.1; norm: none vs batch", err);
    }

    [Fact]
    public void SeveralNormsAndDropoutsAreAxesOfTheGridAndTheReportGroupsByThem()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        var (code, output, err) = Compare(d.Path, outDir, "--norm", "none,batch", "--dropout", "0,0.25");
        Assert.True(code == 0, err + output);
        Assert.Contains("16 runs in the grid (2 inits × 1 architecture × 1 activation × 2 normalizations × 2 dropouts × 2 seeds)", output);
        var folders = RunFolders(outDir);
        Assert.Equal(16, folders.Length);
        // Each folder's name carries the grid's norm and dropout (none and 0 add nothing), and its
        // configuration holds them.
        foreach (var f in folders)
        {
            var config = RunFiles.Read(Path.Combine(outDir, f)).Config.Train;
            Assert.Equal(f.Contains("__bn", StringComparison.Ordinal) ? InitLab.Models.NormKind.Batch : InitLab.Models.NormKind.None, config.Norm);
            Assert.Equal(f.EndsWith("__p0.25", StringComparison.Ordinal) ? 0.25 : 0, config.Dropout);
        }
        Assert.Equal(4, folders.Count(f => f.StartsWith("xavier-uniform__784-12-10__relu__s777", StringComparison.Ordinal)));

        // A grid run trains exactly as `train` with the same options.
        var run = RunFiles.Read(Path.Combine(outDir, "xavier-uniform__784-12-10__relu__s778__bn__p0.25"));
        string trainMetrics = d.File("train-metrics.csv");
        var (trainCode, _, trainErr) = CliTests.Run(["train", "--data", d.Path, "--layers", "784,12,10", "--init", "xavier-uniform", "--seed", "778",
            "--epochs", "2", "--batch-size", "50", "--threads", "1", "--norm", "batch", "--dropout", "0.25", "--quiet", "--metrics", trainMetrics]);
        Assert.True(trainCode == 0, trainErr);
        var trained = InitLab.Training.MetricsCsv.Parse(File.ReadAllText(trainMetrics), trainMetrics, 2);
        Assert.Equal(trained.Select(m => (m.TrainCost, m.TestAccuracy)), run.Metrics.Select(m => (m.TrainCost, m.TestAccuracy)));

        // The report: one group (table column, section, charts) per norm × dropout, in the order listed.
        var results = SweepResults.Load([outDir]);
        Assert.Equal(["784-12-10 relu", "784-12-10 relu p=0.25", "784-12-10 relu batchnorm", "784-12-10 relu batchnorm p=0.25"], results.Groups.Select(g => g.Title));
        Assert.All(results.Groups, g => Assert.All(g.Cells, c => Assert.All(c.Runs, r =>
            Assert.Equal((g.Norm, g.Dropout), (r.Config.Train.Norm, r.Config.Train.Dropout)))));
        Assert.Empty(results.Missing);
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("| initializer | 784-12-10 relu | 784-12-10 relu p=0.25 | 784-12-10 relu batchnorm | 784-12-10 relu batchnorm p=0.25 |", report);
        Assert.Contains("## 784-12-10 relu batchnorm p=0.25", report);
        // Its contents, as the HTML's (the same entries in the same order), link to the headings GitHub makes.
        ReportDocumentTests.AssertContentsLinkToTheirHeadings(report);
        var htmlToc = Regex.Matches(File.ReadAllText(Path.Combine(outDir, "report.html")), "<li><a href=\"#[^\"]+\">([^<]+)</a>").Select(m => m.Groups[1].Value);
        Assert.Equal(htmlToc, Regex.Matches(report, @"^ *- \[(.+)\]\(#", RegexOptions.Multiline).Select(m => m.Groups[1].Value));
        // One set of charts per group, named by what it shows (none overwritten by another group's).
        Assert.Equal(["accuracy-784-12-10-relu-batchnorm-p-0.25.png", "accuracy-784-12-10-relu-batchnorm.png", "accuracy-784-12-10-relu-p-0.25.png", "accuracy-784-12-10-relu.png"],
            Directory.GetFiles(outDir, "accuracy-*.png").Select(Path.GetFileName).Where(f => !f!.Contains("zoom", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("| initializer | architecture | activation | normalization | dropout |", report);

        // The grid recorded in config.json names a missing run when a folder is left out of the report.
        Directory.Delete(Path.Combine(outDir, "xavier-uniform__784-12-10__relu__s778__bn__p0.25"), true);
        Assert.Equal(["xavier-uniform__784-12-10__relu__s778__bn__p0.25"], SweepResults.Load([outDir]).Missing);
        // The same value twice is refused before anything runs.
        (code, _, err) = Compare(d.Path, d.File("out2"), "--norm", "batch,bn");
        Assert.Equal(2, code);
        Assert.Contains("--norm", err);
    }

    [Fact]
    public void ResidualRunsRecordARowPerBlockAndAreReported()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        var (code, output, err) = Compare(d.Path, outDir, "--quiet", "--residual", "2", "--norm", "none,layer");
        Assert.True(code == 0, err + output);
        var run = RunFiles.Read(Path.Combine(outDir, "xavier-uniform__784-12-10__relu__s777__ln"));
        // The hidden layer, two blocks' outputs, the logits.
        Assert.Equal([12, 12, 12, 10], run.LayersInit.Select(l => l.Units));
        Assert.Equal(4, run.LayersTrained.Count);
        Assert.Contains("## 784-12-10 relu layernorm", File.ReadAllText(Path.Combine(outDir, "report.md")));
    }

    [Fact]
    public void AFolderOfRunsTrainedWithOtherSettingsIsRefusedNotReported()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        Assert.Equal(0, Compare(d.Path, outDir, "--quiet").Code);
        var before = RunFolders(outDir).ToDictionary(f => f, f => File.ReadAllText(Path.Combine(outDir, f, "metrics.csv")));
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));

        var (code, output, err) = CliTests.Run(["compare", "--data", d.Path, "--out", outDir, .. Common[..^6], "--epochs", "3", "--lr", "0.01", "--threads", "1", "--batch-size", "50"]);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith($"initlab: error: {outDir} already holds 4 finished run(s) trained with other settings (this sweep vs the folder's: lr: 0.01 vs 0.001; epochs: 3 vs 2)", err);
        Assert.Contains("Use another --out", err);
        Assert.DoesNotContain("   at ", err);
        // Nothing was trained, removed or rewritten.
        Assert.Equal(before, RunFolders(outDir).ToDictionary(f => f, f => File.ReadAllText(Path.Combine(outDir, f, "metrics.csv"))));
        Assert.Equal(report, File.ReadAllText(Path.Combine(outDir, "report.md")));

        // The same settings again: the finished runs are kept.
        (code, output, err) = Compare(d.Path, outDir, "--no-report");
        Assert.True(code == 0, err);
        Assert.Contains("skipped 4 finished runs", output);
    }

    [Fact]
    public void ReportRefusesToAverageShardsTrainedWithDifferentSettings()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string a = d.File("a"), b = d.File("b");
        Assert.Equal(0, Compare(d.Path, a, "--shard", "0/2", "--no-report", "--quiet").Code);
        Assert.Equal(0, CliTests.Run(["compare", "--data", d.Path, "--out", b, .. Common[..^6], "--epochs", "1", "--lr", "0.003", "--threads", "1",
            "--batch-size", "50", "--shard", "1/2", "--no-report", "--quiet"]).Code);
        var (code, _, err) = CliTests.Run("report", a, b, "--out", d.File("r"));
        Assert.Equal(1, code);
        Assert.Contains("the runs were trained with different settings and cannot be reported together: lr: 0.001 vs 0.003; epochs: 2 vs 1", err);
        Assert.False(File.Exists(d.File("r/report.md")));
        // Each setting alone reports fine.
        Assert.Equal(0, CliTests.Run("report", a).Code);
        Assert.Equal(0, CliTests.Run("report", b).Code);
    }

    /// <summary>A one-seed, one-epoch sweep of 784-12-10 ReLU networks on synthetic data; checks it succeeded.</summary>
    private static (string Out, string Output) SmallSweep(TempDir d, string inits, params string[] extra)
    {
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        var (code, output, err) = CliTests.Run(["compare", "--data", d.Path, "--out", outDir, "--layers", "784,12,10", "--inits", inits,
            "--seeds", "1", "--epochs", "1", "--threads", "1", .. extra]);
        Assert.True(code == 0, err + output);
        return (outDir, output);
    }

    [Fact]
    public void APerLayerListThatDoesNotFitIsReportedAsSkipped()
    {
        using var d = new TempDir();
        var (outDir, output) = SmallSweep(d, "he-normal|he-normal|he-normal,xavier-uniform");
        Assert.Contains("1 runs trained, 1 invalid", output);
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("he-normal|he-normal|he-normal | skipped |", report);
        Assert.Contains("lists 3 initializers for a network of 2 Linear layers", report);
    }

    [Fact]
    public void DbnWithReluIsReportedAsSkippedNotCrashed()
    {
        using var d = new TempDir();
        var (outDir, output) = SmallSweep(d, "dbn:epochs=1,he-normal");
        Assert.Contains("1 runs trained, 1 invalid", output);
        var dbn = RunFiles.Read(Path.Combine(outDir, RunFolders(outDir).Single(f => f.StartsWith("dbn"))));
        Assert.Equal("invalid", dbn.Result.Status);
        Assert.Contains("sigmoid", dbn.Result.Reason);
        Assert.Contains("| dbn:epochs=1 | skipped |", File.ReadAllText(Path.Combine(outDir, "report.md")));
    }

    [Fact]
    public void TwoShardsMergedGiveTheSameReportAsOneRun()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string whole = d.File("whole"), a = d.File("a"), b = d.File("b"), merged = d.File("merged");
        Assert.Equal(0, Compare(d.Path, whole, "--parallel", "2").Code);
        var s0 = Compare(d.Path, a, "--shard", "0/2", "--no-report");
        var s1 = Compare(d.Path, b, "--shard", "1/2", "--no-report");
        Assert.Equal(0, s0.Code);
        Assert.Equal(0, s1.Code);
        Assert.Equal(2, RunFolders(a).Length);
        Assert.Equal(2, RunFolders(b).Length);
        Assert.Empty(RunFolders(a).Intersect(RunFolders(b)));
        var (code, _, err) = CliTests.Run("report", a, b, "--out", merged);
        Assert.True(code == 0, err);
        Assert.Equal(Untimed(File.ReadAllText(Path.Combine(whole, "report.md"))), Untimed(File.ReadAllText(Path.Combine(merged, "report.md"))));
        Assert.Contains("| xavier-uniform |", File.ReadAllText(Path.Combine(merged, "report.md")));

        string html = File.ReadAllText(Path.Combine(merged, "report.html"));
        Assert.Contains("<table>", html);
        Assert.Contains("<td>xavier-uniform</td>", html);
        Assert.Matches(@"<td><b>\d+\.\d\d ± \d+\.\d\d \(n=2\)</b></td>", html);
        Assert.True(Regex.Matches(html, "<img src=\"data:image/png;base64,[A-Za-z0-9+/=]{100,}\"").Count >= 4);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        // Chart files are named by what they show.
        foreach (var png in new[] { "accuracy-784-12-10-relu.png", "cost-784-12-10-relu.png", "test-accuracy-784-12-10-relu.png", "layers-init-784-12-10-relu.png", "accuracy-784-12-10-relu.svg" })
            Assert.True(File.Exists(Path.Combine(merged, png)), png);
        Assert.Empty(Directory.GetFiles(merged, "*-1.png"));
        // A table of contents links to every section's anchor.
        foreach (Match link in Regex.Matches(html, "<a href=\"#([a-z0-9-]+)\">"))
            Assert.Contains($" id=\"{link.Groups[1].Value}\"", html);
        Assert.Contains("<a href=\"#784-12-10-relu\">784-12-10 relu</a>", html);
        Assert.Contains("<a href=\"#784-12-10-relu-learning-curves\">Learning curves</a>", html);
    }

    [Fact]
    public async Task ShardsRunAsSeparateProcessesIntoOneFolderMergeIntoTheUnshardedReport()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string whole = d.File("whole"), shared = d.File("shared");
        Assert.Equal(0, Compare(d.Path, whole).Code);
        // As a Slurm array or a Kubernetes indexed Job runs them: concurrent processes, one shared folder.
        var shards = Enumerable.Range(0, 3).Select(i => Start(["compare", "--data", d.Path, "--out", shared, .. Common, "--shard", $"{i}/3", "--no-report"])).ToList();
        foreach (var p in shards)
        {
            var err = p.StandardError.ReadToEndAsync();
            string output = await p.StandardOutput.ReadToEndAsync();
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await p.WaitForExitAsync(patience.Token);
            Assert.True(p.ExitCode == 0, await err + output);
            p.Dispose();
        }
        Assert.Equal(RunFolders(whole), RunFolders(shared));
        Assert.Equal(0, CliTests.Run("report", shared).Code);
        Assert.Equal(Untimed(File.ReadAllText(Path.Combine(whole, "report.md"))), Untimed(File.ReadAllText(Path.Combine(shared, "report.md"))));
    }

    private static System.Diagnostics.Process Start(IEnumerable<string> args) => ChildProcess.Start(ChildProcess.Cli, args);

    /// <summary>The report up to its timing section: what must not depend on how the sweep was split.</summary>
    private static string Untimed(string md) => md[..md.IndexOf("## Time per run", StringComparison.Ordinal)];

    [Fact]
    public void LogEveryWritesAReadableLogInEveryRunFolderAndAResumedSweepSkipsFinishedRuns()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 60);
        string outDir = d.File("out"), png = d.File("layers.png");
        var (code, output, err) = Compare(d.Path, outDir, "--log-every", "4", "--no-report");
        Assert.True(code == 0, err + output);
        var folders = RunFolders(outDir);
        Assert.Equal(4, folders.Length);
        // 300 images in batches of 50: 6 steps an epoch, 12 in all; samples at 0, 4, 6, 8, 12.
        int[] steps = [0, 4, 6, 8, 12];
        foreach (var f in folders)
        {
            var log = InitLab.Training.TrainingLog.Read(Path.Combine(outDir, f, RunFiles.Log));
            Assert.Equal("finished", log.End?.Status);
            Assert.Equal(steps, Assert.Single(InitLab.Training.TrainingLog.LayerSeries(log, "activation")).Points.Select(p => p.Step));
            Assert.Equal(RunFiles.ReadConfig(Path.Combine(outDir, f, RunFiles.Config)).Train.ToJson(), log.Config!.ToJson());
        }
        var (plotCode, plotOut, plotErr) = CliTests.Run("log-plot", Path.Combine(outDir, folders[0]), "--plot", png);
        Assert.True(plotCode == 0, plotErr);
        Assert.Contains($"{steps.Length} samples, every 4 steps", plotOut);
        PngAssert.Decodes(png);

        // Run again, with and without logging: the finished runs match and are not touched.
        var logs = folders.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(outDir, f, RunFiles.Log)));
        foreach (string[] extra in new[] { new[] { "--log-every", "4" }, new[] { "--log-every", "7" }, [] })
        {
            var again = Compare(d.Path, outDir, [.. extra, "--no-report"]);
            Assert.True(again.Code == 0, again.Err);
            Assert.Contains("Done: 0 runs trained, 0 invalid, skipped 4 finished runs", again.Out);
        }
        Assert.All(folders, f => Assert.Equal(logs[f], File.ReadAllBytes(Path.Combine(outDir, f, RunFiles.Log))));

        var (bad, _, badErr) = Compare(d.Path, outDir, "--log-every", "-1");
        Assert.Equal(2, bad);
        Assert.Contains("--log-every must be at least 0 (0: no training log), got -1.", badErr);
    }

    [Theory]
    [InlineData("--shard", "2/2")]
    [InlineData("--parallel", "0")]
    [InlineData("--seeds", "0")]
    [InlineData("--inits", "nosuchinit")]
    public void BadOptionsAreUsageErrors(string option, string value)
    {
        var (code, _, err) = CliTests.Run("compare", "--data", ".", option, value);
        Assert.True(code == 2, err);
    }

    [Fact]
    public void ReportOfAFolderWithoutRunsNamesIt()
    {
        using var d = new TempDir();
        var (code, _, err) = CliTests.Run("report", d.Path);
        Assert.Equal(1, code);
        Assert.Contains(d.Path, err);
    }

    [Fact]
    public void TheReportShowsZerosGetsNoGradientAnywhere()
    {
        using var d = new TempDir();
        var (outDir, _) = SmallSweep(d, "zeros,xavier-uniform", "--batch-size", "50", "--quiet");
        var lines = File.ReadAllLines(Path.Combine(outDir, "report.md"));
        int table = Array.FindIndex(lines, l => l.StartsWith("| initializer | layer 1 (weights)", StringComparison.Ordinal));
        Assert.True(table >= 0, "no gradient table in report.md");
        var rows = lines.Skip(table + 2).TakeWhile(l => l.StartsWith('|')).ToDictionary(l => l.Split('|')[1].Trim(), l => l.Split('|')[2..^1].Select(c => c.Trim()).ToArray());
        Assert.Equal(["0", "0"], rows["zeros"]);          // ReLU(0) = 0 passes nothing back
        Assert.All(rows["xavier-uniform"], g => Assert.True(double.Parse(g, System.Globalization.CultureInfo.InvariantCulture) > 0, $"gradient {g}"));
    }
}
