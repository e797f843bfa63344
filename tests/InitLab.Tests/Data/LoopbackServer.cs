using System.Net;
using System.Net.Sockets;

namespace InitLab.Tests.Data;

/// <summary>
/// An HTTP server on 127.0.0.1 (HttpListener on a free port) whose answer to each request is
/// decided by the test: <see cref="Handle"/> gets the mirror name (the first path segment), the
/// file name and the context. Every request is logged, so tests can check Range headers.
/// </summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Func<string, string, HttpListenerContext, CancellationToken, Task> _handle;

    public LoopbackServer(Func<string, string, HttpListenerContext, CancellationToken, Task> handle)
    {
        _handle = handle;
        for (int tries = 0; ; tries++)
        {
            Port = FreePort();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (tries < 5)
            {
                _listener.Prefixes.Clear();
            }
        }
        _loop = Task.Run(Loop);
    }

    public int Port { get; }

    /// <summary>Requests seen: mirror, file, Range header (or null).</summary>
    public List<(string Mirror, string File, string? Range)> Log { get; } = [];

    public Uri Mirror(string name) => new($"http://127.0.0.1:{Port}/{name}/");

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                var parts = ctx.Request.Url!.AbsolutePath.Trim('/').Split('/');
                lock (Log) Log.Add((parts[0], parts[^1], ctx.Request.Headers["Range"]));
                try
                {
                    await _handle(parts[0], parts[^1], ctx, _stop.Token);
                }
                catch (Exception)
                {
                    // The client went away or the test aborted the response on purpose.
                    try { ctx.Response.Abort(); } catch (Exception) { }
                }
            });
        }
    }

    /// <summary>Sends <paramref name="body"/>, honouring a "bytes=N-" Range header with 206 and Content-Range.</summary>
    public static async Task Send(HttpListenerContext ctx, byte[] body, int? dropAfter = null)
    {
        long from = 0;
        string? range = ctx.Request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range[6..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (from >= body.Length)
            {
                ctx.Response.StatusCode = 416;
                ctx.Response.Close();
                return;
            }
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers["Content-Range"] = $"bytes {from}-{body.Length - 1}/{body.Length}";
        }
        ctx.Response.ContentLength64 = body.Length - from;
        if (dropAfter is { } n)
        {
            // Send part of the body, then reset the connection.
            await ctx.Response.OutputStream.WriteAsync(body.AsMemory((int)from, n));
            await ctx.Response.OutputStream.FlushAsync();
            ctx.Response.Abort();
            return;
        }
        await ctx.Response.OutputStream.WriteAsync(body.AsMemory((int)from));
        ctx.Response.Close();
    }

    public static void Status(HttpListenerContext ctx, int code)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.Close();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
