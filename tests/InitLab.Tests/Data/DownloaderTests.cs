using System.Net;
using System.Security.Cryptography;
using InitLab.Data;

namespace InitLab.Tests.Data;

/// <summary>The downloader against a real HTTP server on 127.0.0.1 that serves bytes the test made.</summary>
// Timeouts are part of what these tests check, so they run alone, not beside CPU-heavy tests
// on a 2-core machine (they failed about one full run in six when run in parallel).
[Collection(InitLab.Tests.Training.SerialCollection.Name)]
public class DownloaderTests
{
    private const string Name = "train-images-idx3-ubyte.gz";
    private static readonly byte[] Body = RandomBytes(200_000, 7);
    private static readonly DataFileInfo File0 = new(Name, Md5(Body), Sha256(Body));

    // The timeout must leave a loaded 2-core CI machine (other tests run in parallel) ample time
    // for a responsive loopback server, yet keep the never-answering servers' tests short.
    private static readonly DownloaderOptions Fast = new() { Timeout = TimeSpan.FromSeconds(2), Retries = 1, Backoff = TimeSpan.FromMilliseconds(10) };

    private static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new System.Random(seed).NextBytes(b);
        return b;
    }

    private static string Md5(byte[] b) => Convert.ToHexStringLower(MD5.HashData(b));
    private static string Sha256(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    private sealed class Recorder : IProgress<DownloadProgress>
    {
        public readonly List<DownloadProgress> Reports = [];
        public Action<DownloadProgress>? OnReport;
        public void Report(DownloadProgress value)
        {
            lock (Reports) Reports.Add(value);
            OnReport?.Invoke(value);
        }
    }

    private static async Task<DownloadedFile> Fetch(LoopbackServer server, TempDir dir, string[] mirrors, DataFileInfo? file = null,
        IProgress<DownloadProgress>? progress = null, DownloaderOptions? options = null)
    {
        using var http = Downloader.CreateHttpClient();
        var d = new Downloader(http, options ?? Fast);
        return await d.DownloadFileAsync([.. mirrors.Select(server.Mirror)], file ?? File0, dir.Path, progress);
    }

    /// <summary>
    /// A server whose first answer announces the whole body, sends its first <paramref name="bytes"/>
    /// and then does <paramref name="then"/>; every later request gets the whole body.
    /// </summary>
    private static LoopbackServer CutAfter(int bytes, Func<HttpListenerContext, CancellationToken, Task> then)
    {
        int calls = 0;
        return new LoopbackServer(async (_, _, ctx, stop) =>
        {
            if (Interlocked.Increment(ref calls) > 1)
            {
                await LoopbackServer.Send(ctx, Body);
                return;
            }
            ctx.Response.ContentLength64 = Body.Length;
            await ctx.Response.OutputStream.WriteAsync(Body.AsMemory(0, bytes), stop);
            await ctx.Response.OutputStream.FlushAsync(stop);
            await then(ctx, stop);
        });
    }

    private static void AssertInPlace(TempDir dir)
    {
        Assert.Equal(Body, File.ReadAllBytes(dir.File(Name)));
        Assert.False(File.Exists(dir.File(Name + ".part")), ".part left behind");
    }

    [Fact]
    public async Task DownloadsVerifiesAndRenamesIntoPlace()
    {
        using var server = new LoopbackServer((_, _, ctx, _) => LoopbackServer.Send(ctx, Body));
        using var dir = new TempDir();
        var progress = new Recorder();
        var result = await Fetch(server, dir, ["good"], progress: progress);
        AssertInPlace(dir);
        Assert.Equal(server.Mirror("good") + Name, result.Source!.ToString());
        Assert.Equal(Body.Length, result.Bytes);
        var last = progress.Reports[^1];
        Assert.Equal((Body.Length, (long?)Body.Length, Name), (last.Bytes, last.Total, last.FileName));
        Assert.True(progress.Reports.Select(r => r.Bytes).SequenceEqual(progress.Reports.Select(r => r.Bytes).Order()), "progress went backwards");
    }

    [Fact]
    public async Task A404MirrorIsSkippedForTheNextOne()
    {
        using var server = new LoopbackServer((m, _, ctx, _) =>
        {
            if (m == "missing") LoopbackServer.Status(ctx, 404);
            else return LoopbackServer.Send(ctx, Body);
            return Task.CompletedTask;
        });
        using var dir = new TempDir();
        var result = await Fetch(server, dir, ["missing", "good"]);
        AssertInPlace(dir);
        Assert.Equal(server.Mirror("good") + Name, result.Source!.ToString());
        // A 404 is final: the missing mirror is asked once, not retried.
        Assert.Equal(["missing", "good"], server.Log.Select(l => l.Mirror));
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://exa mple:99999/x")]
    [InlineData("gopher://127.0.0.1/x")]
    public async Task ABadRedirectIsThatMirrorsFailureAndTheNextMirrorIsTried(string location)
    {
        using var server = new LoopbackServer((m, _, ctx, _) =>
        {
            if (m != "evil") return LoopbackServer.Send(ctx, Body);
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers["Location"] = location;
            ctx.Response.Close();
            return Task.CompletedTask;
        });
        using var dir = new TempDir();
        var result = await Fetch(server, dir, ["evil", "good"]);
        AssertInPlace(dir);
        Assert.Equal(server.Mirror("good") + Name, result.Source!.ToString());
        Assert.False(File.Exists("/etc/passwd.part"));
    }

    [Fact]
    public async Task ABadRedirectFromTheOnlyMirrorIsADownloadErrorNamingIt()
    {
        using var server = new LoopbackServer((_, _, ctx, _) =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers["Location"] = "file:///etc/passwd";
            ctx.Response.Close();
            return Task.CompletedTask;
        });
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<DownloadException>(() => Fetch(server, dir, ["evil"]));
        Assert.Contains(server.Mirror("evil") + Name, e.Message);
        Assert.Contains("redirect", e.Message);
    }

    [Fact]
    public async Task AServerErrorIsRetriedOnTheSameMirror()
    {
        int calls = 0;
        using var server = new LoopbackServer((_, _, ctx, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1) LoopbackServer.Status(ctx, 503);
            else return LoopbackServer.Send(ctx, Body);
            return Task.CompletedTask;
        });
        using var dir = new TempDir();
        await Fetch(server, dir, ["flaky"]);
        AssertInPlace(dir);
        Assert.Equal(2, server.Log.Count);
    }

    [Fact]
    public async Task AFileWithTheWrongChecksumIsDeletedAndTheNextMirrorUsed()
    {
        var corrupt = (byte[])Body.Clone();
        corrupt[12345] ^= 1;
        using var server = new LoopbackServer((m, _, ctx, _) => LoopbackServer.Send(ctx, m == "bad" ? corrupt : Body));
        using var dir = new TempDir();
        var result = await Fetch(server, dir, ["bad", "good"]);
        AssertInPlace(dir);
        Assert.Equal(server.Mirror("good") + Name, result.Source!.ToString());
    }

    [Fact]
    public async Task WrongChecksumEverywhereIsOneClearErrorAndNothingIsLeft()
    {
        var corrupt = (byte[])Body.Clone();
        corrupt[0] ^= 0x80;
        using var server = new LoopbackServer((m, _, ctx, _) =>
        {
            if (m == "gone") LoopbackServer.Status(ctx, 404);
            else return LoopbackServer.Send(ctx, corrupt);
            return Task.CompletedTask;
        });
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<DownloadException>(() => Fetch(server, dir, ["bad", "gone"]));
        Assert.Contains($"Could not download {Name} from any mirror", e.Message);
        Assert.Contains($"{server.Mirror("bad")}{Name} MD5 {Md5(corrupt)} differs from the published {File0.Md5}; the file was deleted", e.Message);
        Assert.Contains($"{server.Mirror("gone")}{Name} answered 404 Not Found", e.Message);
        Assert.Equal(2, e.Answers.Count);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task Sha256IsCheckedWhenPublished()
    {
        using var server = new LoopbackServer((_, _, ctx, _) => LoopbackServer.Send(ctx, Body));
        using var dir = new TempDir();
        var wrongSha = File0 with { Sha256 = new string('0', 64) };
        var e = await Assert.ThrowsAsync<DownloadException>(() => Fetch(server, dir, ["good"], wrongSha));
        Assert.Contains($"SHA-256 {Sha256(Body)} differs from the published {new string('0', 64)}", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task ADroppedConnectionIsResumedWithARangeRequest()
    {
        const int half = 100_000;
        var received = new TaskCompletionSource();
        var progress = new Recorder { OnReport = p => { if (p.Bytes >= half) received.TrySetResult(); } };
        // Send the first half and wait until the client has it on disk before resetting the connection.
        using var server = CutAfter(half, async (ctx, stop) =>
        {
            await received.Task.WaitAsync(TimeSpan.FromSeconds(20), stop);
            ctx.Response.Abort();
        });
        using var dir = new TempDir();
        var options = Fast with { Timeout = TimeSpan.FromSeconds(20) };
        await Fetch(server, dir, ["flaky"], progress: progress, options: options);
        AssertInPlace(dir);
        Assert.Equal(2, server.Log.Count);
        Assert.Null(server.Log[0].Range);
        Assert.Equal($"bytes={half}-", server.Log[1].Range);
    }

    [Fact]
    public async Task APartialFileFromAnEarlierRunIsResumed()
    {
        using var server = new LoopbackServer((_, _, ctx, _) => LoopbackServer.Send(ctx, Body));
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File(Name + ".part"), Body[..50_000]);
        var progress = new Recorder();
        await Fetch(server, dir, ["good"], progress: progress);
        AssertInPlace(dir);
        Assert.Equal("bytes=50000-", Assert.Single(server.Log).Range);
        Assert.Equal(50_000, progress.Reports[0].Bytes);
    }

    [Fact]
    public async Task AServerThatIgnoresRangeStartsOver()
    {
        using var server = new LoopbackServer((_, _, ctx, _) =>
        {
            ctx.Response.ContentLength64 = Body.Length;
            return ctx.Response.OutputStream.WriteAsync(Body).AsTask().ContinueWith(_ => ctx.Response.Close());
        });
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File(Name + ".part"), RandomBytes(30_000, 99));
        await Fetch(server, dir, ["norange"]);
        AssertInPlace(dir);
    }

    [Fact]
    public async Task ASlowServerHitsTheTimeoutAndTheNextMirrorIsUsed()
    {
        using var server = new LoopbackServer(async (m, _, ctx, stop) =>
        {
            if (m == "slow") await Task.Delay(Timeout.Infinite, stop);
            await LoopbackServer.Send(ctx, Body);
        });
        using var dir = new TempDir();
        var result = await Fetch(server, dir, ["slow", "good"]);
        AssertInPlace(dir);
        Assert.Equal(server.Mirror("good") + Name, result.Source!.ToString());
        Assert.Equal(["slow", "slow", "good"], server.Log.Select(l => l.Mirror));  // one retry after the timeout
    }

    [Fact]
    public async Task ASlowServerAloneGivesAnErrorNamingTheTimeout()
    {
        using var server = new LoopbackServer((_, _, _, stop) => Task.Delay(Timeout.Infinite, stop));
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<DownloadException>(() => Fetch(server, dir, ["slow"]));
        Assert.Contains($"{server.Mirror("slow")}{Name} did not answer within 2 s (after 0 bytes) (2 attempts)", e.Message);
    }

    [Fact]
    public async Task AServerThatStallsMidBodyTimesOutAndIsResumed()
    {
        using var server = CutAfter(1000, (_, stop) => Task.Delay(Timeout.Infinite, stop));
        using var dir = new TempDir();
        await Fetch(server, dir, ["stall"]);
        AssertInPlace(dir);
        Assert.Equal("bytes=1000-", server.Log[1].Range);
    }

    [Fact]
    public async Task AVerifiedFileAlreadyThereIsNotFetchedAgain()
    {
        using var server = new LoopbackServer((_, _, ctx, _) => LoopbackServer.Send(ctx, Body));
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File(Name), Body);
        var result = await Fetch(server, dir, ["good"]);
        Assert.Null(result.Source);
        Assert.Empty(server.Log);
    }

    [Fact]
    public async Task CancellationStopsTheDownload()
    {
        using var server = new LoopbackServer((_, _, _, stop) => Task.Delay(Timeout.Infinite, stop));
        using var dir = new TempDir();
        using var http = Downloader.CreateHttpClient();
        var d = new Downloader(http, Fast with { Timeout = TimeSpan.FromMinutes(5) });
        using var cts = new CancellationTokenSource();
        var task = d.DownloadFileAsync([server.Mirror("slow")], File0, dir.Path, cancel: cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    [Fact]
    public async Task ADatasetIsFetchedFileByFileFromExtraMirrorsFirst()
    {
        var files = Enumerable.Range(0, 4).Select(i => RandomBytes(1000 + i, i)).ToArray();
        var info = new DatasetInfo("toy", "Toy", [.. DataLocator.FileNames.Select((n, i) => new DataFileInfo(n + ".gz", Md5(files[i])))],
            [new Uri("http://127.0.0.1:1/unused/")], [.. Enumerable.Range(0, 10).Select(i => $"c{i}")]);
        using var server = new LoopbackServer((m, f, ctx, _) =>
        {
            int i = DataLocator.FileNames.ToList().IndexOf(f[..^3]);
            return LoopbackServer.Send(ctx, m == "org-toy" ? files[i] : []);
        });
        using var dir = new TempDir();
        using var http = Downloader.CreateHttpClient();
        var d = new Downloader(http, Fast with { ExtraMirrors = DownloaderOptions.ParseMirrors($" http://127.0.0.1:{server.Port}/org-{{name}} ,") });
        Assert.Equal([server.Mirror("org-toy"), new Uri("http://127.0.0.1:1/unused/")], d.MirrorsFor(info));
        var result = await d.DownloadAsync(info, Path.Combine(dir.Path, "toy"), null);
        Assert.Equal(4, result.Count);
        for (int i = 0; i < 4; i++) Assert.Equal(files[i], File.ReadAllBytes(Path.Combine(dir.Path, "toy", DataLocator.FileNames[i] + ".gz")));
        Assert.True(DataLocator.HasAllFiles(Path.Combine(dir.Path, "toy")));
    }

    [Fact]
    public async Task AFailedDatasetDownloadLeavesNoEmptyFolderButKeepsWhatWasFetched()
    {
        var files = Enumerable.Range(0, 4).Select(i => RandomBytes(1000 + i, i)).ToArray();
        var info = new DatasetInfo("toy", "Toy", [.. DataLocator.FileNames.Select((n, i) => new DataFileInfo(n + ".gz", Md5(files[i])))],
            [new Uri("http://127.0.0.1:1/unused/")], []);
        using var gone = new LoopbackServer((_, _, ctx, _) => { LoopbackServer.Status(ctx, 404); return Task.CompletedTask; });
        using var dir = new TempDir();
        using var http = Downloader.CreateHttpClient();
        var d = new Downloader(http, Fast with { ExtraMirrors = [gone.Mirror("x").ToString()] });
        string target = Path.Combine(dir.Path, "cache", "toy");
        await Assert.ThrowsAsync<DownloadException>(() => d.DownloadAsync(info, target, null));
        Assert.False(Directory.Exists(target), "an empty dataset folder was left behind");

        // A folder that already existed is the user's: it stays, and so do its files.
        Directory.CreateDirectory(target);
        await Assert.ThrowsAsync<DownloadException>(() => d.DownloadAsync(info, target, null));
        Assert.True(Directory.Exists(target));

        // Files fetched and verified before a failure stay (as would a .part with bytes, for resuming).
        string fresh = Path.Combine(dir.Path, "cache", "toy2");
        using var cut = new LoopbackServer((_, f, ctx, _) =>
        {
            int i = DataLocator.FileNames.ToList().IndexOf(f[..^3]);
            return LoopbackServer.Send(ctx, i == 0 ? files[0] : []);
        });
        var d2 = new Downloader(http, Fast with { ExtraMirrors = [cut.Mirror("y").ToString()] });
        await Assert.ThrowsAsync<DownloadException>(() => d2.DownloadAsync(info, fresh, null));
        Assert.True(File.Exists(Path.Combine(fresh, DataLocator.FileNames[0] + ".gz")), "the verified first file should stay");
    }

    [Fact]
    public void AMirrorThatIsNotAnHttpUrlIsRejected()
    {
        using var http = new HttpClient();
        var d = new Downloader(http, new DownloaderOptions { ExtraMirrors = ["ftp://example/"] });
        Assert.Contains("mirror 'ftp://example/' is not an http or https URL", Assert.Throws<UserInputException>(() => d.MirrorsFor(DatasetCatalog.Mnist)).Message);
    }
}
