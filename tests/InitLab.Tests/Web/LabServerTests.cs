using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using InitLab.Experiments;
using InitLab.Training;
using InitLab.Web;

namespace InitLab.Tests.Web;

/// <summary>The live view's server on a real Kestrel bound to a free loopback port: API, safety checks, runs and event streams.</summary>
[Collection(Training.SerialCollection.Name)]
public class LabServerTests
{
    private static async Task<LabServer> Start(string dir, string host = "127.0.0.1", string? token = null) =>
        await LabServer.StartAsync(new LabServerOptions { Dir = dir, Port = 0, Host = host, Token = token, Log = new TrainingLogOptions { SampleEvery = 2 } });

    private static object Form(string data, string layers = "784,12,10", string init = "he-normal", int epochs = 2) =>
        new { data, layers, activation = "relu", init, optimizer = "adam", lr = 0.001, epochs, batchSize = 50, seed = 3 };

    [Fact]
    public void TheCompareLegendFieldsAreTheInitializerNamesAndTheLearningRateEvenWithABiasSetting()
    {
        // The summary reads "784-256-256-10 relu normal:std=2|he-normal, bias zeros adam 0.01": its
        // words cannot be split into init and lr, so the list sends them as fields of their own.
        var t = InitLab.Training.TrainConfig.Note with
        {
            Init = InitLab.Init.InitPlan.Parse("normal:std=2|he-normal|he-normal", "zeros"),
            Optimizer = InitLab.Training.TrainConfig.Note.Optimizer with { LearningRate = 0.01 },
        };
        Assert.Equal(("normal|kaiming-normal|kaiming-normal", "0.01"), InitLab.Web.ResultsIndex.LabelFields(t));
    }

