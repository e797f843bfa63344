using System.Diagnostics;
using System.Text.RegularExpressions;
using InitLab.Experiments;

namespace InitLab.Tests.Cli;

/// <summary>
/// Issue 17's hostile cases for compare and report: errors inside runs, bad run folders,
/// concurrent sweeps on one folder, and reports over an incomplete grid.
/// </summary>
// Child processes load both cores; run apart from the timing-sensitive download tests.
[Collection(Training.SerialCollection.Name)]
public class HostileSweepTests
{
    private static readonly string[] Common = ["--layers", "784,12,10", "--inits", "xavier-uniform,normal:std=1", "--seeds", "2", "--epochs", "1", "--threads", "1", "--batch-size", "50"];

    private static (int Code, string Out, string Err) Compare(string data, string outDir, params string[] extra) =>
        CliTests.Run(["compare", "--data", data, "--out", outDir, .. Common, .. extra]);

    private static string[] RunFolders(string outDir) =>
        Directory.GetDirectories(outDir).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order(StringComparer.Ordinal).ToArray()!;

    [Theory]
    [InlineData("--layers", "100,16,10", "100 inputs")]
    [InlineData("--batch-size", "2147483647", "no full batch of 2147483647")]
    public void ASettingNoRunCanTrainWithIsRefusedOnceBeforeTraining(string option, string value, string expected)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        var (code, output, err) = CliTests.Run("compare", "--data", d.Path, "--out", outDir, "--inits", "xavier-uniform", "--seeds", "1", "--epochs", "1",
            "--threads", "1", option, value);
        Assert.True(code == 2, err + output);
        Assert.StartsWith("initlab: --layers/--batch-size: ", err);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("   at ", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.True(!Directory.Exists(outDir) || Directory.GetFileSystemEntries(outDir).Length == 0, "a run was started");
    }

