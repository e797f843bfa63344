using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using InitLab.Data;
using InitLab.Init;
using InitLab.Training;
using InitLab.Web;
using Xunit.Abstractions;

namespace InitLab.Tests.Web;

/// <summary>
/// Many event-stream clients on one loopback server: slow clients that stop reading and clients
/// that hang up do not stop a run, the memory the server holds for them stays bounded, their
/// loops end when they go, and streams beyond the limit are refused. Serial, so that the managed
/// heap measured is this test's.
/// </summary>
[Collection(Training.SerialCollection.Name)]
public class ServeLoadTests(ITestOutputHelper output)
{
    /// <summary>A log far larger than any per-client buffer: a server that read it all for each of 100 stalled clients would hold 1.6 GB.</summary>
    private const long BigLog = 16L << 20;

    private static async Task<LabServer> Start(string dir, int maxStreams = 512) =>
        await LabServer.StartAsync(new LabServerOptions { Dir = dir, Port = 0, MaxStreams = maxStreams, Log = new TrainingLogOptions { SampleEvery = 2 } });

    /// <summary>A results folder with a small dataset ("data") and the big run ("big").</summary>
    private static TempDir WithBigRun()
    {
        var d = new TempDir();
        string data = d.File("data");
        Directory.CreateDirectory(data);
        IdxWriter.WriteDataset(data, train: 200, test: 40);
        WriteBigRun(d.Path, data);
        return d;
    }

    /// <summary>A finished run folder whose log is a real short run's, its histogram lines repeated up to <see cref="BigLog"/> bytes before its end record.</summary>
    private static string WriteBigRun(string root, string dataDir)
    {
        string dir = Path.Combine(root, "big");
        var config = TrainConfig.Note with { Data = dataDir, Layers = [784, 12, 10], Init = InitPlan.Parse("he-normal"), BatchSize = 50, Epochs = 1, Seed = 5 };
        LoggedRun.Train(dir, config, Datasets.LoadFolder(dataDir), new TrainingLogOptions { SampleEvery = 1 });
        string path = Path.Combine(dir, TrainingLog.FileName);
        var lines = File.ReadAllLines(path);
        var hists = lines.Where(l => l.StartsWith("{\"type\":\"hist\"", StringComparison.Ordinal)).ToArray();
        using (var w = new StreamWriter(path, append: false))
        {
            foreach (var l in lines[..^1]) w.Write(l + "\n");
            for (int i = 0; w.BaseStream.Length < BigLog; i++) w.Write(hists[i % hists.Length] + "\n");
            w.Write(lines[^1] + "\n");
        }
        return dir;
    }

    /// <summary>A client whose sockets take at most 64 KB in flight, so that a client that stops reading makes the server wait rather than the kernel buffer the log.</summary>
    private static HttpClient SmallWindowClient(string url) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024, NoDelay = true };
            await socket.ConnectAsync(context.DnsEndPoint, cancel);
            return new NetworkStream(socket, ownsSocket: true);
        },
    }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(3) };

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        for (int i = 0; i < 600 && !condition(); i++) await Task.Delay(100);
        Assert.True(condition(), what);
    }

    [Fact]
    public async Task TwoHundredStreamClientsNeitherStopTheRunNorGrowTheServersMemoryAndTheirLoopsEndWhenTheyGo()
    {
        using var d = WithBigRun();
        await using var server = await Start(d.Path);
        using var http = SmallWindowClient(server.Url);

        // Warm up the code paths (one whole read of the big log), then the managed heap's baseline.
        using (var warm = await http.GetAsync("/api/events?path=big", HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await warm.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && line != "event: done") { }
        }
        await WaitFor(() => server.ActiveStreams == 0, "the warm-up stream did not end");
        long baseline = GC.GetTotalMemory(forceFullCollection: true);

        var started = await http.PostAsJsonAsync("/api/runs", new { data = "data", layers = "784,16,10", activation = "relu", init = "he-normal", epochs = 12, batchSize = 20, seed = 4 });
        Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        string live = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("path").GetString()!;

        // 100 clients open the big log and stop reading after its first bytes; 100 follow the live run and hang up after one record.
        var stalled = new List<HttpResponseMessage>();
        var stalledTasks = Enumerable.Range(0, 100).Select(async _ =>
        {
            var r = await http.GetAsync("/api/events?path=big", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            var stream = await r.Content.ReadAsStreamAsync();
            Assert.True(await stream.ReadAsync(new byte[16]) > 0);
            lock (stalled) stalled.Add(r);
        });
        var leaverTasks = Enumerable.Range(0, 100).Select(async _ =>
        {
            using var r = await http.GetAsync($"/api/events?path={Uri.EscapeDataString(live)}", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            using var reader = new StreamReader(await r.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line)
                if (line.StartsWith("data: {", StringComparison.Ordinal)) return;
            Assert.Fail("a client got no record");
        });
        await Task.WhenAll(stalledTasks.Concat(leaverTasks));

        // The leavers' loops end; the stalled ones stay, each waiting on its own client.
        await WaitFor(() => server.ActiveStreams == 100, $"expected the 100 stalled streams to remain, {server.ActiveStreams} open");
        long peak = 0;
        for (int i = 0; i < 5; i++)
        {
            await Task.Delay(400);
            peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }
        // Each stalled client may hold Kestrel's response buffer (64 KB) and one read chunk (64 KB of
        // bytes, its text and its lines): well under 1 MB. Reading the log whole for each would be 16 MB each.
        output.WriteLine($"managed heap growth with 100 stalled clients on a {BigLog >> 20} MB log: {peak / 1048576.0:F1} MB");
        Assert.True(peak < 100L << 20, $"100 stalled clients grew the managed heap by {peak >> 20} MB");
        Assert.Equal(100, server.ActiveStreams);

        // The run trained to its end with the clients on it.
        await server.Runs.Find(live)!.Task;
        Assert.Equal("finished", server.Runs.Find(live)!.Status);
        var log = TrainingLog.Read(Path.Combine(d.Path, live, TrainingLog.FileName));
        Assert.Equal(TrainingLog.Finished, log.End?.Status);
        Assert.Equal(12, log.Epochs.Count);

        // The stalled clients hang up: every loop ends.
        foreach (var r in stalled) r.Dispose();
        await WaitFor(() => server.ActiveStreams == 0, $"{server.ActiveStreams} event-stream loops outlived their clients");
        var meta = await http.GetFromJsonAsync<JsonElement>("/api/meta");
        Assert.Equal(0, meta.GetProperty("streams").GetInt32());
    }

    [Fact]
    public async Task StreamsBeyondTheLimitAreRefusedUntilOneCloses()
    {
        using var d = WithBigRun();
        await using var server = await Start(d.Path, maxStreams: 2);
        using var http = SmallWindowClient(server.Url);
        var held = new[]
        {
            await http.GetAsync("/api/events?path=big", HttpCompletionOption.ResponseHeadersRead),
            await http.GetAsync("/api/events?path=big", HttpCompletionOption.ResponseHeadersRead),
        };
        Assert.All(held, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        using (var third = await http.GetAsync("/api/events?path=big", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, third.StatusCode);
        // The rest of the API still answers while the streams are taken.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/list")).StatusCode);
        held[0].Dispose();
        await WaitFor(() => server.ActiveStreams == 1, "the closed stream's loop did not end");
        using (var again = await http.GetAsync("/api/events?path=big", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        held[1].Dispose();
    }
}
