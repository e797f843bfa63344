using System.Collections.Concurrent;
using System.Globalization;
using InitLab.Data;
using InitLab.Training;

namespace InitLab.Web;

/// <summary>A run started from the page: where it writes, its state, and how to stop it.</summary>
public sealed class LiveRun
{
    internal LiveRun(string path, string folder, TrainConfig config) => (Path, Folder, Config) = (path, folder, config);

    /// <summary>The run folder, relative to the results folder.</summary>
    public string Path { get; }

    /// <summary>The run folder, absolute.</summary>
    public string Folder { get; }

    /// <summary>What it trains.</summary>
    public TrainConfig Config { get; }

    /// <summary>queued, training, finished, stopped or failed.</summary>
    public string Status { get; internal set; } = "queued";

    /// <summary>Why it failed (a message for the user, never a stack trace).</summary>
    public string? Message { get; internal set; }

    internal CancellationTokenSource Cancel { get; } = new();

    internal Task Task { get; set; } = Task.CompletedTask;
}

/// <summary>
/// Trains the runs started from the page: at most <see cref="MaxRunning"/> at once, the others
/// waiting in order (up to <see cref="MaxQueued"/>); each writes an ordinary run folder with its
/// training log (<see cref="LoggedRun"/>) under "runs/" in the results folder. Runs train on their
/// own threads: a page or event stream that goes away does not touch them.
/// </summary>
public sealed class RunManager(PathGuard guard, int maxRunning, int maxQueued, TrainingLogOptions logOptions) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, maxRunning));
    private readonly ConcurrentDictionary<string, LiveRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DataSplits> _data = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>Runs training at the same time.</summary>
    public int MaxRunning { get; } = Math.Max(1, maxRunning);

    /// <summary>Runs waiting beyond which a new one is refused.</summary>
    public int MaxQueued { get; } = maxQueued;

    /// <summary>The runs started since the server started.</summary>
    public IReadOnlyCollection<LiveRun> Runs => _runs.Values.ToList();

    /// <summary>The run whose folder is <paramref name="path"/>, if started here.</summary>
    public LiveRun? Find(string path) => _runs.GetValueOrDefault(path.Trim('/'));

    /// <summary>
    /// Loads <paramref name="config"/>'s data (a catalog dataset already downloaded, or a folder
    /// under the results folder), checks that the network fits it, and queues the run. Throws
    /// <see cref="UserInputException"/> with a message for the page.
    /// </summary>
    public LiveRun Start(TrainConfig config)
    {
        if (_runs.Values.Count(r => r.Status == "queued") >= MaxQueued)
            throw new UserInputException($"{MaxQueued} runs are already waiting; stop one or wait for it to start.");
        var data = LoadData(config.Data);
        Trainer.CheckData(config, data);
        int n = Interlocked.Increment(ref _counter);
        string name = string.Create(CultureInfo.InvariantCulture, $"web-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{n:000}");
        string rel = "runs/" + name;
        var (folder, _) = guard.Resolve(rel);
        var run = new LiveRun(rel, folder!, config);
        _runs[rel] = run;
        run.Task = Task.Factory.StartNew(() => Train(run, data), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return run;
    }

    /// <summary>Cancels a queued or training run; false when it is not one of this server's live runs.</summary>
    public bool Stop(string path)
    {
        if (Find(path) is not { } run || run.Status is not ("queued" or "training")) return false;
        run.Cancel.Cancel();
        return true;
    }

    /// <summary>Stops every run and waits (up to <paramref name="timeout"/>) for them to record "stopped": finished folders are left as they are.</summary>
    public void StopAll(TimeSpan timeout)
    {
        foreach (var run in _runs.Values) run.Cancel.Cancel();
        Task.WaitAll([.. _runs.Values.Select(r => r.Task)], timeout);
    }

    /// <summary>Stops the runs (briefly waiting) and frees the slots.</summary>
    public void Dispose()
    {
        StopAll(TimeSpan.FromSeconds(30));
        _slots.Dispose();
    }

    private void Train(LiveRun run, DataSplits data)
    {
        try
        {
            _slots.Wait(run.Cancel.Token);
        }
        catch (OperationCanceledException)
        {
            run.Status = "stopped";
            return;
        }
        try
        {
            run.Status = "training";
            LoggedRun.Train(run.Folder, run.Config, data, logOptions, cancel: run.Cancel.Token);
            run.Status = "finished";
        }
        catch (OperationCanceledException)
        {
            run.Status = "stopped";
        }
        catch (Exception e)
        {
            // Diverged, or an error in the library: recorded in the log and shown on the page.
            run.Status = "failed";
            run.Message = e.Message;
        }
        finally
        {
            _slots.Release();
        }
    }

    private DataSplits LoadData(string data)
    {
        string key;
        if (Datasets.IsName(data))
        {
            var info = DatasetCatalog.All.First(d => string.Equals(d.Name, data.Trim(), StringComparison.OrdinalIgnoreCase));
            var (folder, present) = Datasets.Locate(info);
            // The server never downloads: a request from the page must not make it fetch 50 MB from the internet.
            if (!present) throw new UserInputException($"data: {info.Name} is not downloaded; run 'initlab data download {info.Name}' first, or give a folder under the results folder.");
            key = folder;
        }
        else
        {
            var (folder, status) = guard.Resolve(data.Replace('\\', '/').Trim('/'));
            if (status != 200 || !Directory.Exists(folder))
                throw new UserInputException($"data: '{data}' is neither a dataset name ({DatasetCatalog.Names}) nor a folder under the results folder.");
            key = folder!;
        }
        return _data.GetOrAdd(key, k => LoadOrExplain(k, data));
    }

    private static DataSplits LoadOrExplain(string folder, string data)
    {
        try
        {
            return Datasets.LoadFolder(folder);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UserInputException($"data: {data}: {e.Message}", e);
        }
    }
}