    [Fact]
    public void A300CharacterInitSpecGetsABoundedFolderNameAndTrains()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string spec = "normal:mean=0." + new string('0', 280) + ",std=0.05";
        Assert.True(spec.Length > 290);
        string outDir = d.File("out");
        var (code, output, err) = CliTests.Run("compare", "--data", d.Path, "--out", outDir, "--layers", "784,12,10", "--inits", spec, "--seeds", "1", "--epochs", "1", "--threads", "1");
        Assert.True(code == 0, err + output);
        string folder = Assert.Single(RunFolders(outDir));
        Assert.True(folder.Length <= 196, $"{folder.Length} characters");
        Assert.Equal(spec, RunFiles.Read(Path.Combine(outDir, folder)).Config.Init);
        // Two long specs that differ only past the cut still get two folders (the hash is of the whole spec).
        var runs = SweepGrid.Build([spec, spec.Replace("std=0.05", "std=0.06")], [[784, 12, 10]], ["relu"], 1, 1);
        Assert.NotEqual(runs[0].Id, runs[1].Id);
    }

    [Fact]
    public void SeedsPastTheLargestSeedAreAUsageErrorNotAWrapAround()
    {
        var (code, _, err) = CliTests.Run("compare", "--data", ".", "--seed", "18446744073709551615", "--seeds", "3");
        Assert.Equal(2, code);
        Assert.StartsWith("initlab: --seed/--seeds:", err);
        // The largest seed alone is fine as far as the grid goes.
        Assert.Equal(ulong.MaxValue, Assert.Single(SweepGrid.Build(["zeros"], [[784, 10]], ["relu"], 1, ulong.MaxValue)).Seed);
    }

    /// <summary>A finished 2-run sweep folder; returns the first run's folder.</summary>
    private static string FinishedRun(TempDir d)
    {
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        var (code, _, err) = CliTests.Run("compare", "--data", d.Path, "--out", outDir, "--layers", "784,12,10", "--inits", "xavier-uniform", "--seeds", "2",
            "--epochs", "1", "--threads", "1", "--no-report", "--quiet");
        Assert.True(code == 0, err);
        return Path.Combine(outDir, RunFolders(outDir)[0]);
    }

    [Theory]
    [InlineData("result.json", "{}", "field 'id' is missing")]
    [InlineData("result.json", """{"id":"x","status":"ok"}""", "field 'final_accuracy' is missing")]
    [InlineData("result.json", """{"id":"x","status":"maybe","final_accuracy":0.5}""", "field 'status' must be")]
    [InlineData("config.json", "{}", "field 'id' is missing")]
    [InlineData("config.json", """{"id":"x","init_as_given":"zeros","train":null}""", "field 'train' is not an object")]
    [InlineData("config.json", """{"id":"x","init_as_given":"zeros","train":{"init":null}}""", "train: setting 'data' is missing")]
    [InlineData("config.json", """{"id":"x","init":null}""", "field 'init' is missing or null")]
    public void AReportOverABadRunFileIsOneLineNamingTheFileAndField(string file, string content, string expected)
    {
        using var d = new TempDir();
        string run = FinishedRun(d);
        File.WriteAllText(Path.Combine(run, file), content);
        var (code, _, err) = CliTests.Run("report", Path.GetDirectoryName(run)!);
        Assert.True(code == 1, err);
        Assert.StartsWith($"initlab: error: {Path.Combine(run, file)}", err);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void AnExtraRowInLayersInitIsOneLineNamingTheFile()
    {
        using var d = new TempDir();
        string run = FinishedRun(d);
        string csv = Path.Combine(run, RunFiles.LayersInit);
        File.AppendAllText(csv, "3,10,0.1,0.2,0,0.5,1\n");
        var (code, _, err) = CliTests.Run("report", Path.GetDirectoryName(run)!);
        Assert.Equal(1, code);
        Assert.Equal($"initlab: error: {csv}: expected 2 rows (one per layer of 784-12-10), found 3.", err.Trim());
    }

    [Fact]
    public void AReportOverAShardLeftOutNamesTheMissingRuns()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string a = d.File("a"), b = d.File("b");
        Assert.Equal(0, Compare(d.Path, a, "--shard", "0/2", "--no-report", "--quiet").Code);
        Assert.Equal(0, Compare(d.Path, b, "--shard", "1/2", "--no-report", "--quiet").Code);
        var missing = RunFolders(b);

        var (code, output, err) = CliTests.Run("report", a);
        Assert.True(code == 0, err);
        Assert.Contains($"initlab: warning: 2 of 4 runs of the grid are missing: {missing[0]}, {missing[1]}.", err);
        string md = File.ReadAllText(Path.Combine(a, "report.md"));
        Assert.Contains("Incomplete: 2 of the grid's 4 runs are missing", md);
        Assert.Contains("## Missing runs", md);
        foreach (var id in missing) Assert.Contains($"| {id} |", md);
        Assert.Contains("Missing runs", File.ReadAllText(Path.Combine(a, "report.html")));

        // Both shards: nothing missing, no warning, no section.
        (code, _, err) = CliTests.Run("report", a, b, "--out", d.File("all"));
        Assert.True(code == 0, err);
        Assert.Equal("", err);
        Assert.DoesNotContain("Missing runs", File.ReadAllText(d.File("all/report.md")));

        // compare's own report says the same about its shard.
        (code, output, err) = Compare(d.Path, a, "--shard", "0/2", "--quiet");
        Assert.Equal(0, code);
        Assert.Contains("2 of 4 runs of the grid are missing", err);
    }

    private static Process Start(IEnumerable<string> args)
    {
        return ChildProcess.Start(ChildProcess.Cli, args);
    }

    private static async Task<(int Code, string Out, string Err)> Finish(Process p)
    {
        var err = p.StandardError.ReadToEndAsync();
        string output = await p.StandardOutput.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await p.WaitForExitAsync(patience.Token);
        int code = p.ExitCode;
        p.Dispose();
        return (code, output, await err);
    }

    private static int Count(string output, string what)
    {
        var m = Regex.Match(output, @"Done: (\d+) runs trained, (\d+) invalid, skipped (\d+) finished runs(?:, redid \d+ unfinished)?(?:, (\d+) trained by another process)?(?:, discarded (\d+))?");
        Assert.True(m.Success, output);
        int group = what switch { "trained" => 1, "skipped" => 3, "elsewhere" => 4, _ => 5 };
        return m.Groups[group].Success ? int.Parse(m.Groups[group].Value) : 0;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1500)]
    public async Task TwoConcurrentSweepsOnOneFolderDivideTheWorkAndTrainEachRunOnce(int delayMs)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 2000, test: 40);
        string shared = d.File("shared");
        string[] args = ["compare", "--data", d.Path, "--out", shared, "--layers", "784,64,10", "--inits", "xavier-uniform,normal:std=0.1,he-normal",
            "--seeds", "2", "--epochs", "2", "--threads", "1", "--batch-size", "20"];
        var first = Start(args);
        await Task.Delay(delayMs);
        var second = Start(args);
        var (c1, o1, e1) = await Finish(first);
        var (c2, o2, e2) = await Finish(second);
        Assert.True(c1 == 0, e1 + o1);
        Assert.True(c2 == 0, e2 + o2);
        Assert.DoesNotContain("   at ", e1 + e2);

        // Each of the 6 runs trained by exactly one of the two: a run trained twice would make the sum exceed 6.
        Assert.Equal(6, Count(o1, "trained") + Count(o2, "trained"));
        Assert.Equal(0, Count(o1, "discarded") + Count(o2, "discarded"));
        Assert.Equal(6, Count(o1, "trained") + Count(o1, "elsewhere") + Count(o1, "skipped"));
        Assert.Equal(6, Count(o2, "trained") + Count(o2, "elsewhere") + Count(o2, "skipped"));
        var folders = RunFolders(shared);
        Assert.Equal(6, folders.Length);
        Assert.All(folders, f => Assert.True(RunFiles.IsFinished(Path.Combine(shared, f))));
        // No claim, temporary folder or set-aside claim is left behind.
        Assert.Empty(Directory.GetFileSystemEntries(shared, ".*"));
        // Both wrote the full report: the other's runs were waited for.
        Assert.DoesNotContain("missing", e1 + e2);
    }

    [Fact]
    public void AClaimOfADeadProcessIsTakenOverAndItsTemporaryFolderRemoved()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        Directory.CreateDirectory(outDir);
        var run = SweepGrid.Build(["xavier-uniform"], [[784, 12, 10]], ["relu"], 1, 777).Single();
        // A process that has exited: its id is not alive (or belongs to a process started at another time).
        using var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        dead.WaitForExit();
        File.WriteAllText(RunClaim.PathOf(outDir, run.Id), $"{RunClaim.Host}\n{dead.Id}\n{DateTime.UtcNow.AddMinutes(-1).Ticks}\n2020-01-01\n");
        string tmp = Path.Combine(outDir, $".tmp-{run.Id}.{RunClaim.Host}.{dead.Id}");
        Directory.CreateDirectory(tmp);
        File.WriteAllText(Path.Combine(tmp, "config.json"), "half");

        var (code, output, err) = CliTests.Run("compare", "--data", d.Path, "--out", outDir, "--layers", "784,12,10", "--inits", "xavier-uniform",
            "--seeds", "1", "--epochs", "1", "--threads", "1", "--no-report");
        Assert.True(code == 0, err);
        Assert.Contains("Done: 1 runs trained, 0 invalid, skipped 0 finished runs, redid 1 unfinished.", output);
        Assert.True(RunFiles.IsFinished(Path.Combine(outDir, run.Id)));
        Assert.Empty(Directory.GetFileSystemEntries(outDir, ".*"));
    }

    [Fact]
    public void AClaimOfAnotherHostIsAliveUntilStale()
    {
        using var d = new TempDir();
        string path = RunClaim.PathOf(d.Path, "r");
        File.WriteAllText(path, "some-other-host\n1\n1\n2020-01-01\n");
        Assert.True(RunClaim.IsHeld(path));
        Assert.Null(RunClaim.TryTake(d.Path, "r"));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - RunClaim.StaleAfter - TimeSpan.FromMinutes(1));
        Assert.False(RunClaim.IsHeld(path));
        using var taken = RunClaim.TryTake(d.Path, "r");
        Assert.NotNull(taken);
        Assert.True(taken.StillOurs);
        Assert.Null(RunClaim.TryTake(d.Path, "r"));   // our own live claim is not taken twice
    }
}
