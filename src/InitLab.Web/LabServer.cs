using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using InitLab.Experiments;
using InitLab.Init;
using InitLab.Models;
using InitLab.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InitLab.Web;

/// <summary>What <see cref="LabServer"/> serves and how it binds.</summary>
public sealed record LabServerOptions
{
    /// <summary>The results folder: runs and sweeps are listed from it, runs started from the page are written to its "runs" folder, and no file outside it is served.</summary>
    public required string Dir { get; init; }

    /// <summary>The address to bind; a loopback address unless the user says otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port (0: any free one, see <see cref="LabServer.Url"/>).</summary>
    public int Port { get; init; } = 5005;

    /// <summary>The access token; required (generated when null) on a non-loopback host, optional on loopback.</summary>
    public string? Token { get; init; }

    /// <summary>Runs trained at the same time; more wait in a queue.</summary>
    public int MaxRunning { get; init; } = 1;

    /// <summary>Runs that may wait; beyond it the page is told to wait.</summary>
    public int MaxQueued { get; init; } = 8;

    /// <summary>Most event streams open at once (each follows a log file; beyond it, 503).</summary>
    public int MaxStreams { get; init; } = 512;

    /// <summary>How often the runs started from the page sample histograms.</summary>
    public TrainingLogOptions Log { get; init; } = new() { SampleEvery = 20 };

    /// <summary>Largest network (weights and biases) the page may start: a typo of 100000000 must not take the machine's memory.</summary>
    public long MaxParameters { get; init; } = 20_000_000;
}

/// <summary>
/// The live view: a Kestrel server with a JSON API over the results folder, server-sent events
/// following training logs, the embedded page and its vendored chart library. A thin shell: the
/// training, the files and their formats are the library's.
/// </summary>
public sealed class LabServer : IAsyncDisposable
{
    private const string Cookie = "initlab_token";
    private readonly WebApplication _app;
    private readonly LabServerOptions _options;
    private readonly PathGuard _guard;
    private readonly RunManager _runs;
    private int _streams;

    private LabServer(WebApplication app, LabServerOptions options, PathGuard guard, RunManager runs, string? token) =>
        (_app, _options, _guard, _runs, Token) = (app, options, guard, runs, token);

    /// <summary>The token requests must carry (null: none needed).</summary>
    public string? Token { get; }

    /// <summary>The runs started from the page.</summary>
    public RunManager Runs => _runs;

    /// <summary>Event streams open now: each client's loop holds one until it disconnects or its run's log ends.</summary>
    public int ActiveStreams => Volatile.Read(ref _streams);

    /// <summary>The most log bytes one event stream reads at a time (its records are far shorter): with Kestrel's own bounded response buffer, what a client can make the server hold.</summary>
    public const int StreamChunk = 64 * 1024;

    /// <summary>The address the server listens on, e.g. http://127.0.0.1:5005 (the real port when 0 was asked).</summary>
    public string Url { get; private set; } = "";

    /// <summary>The URL to open in a browser: <see cref="Url"/> with the token when there is one.</summary>
    public string OpenUrl => Token is null ? Url + "/" : $"{Url}/?token={Uri.EscapeDataString(Token)}";

