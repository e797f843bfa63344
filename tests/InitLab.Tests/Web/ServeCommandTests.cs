using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using InitLab.Experiments;
using InitLab.Training;

namespace InitLab.Tests.Web;

/// <summary>
/// `initlab serve` as a user runs it: its options, the URL and token it prints, and Ctrl+C
/// (SIGINT to a child process) stopping a training run while the finished runs stay as they were.
/// </summary>
[Collection(Training.SerialCollection.Name)]
public partial class ServeCommandTests
{
    [GeneratedRegex(@"at (http://(127\.0\.0\.1|0\.0\.0\.0):(\d+))/(\?token=([0-9a-zA-Z_-]+))?")]
    private static partial Regex UrlLine();

    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.CliTests.Run(args);

    [Fact]
    public void BadOptionsGetOneLineNamingTheOptionAndStartNothing()
    {
        using var d = new TempDir();
        string missing = d.File("no-such-folder");
        var (code, _, err) = Run("serve", "--dir", missing, "--port", "0");
        Assert.Equal(1, code);
        Assert.StartsWith("initlab: error: --dir: ", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(missing), "serve created the folder it was given by mistake");

        (code, _, err) = Run("serve", "--dir", d.Path, "--port", "70000");
        Assert.Equal(1, code);
        Assert.Contains("--port must be between 0 and 65535", err);
        (code, _, err) = Run("serve", "--dir", d.Path, "--port", "abc");
        Assert.Equal(2, code);
        Assert.Contains("abc", err);
        (code, _, err) = Run("serve", "--dir", d.Path, "--parallel", "0");
        Assert.Equal(2, code);
        Assert.Contains("--parallel must be at least 1", err);
        (code, _, err) = Run("serve", "--dir", d.Path, "--port", "0", "--host", "example.com");
        Assert.Equal(1, code);
        Assert.Contains("--host", err);
        (code, _, err) = Run("serve", "--dir", d.Path, "--port", "0", "--host", "0.0.0.0", "--token", "short");
        Assert.Equal(1, code);
        Assert.Contains("--token must have at least 16 characters", err);
        Assert.DoesNotContain(" at InitLab", err);
    }

    /// <summary>Starts `initlab serve ARGS` and reads its first line: the URL (with the token when there is one).</summary>
    private static (Process Process, string Url, string? Token, string FirstLine) Serve(params string[] args)
    {
        var p = ChildProcess.Start(ChildProcess.Cli, ["serve", "--port", "0", .. args]);
        string first = p.StandardOutput.ReadLine() ?? "";
        var m = UrlLine().Match(first);
        if (!m.Success)
        {
            p.Kill();
            Assert.Fail($"serve printed '{first}' {p.StandardError.ReadToEnd()}");
        }
        return (p, m.Groups[1].Value.Replace("0.0.0.0", "127.0.0.1"), m.Groups[5].Success ? m.Groups[5].Value : null, first);
    }

    private static void Interrupt(Process p) => Process.Start("kill", ["-INT", p.Id.ToString()])!.WaitForExit();

    private static Dictionary<string, string> Hashes(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public async Task LoopbackServePrintsItsUrlListsTheRunsAndCtrlCStopsATrainingRunLeavingFinishedRunsIntact()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d.File("data"));
        IdxWriter.WriteDataset(d.File("data"), train: 200, test: 40);
        var (code, _, err) = Run("train", "--data", d.File("data"), "--layers", "784,12,10", "--epochs", "2", "--threads", "1", "--quiet", "--log", d.File("done"));
        Assert.True(code == 0, err);
        var before = Hashes(d.File("done"));

        var (p, url, token, first) = Serve("--dir", d.Path);
        using var _ = p;
        Assert.Null(token);
        Assert.StartsWith("InitLab is serving " + d.Path, first);
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        var list = await http.GetFromJsonAsync<JsonElement>("/api/list");
        Assert.Contains(list.GetProperty("runs").EnumerateArray(), r => r.GetProperty("path").GetString() == "done" && r.GetProperty("status").GetString() == "finished");

        // A run long enough to be training when Ctrl+C comes.
        var started = await http.PostAsJsonAsync("/api/runs", new { data = "data", layers = "784,12,10", epochs = 100_000, batchSize = 20, seed = 2 });
        Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        string live = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("path").GetString()!;
        string liveLog = Path.Combine(d.Path, live, TrainingLog.FileName);
        for (int i = 0; i < 600 && !(File.Exists(liveLog) && File.ReadAllText(liveLog).Contains("\"type\":\"epoch\"")); i++) await Task.Delay(100);
        Assert.Contains("\"type\":\"epoch\"", File.ReadAllText(liveLog));

