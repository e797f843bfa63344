using System.Net.Http.Json;
using System.Text.Json;
using InitLab.Init;
using InitLab.Tests.Training;
using InitLab.Training;
using InitLab.Web;

namespace InitLab.Tests.Web;

/// <summary>The run list's statuses come from each log's last bytes, not from reading every log whole.</summary>
[Collection(SerialCollection.Name)]
public class ResultsIndexTests
{
    [Fact]
    public async Task ListingRunsWithBigLogsReadsABoundedPartOfEachAndGivesTheSameStatuses()
    {
        using var d = new TempDir();
        var config = TrainConfig.Note with { Data = "mnist", Layers = [784, 12, 10], Init = InitPlan.Parse("he-normal"), Epochs = 3 };
        var ends = new Dictionary<string, string?>
        {
            ["stopped"] = "{\"type\":\"end\",\"status\":\"stopped\",\"message\":\"stopped in epoch 2 after batch 7\"}",
            ["failed"] = "{\"type\":\"end\",\"status\":\"failed\",\"message\":\"diverged\"}",
            ["training"] = null,
        };
        long logBytes = 0;
        foreach (var (name, end) in ends)
        {
            string dir = d.File(Path.Combine("runs", name));
            LoggedRun.WriteConfig(dir, config);
            string log = Path.Combine(dir, TrainingLog.FileName);
            // A run still training: its last complete line is a step, with half of the next written.
            TrainingLogEndTests.WriteBigLog(log, end ?? "{\"type\":\"step\",\"step\":1,\"epoch\":1,\"batch\":1,\"cost\":0.5}");
            if (end is null) File.AppendAllText(log, "{\"type\":\"st");
            logBytes += new FileInfo(log).Length;
        }
        var guard = new PathGuard(d.Path);
        ResultsIndex.Scan(guard);   // warm up (JIT, first-call allocations)

        long before = GC.GetAllocatedBytesForCurrentThread();
        var (runs, _) = ResultsIndex.Scan(guard);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Reading the logs whole would allocate twice their size in text alone (UTF-16): 192 MB here.
        Assert.True(logBytes > 90L << 20);
        Assert.True(allocated < 2L << 20, $"listing 3 runs with {logBytes >> 20} MB of logs allocated {allocated / 1048576.0:F1} MB");
        // The oracle: the status each log gives when read whole.
        Assert.Equal(["runs/failed", "runs/stopped", "runs/training"], runs.Select(r => r.Path));
        foreach (var r in runs)
        {
            string expected = TrainingLog.Read(d.File(Path.Combine(r.Path, TrainingLog.FileName))).End?.Status ?? "training";
            Assert.Equal(expected, r.Status);
            Assert.Equal(r.Path.Split('/')[1], r.Status);
            Assert.True(r.HasLog);
            Assert.StartsWith("784-12-10 relu kaiming-normal", r.Summary);
        }

        // The same statuses through /api/list.
        await using var server = await LabServer.StartAsync(new LabServerOptions { Dir = d.Path, Port = 0 });
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        var list = await http.GetFromJsonAsync<JsonElement>("/api/list");
        Assert.Equal(runs.Select(r => (r.Path, r.Status)),
            list.GetProperty("runs").EnumerateArray().Select(r => (r.GetProperty("path").GetString()!, r.GetProperty("status").GetString()!)));
    }
}