    /// <summary>Whether <paramref name="host"/> is a loopback name or address.</summary>
    public static bool IsLoopback(string host) =>
        host is "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Builds and starts the server; throws <see cref="UserInputException"/> for a missing folder or bad host.</summary>
    public static async Task<LabServer> StartAsync(LabServerOptions options, CancellationToken cancel = default)
    {
        if (!Directory.Exists(options.Dir)) throw new UserInputException($"--dir: {options.Dir} is not a folder.");
        if (options.Port is < 0 or > 65535) throw new UserInputException($"--port must be between 0 and 65535, got {options.Port}.");
        bool loopback = IsLoopback(options.Host);
        if (!loopback && !IPAddress.TryParse(options.Host.Trim('[', ']'), out _) && options.Host != "*")
            throw new UserInputException($"--host: give an IP address to bind (e.g. 0.0.0.0), got '{options.Host}'.");
        if (options.Token is { Length: < 16 }) throw new UserInputException("--token must have at least 16 characters.");
        string? token = options.Token ?? (loopback ? null : Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant());
        var guard = new PathGuard(options.Dir);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxConcurrentConnections = options.MaxStreams + 64;
            k.Limits.MaxRequestBodySize = 64 * 1024;
            var address = options.Host is "localhost" ? IPAddress.Loopback : options.Host == "*" ? IPAddress.Any : IPAddress.Parse(options.Host.Trim('[', ']'));
            k.Listen(address, options.Port);
        });
        var app = builder.Build();
        var runs = new RunManager(guard, options.MaxRunning, options.MaxQueued, options.Log);
        var server = new LabServer(app, options, guard, runs, token);
        server.Map(loopback);
        // Ctrl+C (the host's console lifetime) stops the runs first, so each records "stopped" in its log.
        app.Lifetime.ApplicationStopping.Register(() => runs.StopAll(TimeSpan.FromSeconds(20)));
        await app.StartAsync(cancel);
        var bound = app.Urls.First();
        server.Url = loopback && options.Host != "localhost" ? bound.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) : bound;
        return server;
    }

    /// <summary>Waits until the server stops (Ctrl+C, or <paramref name="cancel"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    /// <summary>Stops the runs (they record "stopped") and the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        _runs.Dispose();
        await _app.DisposeAsync();
    }

    private void Map(bool loopback)
    {
        var app = _app;
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
            {
                // Never a stack trace on the page: a user error says what to change, anything else is a short 500.
                context.Response.StatusCode = e is UserInputException ? 400 : 500;
                await context.Response.WriteAsJsonAsync(new { error = e is UserInputException ? e.Message : "internal error: " + e.GetType().Name });
            }
        });
        app.Use(async (context, next) =>
        {
            // On a loopback bind, a page of another site reaching us through DNS rebinding names its own host: refused.
            if (loopback && !IsLoopback(context.Request.Host.Host))
            {
                context.Response.StatusCode = 403;
                return;
            }
            if (Token is { } token && !Authorized(context, token))
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsJsonAsync(new { error = "missing or wrong token: open the URL printed by 'initlab serve'." });
                return;
            }
            context.Response.Headers["X-Content-Type-Options"] = "nosniff";
            context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";
            await next(context);
        });

        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/static/{**name}", (string name) => Asset(name));
        app.MapGet("/api/meta", Meta);
        app.MapGet("/api/list", List);
        app.MapGet("/api/run", (string? path) => RunDetails(path));
        app.MapGet("/api/sweep", (string? path) => SweepDetails(path));
        app.MapGet("/api/events", (HttpContext context, string? path) => Events(context, path));
        app.MapPost("/api/runs", (RunForm form) => StartRun(form));
        app.MapPost("/api/stop", (string? path) => _runs.Stop(path ?? "") ? Results.Ok(new { stopped = path }) : Results.NotFound(new { error = "no such live run" }));
        app.MapGet("/files/{**path}", (string path) => ServeFile(path));
    }

    private static bool Authorized(HttpContext context, string token)
    {
        string? given = context.Request.Headers["X-InitLab-Token"].FirstOrDefault() ?? context.Request.Cookies[Cookie];
        string? query = context.Request.Query["token"].FirstOrDefault();
        if (query is not null && Same(query, token))
        {
            // The page, its scripts and its event streams then carry the cookie, not the token in every URL.
            context.Response.Cookies.Append(Cookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            return true;
        }
        return given is not null && Same(given, token);
    }

    private static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static IResult Asset(string name)
    {
        if (name.Contains("..", StringComparison.Ordinal)) return Results.NotFound();
        var stream = typeof(LabServer).Assembly.GetManifestResourceStream("wwwroot/" + name);
        if (stream is null) return Results.NotFound();
        string type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        };
        return Results.Stream(stream, type);
    }

    private IResult Meta() => Results.Json(new
    {
        inits = InitSpec.Catalog.Select(c => new { name = c.Name, formula = c.Formula, parameters = c.Parameters, aliases = c.Aliases }),
        activations = InitLab.Nn.Activations.Names,
        optimizers = new[] { "adam", "adamw", "sgd" },
        datasets = Data.DatasetCatalog.All.Select(d => new { name = d.Name, present = Data.Datasets.Locate(d).Present }),
        max_running = _runs.MaxRunning,
        streams = ActiveStreams,
    });

    private IResult List()
    {
        var (runs, sweeps) = ResultsIndex.Scan(_guard);
        var live = _runs.Runs.ToDictionary(r => r.Path, StringComparer.Ordinal);
        var merged = runs.Select(r => live.TryGetValue(r.Path, out var l) ? r with { Status = l.Status } : r).ToList();
        // Queued runs have no folder yet.
        merged.AddRange(live.Values.Where(l => !runs.Any(r => r.Path == l.Path))
            .Select(l =>
            {
                var (init, lr) = ResultsIndex.LabelFields(l.Config);
                return new RunEntry(l.Path, Path.GetFileName(l.Path), l.Status, false, $"{l.Config.Architecture} {l.Config.Activation} {l.Config.Init}") { Init = init, Lr = lr };
            }));
        return Results.Json(new { runs = merged, sweeps });
    }

    private (string? Dir, IResult? Error) Folder(string? path)
    {
        var (dir, status) = _guard.Resolve(path);
        if (status != 200) return (null, Results.StatusCode(status));
        if (!Directory.Exists(dir)) return (null, Results.NotFound(new { error = $"no folder '{path}'" }));
        return (dir, null);
    }

    private IResult RunDetails(string? path)
    {
        var (dir, error) = Folder(path);
        if (error is not null) return error;
        if (!File.Exists(Path.Combine(dir!, RunFiles.Config))) return Results.NotFound(new { error = $"'{path}' is not a run folder" });
        var config = RunFiles.ReadConfig(Path.Combine(dir!, RunFiles.Config));
        var entry = ResultsIndex.Describe(_guard, dir!);
        var live = _runs.Find(entry.Path);
        string metricsPath = Path.Combine(dir!, RunFiles.Metrics);
        IReadOnlyList<EpochReport> metrics = File.Exists(metricsPath) ? SafeMetrics(metricsPath, config.Train.Epochs) : [];
        return Results.Json(new
        {
            path = entry.Path, id = entry.Id, status = live?.Status ?? entry.Status, message = live?.Message,
            has_log = entry.HasLog, config = JsonDocument.Parse(config.Train.ToJson()).RootElement,
            metrics,
        });
    }

    private static IReadOnlyList<EpochReport> SafeMetrics(string path, int epochs)
    {
        try
        {
            return MetricsCsv.Parse(File.ReadAllText(path), path, epochs);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or UserInputException)
        {
            // A run still writing its CSV may show a half row; the page then waits for the log instead.
            return [];
        }
    }

    private IResult SweepDetails(string? path)
    {
        var (dir, error) = Folder(path);
        if (error is not null) return error;
        SweepResults results;
        try
        {
            results = SweepResults.Load([dir!]);
        }
        catch (Exception e) when (e is InvalidDataException or UserInputException or IOException)
        {
            return Results.BadRequest(new { error = e.Message });
        }
        return Results.Json(new
        {
            path,
            runs = results.Runs.Count,
            missing = results.Missing,
            groups = results.Groups.Select(g => new
            {
                title = g.Title,
                dead_label = InitLab.Diagnostics.DeadOrSaturatedLabel.Of(g.Activation),
                cells = g.Cells.Select(c => new
                {
                    init = c.Init,
                    invalid = c.Invalid,
                    reason = c.Reason,
                    accuracy = Finite(c.FinalAccuracy.Mean),
                    accuracy_sd = Finite(c.FinalAccuracy.Std),
                    seeds = c.FinalAccuracy.Count,
                    test_accuracy = c.CurveMean(r => r.TestAccuracy).Select(Finite),
                    train_cost = c.CurveMean(r => r.TrainCost).Select(Finite),
                    layers_init = c.LayersMean(false).Select(l => new { layer = l.Layer, std = Finite(l.Std), dead = Finite(l.DeadOrSaturated), grad = Finite(l.WeightGradNorm) }),
                    layers_trained = c.LayersMean(true).Select(l => new { layer = l.Layer, std = Finite(l.Std), dead = Finite(l.DeadOrSaturated), grad = Finite(l.WeightGradNorm) }),
                }),
            }),
        });
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>
    /// Server-sent events following the run's training log from its start: one "message" per log
    /// record (the JSON line as written), then "done" once the end record has been sent (or at
    /// once for a run without a log). Each client follows the file on its own, so a slow or gone
    /// client holds nothing of the run's; a client that disconnects only ends its own loop.
    /// </summary>
    private async Task Events(HttpContext context, string? path)
    {
        var (dir, status) = _guard.Resolve(path);
        if (status != 200 || !Directory.Exists(dir))
        {
            context.Response.StatusCode = status == 200 ? 404 : status;
            return;
        }
        if (Interlocked.Increment(ref _streams) > _options.MaxStreams)
        {
            Interlocked.Decrement(ref _streams);
            context.Response.StatusCode = 503;
            return;
        }
        try
        {
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            var cancel = context.RequestAborted;
            var tail = new TrainingLogTail(Path.Combine(dir!, TrainingLog.FileName), StreamChunk);
            string rel = _guard.Relative(dir!);
            while (!cancel.IsCancellationRequested)
            {
                bool ended = false;
                foreach (var line in tail.ReadNew())
                {
                    await context.Response.WriteAsync($"data: {line}\n\n", cancel);
                    if (line.StartsWith("{\"type\":\"end\"", StringComparison.Ordinal)) ended = true;
                }
                await context.Response.Body.FlushAsync(cancel);
                var live = _runs.Find(rel);
                bool over = ended || (live is null && !File.Exists(tail.Path))
                    || (live is { Status: "stopped" or "failed" } && !File.Exists(tail.Path));
                if (over)
                {
                    await context.Response.WriteAsync("event: done\ndata: {}\n\n", cancel);
                    break;
                }
                await Task.Delay(250, cancel);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away: nothing to clean up but this loop.
        }
        catch (IOException)
        {
            // The connection broke while writing: likewise.
        }
        finally
        {
            Interlocked.Decrement(ref _streams);
        }
    }

    private IResult StartRun(RunForm form)
    {
        var config = form.ToConfig();
        long parameters = 0;
        for (int i = 1; i < config.Layers.Count; i++) parameters += ((long)config.Layers[i - 1] + 1) * config.Layers[i];
        if (parameters > _options.MaxParameters)
            throw new UserInputException($"layers: {config.Architecture} has {parameters:N0} weights and biases; the page starts networks of at most {_options.MaxParameters:N0}.");
        var run = _runs.Start(config);
        return Results.Json(new { path = run.Path, status = run.Status });
    }

    private IResult ServeFile(string path)
    {
        var (full, status) = _guard.Resolve(path);
        if (status != 200) return Results.StatusCode(status);
        if (!File.Exists(full)) return Results.NotFound();
        string type = Path.GetExtension(full) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".png" => "image/png",
            ".svg" => "image/svg+xml",
            ".json" => "application/json",
            _ => "text/plain; charset=utf-8",
        };
        return Results.File(full, type);
    }
}

