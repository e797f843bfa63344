using System.Diagnostics;
using System.Security.Cryptography;
using InitLab.Data;

namespace InitLab.Tests.Data;

/// <summary>Class 7 of issue 17: a mirror that trickles bytes cannot hold a download forever.</summary>
[Collection(InitLab.Tests.Training.SerialCollection.Name)]
public class SlowMirrorTests
{
    private const string Name = "train-images-idx3-ubyte.gz";
    private static readonly byte[] Body = RandomNumberGenerator.GetBytes(50_000);
    private static readonly DataFileInfo File0 = new(Name, Convert.ToHexStringLower(MD5.HashData(Body)));

    /// <summary>Mirror "slow" announces the body and then sends one byte every 100 ms; "good" sends it all.</summary>
    private static LoopbackServer Server() => new(async (mirror, _, ctx, stop) =>
    {
        if (mirror == "good")
        {
            await LoopbackServer.Send(ctx, Body);
            return;
        }
        ctx.Response.ContentLength64 = Body.Length;
        try
        {
            for (int i = 0; i < Body.Length && !stop.IsCancellationRequested; i++)
            {
                await ctx.Response.OutputStream.WriteAsync(Body.AsMemory(i, 1), stop);
                await ctx.Response.OutputStream.FlushAsync(stop);
                await Task.Delay(100, stop);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.HttpListenerException or ObjectDisposedException)
        {
        }
    });

    [Fact]
    public async Task ATricklingMirrorIsCutOffAtTheMinimumRateAndTheNextOneUsed()
    {
        using var server = Server();
        using var d = new TempDir();
        using var http = Downloader.CreateHttpClient();
        // Each byte arrives well within Timeout, so only the rate check can end this mirror.
        var options = new DownloaderOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 2, Backoff = TimeSpan.FromMilliseconds(10),
            RateWindow = TimeSpan.FromSeconds(1), MinBytesPerSecond = 1000 };
        var clock = Stopwatch.StartNew();
        var file = await new Downloader(http, options).DownloadFileAsync([server.Mirror("slow"), server.Mirror("good")], File0, d.Path);
        Assert.Equal(server.Mirror("good"), new Uri(file.Source!, "."));
        Assert.Equal(Body, File.ReadAllBytes(file.Path));
        // Given up once (no retries for a slow mirror), after about one window.
        Assert.Single(server.Log, l => l.Mirror == "slow");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task TheDeadlinePerFileEndsADownloadThatIsFastEnoughButNeverDone()
    {
        using var server = Server();
        using var d = new TempDir();
        using var http = Downloader.CreateHttpClient();
        var options = new DownloaderOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 2, Backoff = TimeSpan.FromMilliseconds(10),
            MinBytesPerSecond = 0, Deadline = TimeSpan.FromSeconds(2) };
        var e = await Assert.ThrowsAsync<DownloadException>(() => new Downloader(http, options).DownloadFileAsync([server.Mirror("slow"), server.Mirror("good")], File0, d.Path));
        Assert.Contains("deadline per file ran out", e.Message);
        Assert.Contains("slow", e.Message);
    }
}