    [Fact]
    public async Task PageAssetsAndListAreServedAndBadFormValuesAreNamedWithoutAStackTrace()
    {
        using var d = new TempDir();
        await using var server = await Start(d.Path);
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        Assert.Contains("uPlot.iife.min.js", await http.GetStringAsync("/"));
        Assert.Contains("uPlot", await http.GetStringAsync("/static/vendor/uPlot.iife.min.js"));
        var list = await http.GetFromJsonAsync<JsonElement>("/api/list");
        Assert.Equal(0, list.GetProperty("runs").GetArrayLength());

        var bad = await http.PostAsJsonAsync("/api/runs", Form("mnist", layers: "784,0,10"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        string body = await bad.Content.ReadAsStringAsync();
        Assert.Contains("layers", body);
        Assert.DoesNotContain(" at InitLab", body);
        var badInit = await http.PostAsJsonAsync("/api/runs", Form("mnist", init: "nope"));
        Assert.Contains("init", await badInit.Content.ReadAsStringAsync());
        var outside = await http.PostAsJsonAsync("/api/runs", Form("/etc"));
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
    }

    [Fact]
    public async Task TraversalAbsolutePathsAndSymlinksOutOfDirAreRefused()
    {
        using var d = new TempDir();
        using var other = new TempDir();
        File.WriteAllText(other.File("secret.txt"), "secret");
        string root = d.File("results");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "ok.txt"), "fine");
        File.CreateSymbolicLink(Path.Combine(root, "link.txt"), other.File("secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(root, "linkdir"), other.Path);
        await using var server = await Start(root);
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        Assert.Equal("fine", await http.GetStringAsync("/files/ok.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/files/%2e%2e/results/ok.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/run?path=../" + Path.GetFileName(other.Path))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/run?path=" + Uri.EscapeDataString(other.Path))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/events?path=..%2F..")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/files/link.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/files/linkdir/secret.txt")).StatusCode);
        // The same on every endpoint that takes a path: the sweep, the run and the event stream.
        foreach (var endpoint in new[] { "/api/sweep", "/api/run", "/api/events" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{endpoint}?path=..")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{endpoint}?path=%2Fetc")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{endpoint}?path=ok.txt%2F..%2F..")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"{endpoint}?path=linkdir")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/files//etc/passwd")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/files/..%5C..%5Cetc%5Cpasswd")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/static/..%2F..%2FLabServer.cs")).StatusCode);
        // A link that stays inside the folder is followed; the listing walks into no link at all.
        File.CreateSymbolicLink(Path.Combine(root, "inside.txt"), Path.Combine(root, "ok.txt"));
        Assert.Equal("fine", await http.GetStringAsync("/files/inside.txt"));
        var list = await http.GetFromJsonAsync<JsonElement>("/api/list");
        Assert.DoesNotContain("linkdir", list.ToString());
        // A foreign Host header on a loopback bind (DNS rebinding) is refused.
        using var rebind = new HttpRequestMessage(HttpMethod.Get, "/api/list");
        rebind.Headers.Host = "evil.example";
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(rebind)).StatusCode);
    }

    [Fact]
    public async Task NonLoopbackBindRequiresTheTokenOnEveryRequestAndTheEventStream()
    {
        using var d = new TempDir();
        await using var server = await Start(d.Path, host: "0.0.0.0");
        Assert.NotNull(server.Token);
        string url = server.Url.Replace("0.0.0.0", "127.0.0.1");
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/list")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/events?path=")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/static/app.js?token=wrong-token-0123456789")).StatusCode);
        // A wrong token in the header or the cookie, on the event stream too; no run is started without it.
        foreach (var (name, value) in new[] { ("X-InitLab-Token", "wrong-token-0123456789abcdef"), ("Cookie", "initlab_token=wrong-token-0123456789abcdef") })
        {
            foreach (var target in new[] { "/api/list", "/api/events?path=", "/files/x" })
            {
                using var wrong = new HttpRequestMessage(HttpMethod.Get, target);
                wrong.Headers.TryAddWithoutValidation(name, value);
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
            }
        }
        var post = await http.PostAsJsonAsync("/api/runs", Form("data"));
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        Assert.DoesNotContain(server.Token!, await post.Content.ReadAsStringAsync());
        Assert.False(Directory.Exists(Path.Combine(d.Path, "runs")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/stop?path=runs/x", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/list?token={server.Token}")).StatusCode);
        using var withHeader = new HttpRequestMessage(HttpMethod.Get, "/api/list");
        withHeader.Headers.Add("X-InitLab-Token", server.Token);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withHeader)).StatusCode);
    }

    [Fact]
    public async Task RunStartedFromTheApiStreamsToManyClientsAndEndsAsARunFolder()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d.File("data"));
        IdxWriter.WriteDataset(d.File("data"), train: 200, test: 40);
        await using var server = await Start(d.Path);
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromMinutes(3) };
        var started = await http.PostAsJsonAsync("/api/runs", Form("data", epochs: 3));
        Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        string path = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("path").GetString()!;

        // 200 event-stream clients: half read to the end, half hang up after their first record.
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        async Task<int> Client(bool stay)
        {
            using var response = await http.GetAsync($"/api/events?path={Uri.EscapeDataString(path)}", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            int records = 0;
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.StartsWith("data: {\"type\"", StringComparison.Ordinal)) records++;
                if (!stay && records > 0) return records;
                if (line == "event: done") break;
            }
            return records;
        }
        var counts = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Client(stay: i % 2 == 0)));
        string folder = Path.Combine(d.Path, path);
        var log = TrainingLog.Read(Path.Combine(folder, TrainingLog.FileName));
        Assert.Equal(TrainingLog.Finished, log.End?.Status);
        int lines = File.ReadAllLines(Path.Combine(folder, TrainingLog.FileName)).Length;
        // Every client that stayed got every record; those that left took nothing from the run.
        Assert.All(counts.Where((_, i) => i % 2 == 0), c => Assert.Equal(lines, c));
        var record = RunFiles.Read(folder);
        Assert.Equal(3, record.Metrics.Count);
        Assert.Contains(log.Histograms, h => h.Kind == "gradient" && h.Layer == 2);
        var list = await http.GetFromJsonAsync<JsonElement>("/api/list");
        Assert.Contains(list.GetProperty("runs").EnumerateArray(), r => r.GetProperty("path").GetString() == path && r.GetProperty("status").GetString() == "finished");
        // `initlab report` reads the folder the page's run left.
        var (code, _, err) = InitLab.Tests.Cli.CliTests.Run("report", Path.Combine(d.Path, "runs"), "--out", d.File("report"));
        Assert.True(code == 0, err);
        string md = File.ReadAllText(d.File("report/report.md"));
        Assert.Contains("kaiming-normal", md);
        Assert.Contains("784-12-10 relu", md);
    }

    [Fact]
    public async Task StoppedRunRecordsStoppedAndQueuedRunsWait()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d.File("data"));
        IdxWriter.WriteDataset(d.File("data"), train: 200, test: 40);
        await using var server = await Start(d.Path);
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        async Task<string> StartRun(int epochs) =>
            (await (await http.PostAsJsonAsync("/api/runs", Form("data", epochs: epochs))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("path").GetString()!;
        string first = await StartRun(100_000);
        string second = await StartRun(1);
        // One run at a time: the second waits while the first trains.
        Assert.Equal("queued", server.Runs.Find(second)!.Status);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/stop?path={first}", null)).StatusCode);
        await server.Runs.Find(first)!.Task;
        await server.Runs.Find(second)!.Task;
        Assert.Equal("stopped", server.Runs.Find(first)!.Status);
        Assert.Equal("finished", server.Runs.Find(second)!.Status);
        Assert.Equal(TrainingLog.Stopped, TrainingLog.Read(Path.Combine(d.Path, first, TrainingLog.FileName)).End?.Status);
        Assert.False(RunFiles.IsFinished(Path.Combine(d.Path, first)));
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync($"/api/stop?path={first}", null)).StatusCode);
    }
}