/// <summary>The page's "new run" form, with the CLI's option names.</summary>
public sealed record RunForm
{
    /// <summary>A dataset name or a folder under the results folder.</summary>
    public string? Data { get; init; }

    /// <summary>"784,128,10".</summary>
    public string? Layers { get; init; }

    /// <summary>relu, tanh, ...</summary>
    public string? Activation { get; init; }

    /// <summary>An initializer spec as <c>initlab inits</c> lists them.</summary>
    public string? Init { get; init; }

    /// <summary>The bias rule (auto unless given).</summary>
    public string? Bias { get; init; }

    /// <summary>adam, adamw or sgd.</summary>
    public string? Optimizer { get; init; }

    /// <summary>The learning rate.</summary>
    public double? Lr { get; init; }

    /// <summary>Training epochs.</summary>
    public int? Epochs { get; init; }

    /// <summary>Mini-batch size.</summary>
    public int? BatchSize { get; init; }

    /// <summary>The seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>The configuration, checked by <see cref="TrainConfig.Validate"/>; a bad value is a <see cref="UserInputException"/> naming the field.</summary>
    public TrainConfig ToConfig()
    {
        int[] sizes;
        try
        {
            sizes = Mlp.ParseSizes(Layers ?? "");
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new UserInputException($"layers: {e.Message}", e);
        }
        InitPlan plan;
        try
        {
            plan = InitPlan.Parse(Init ?? "xavier-uniform", string.IsNullOrWhiteSpace(Bias) ? "auto" : Bias);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UserInputException($"init: {e.Message}", e);
        }
        var d = TrainConfig.Note;
        return new TrainConfig
        {
            Data = Data ?? "", Layers = sizes, Activation = Activation ?? d.Activation, Init = plan,
            Optimizer = new OptimizerConfig { Name = Optimizer ?? "adam", LearningRate = Lr ?? 0.001 },
            Epochs = Epochs ?? 1, BatchSize = BatchSize ?? 100, Seed = Seed ?? d.Seed,
        }.Validate();
    }
}