        Interrupt(p);
        string rest = await p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "serve did not stop after Ctrl+C");
        Assert.True(p.ExitCode == 0, await p.StandardError.ReadToEndAsync() + rest);
        Assert.EndsWith("Stopped.\n", rest.Replace("\r", ""));
        // The training run recorded that it was stopped and is not a finished run; the finished one is byte for byte as it was.
        Assert.Equal(TrainingLog.Stopped, TrainingLog.Read(liveLog).End?.Status);
        Assert.False(RunFiles.IsFinished(Path.Combine(d.Path, live)));
        Assert.Equal(before, Hashes(d.File("done")));
        Assert.Equal(TrainingLog.Finished, TrainingLog.Read(d.File("done/" + TrainingLog.FileName)).End?.Status);
        // The port is free again.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync("/api/list"));
    }

    [Fact]
    public async Task ARunTrainedByTheCliWithLogIsWatchedWhileItTrainsAndItsMetricsGrowPerEpoch()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d.File("data"));
        IdxWriter.WriteDataset(d.File("data"), train: 200, test: 40);
        using var train = ChildProcess.Start(ChildProcess.Cli, ["train", "--data", d.File("data"), "--layers", "784,12,10", "--epochs", "100000",
            "--batch-size", "50", "--threads", "1", "--quiet", "--log", d.File("cli-run")]);
        await using var server = await InitLab.Web.LabServer.StartAsync(new InitLab.Web.LabServerOptions { Dir = d.Path, Port = 0 });
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromMinutes(2) };
        try
        {
            // The child process makes its run folder once it has started and loaded the data.
            string log = d.File("cli-run/" + TrainingLog.FileName);
            for (int i = 0; i < 600 && !File.Exists(log); i++) await Task.Delay(100);
            using var response = await http.GetAsync("/api/events?path=cli-run", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            int epochs = 0, hists = 0;
            while (epochs < 3 && await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("data: {\"type\":\"epoch\"", StringComparison.Ordinal)) epochs++;
                if (line.StartsWith("data: {\"type\":\"hist\"", StringComparison.Ordinal)) hists++;
            }
            // Three epochs streamed, with histograms, while the process still trains; its metrics CSV has a row per finished epoch already.
            Assert.False(train.HasExited, "the run ended before it could be watched");
            Assert.Equal(3, epochs);
            Assert.True(hists > 0);
            int rows = File.ReadAllLines(d.File("cli-run/metrics.csv")).Length - 1;
            Assert.True(rows >= 3, $"metrics.csv had {rows} rows while the log had 3 epochs");
            var list = await http.GetFromJsonAsync<JsonElement>("/api/list");
            Assert.Contains(list.GetProperty("runs").EnumerateArray(), r => r.GetProperty("path").GetString() == "cli-run" && r.GetProperty("status").GetString() == "training");
        }
        finally
        {
            Interrupt(train);
            Assert.True(train.WaitForExit(60_000), "train did not stop after Ctrl+C");
        }
        Assert.Equal(TrainingLog.Stopped, TrainingLog.Read(d.File("cli-run/" + TrainingLog.FileName)).End?.Status);
    }

    [Fact]
    public async Task NonLoopbackServeGeneratesPrintsAndRequiresAToken()
    {
        using var d = new TempDir();
        var (p, url, token, _) = Serve("--dir", d.Path, "--host", "0.0.0.0");
        using var _ = p;
        try
        {
            Assert.NotNull(token);
            Assert.Matches("^[0-9a-f]{32}$", token);
            Assert.Equal($"Token: {token} (every request must carry it; the URL above sets it in the browser)", p.StandardOutput.ReadLine());
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/list")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/events?path=")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/list?token={token}")).StatusCode);
        }
        finally
        {
            Interrupt(p);
            Assert.True(p.WaitForExit(60_000), "serve did not stop after Ctrl+C");
        }
        Assert.Equal(0, p.ExitCode);

        // Two servers get two different tokens; a given one is used as it is.
        var (p2, _, token2, _) = Serve("--dir", d.Path, "--host", "0.0.0.0", "--token", "given-token-0123456789");
        using var __ = p2;
        Interrupt(p2);
        Assert.True(p2.WaitForExit(60_000));
        Assert.Equal("given-token-0123456789", token2);
        var (p3, _, token3, _) = Serve("--dir", d.Path, "--host", "0.0.0.0");
        using var ___ = p3;
        Interrupt(p3);
        Assert.True(p3.WaitForExit(60_000));
        Assert.NotEqual(token, token3);
    }
}
