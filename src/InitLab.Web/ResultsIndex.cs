using InitLab.Experiments;
using InitLab.Training;

namespace InitLab.Web;

/// <summary>A run folder found under the results folder.</summary>
/// <param name="Path">"/"-separated, relative to the results folder.</param>
/// <param name="Id">The run's id (config.json), or the folder's name when it cannot be read.</param>
/// <param name="Status">finished, training, stopped, failed, invalid or unknown.</param>
/// <param name="HasLog">Whether it has a training log with histograms.</param>
/// <param name="Summary">"784-256-10 relu he-normal adam 0.001".</param>
public sealed record RunEntry(string Path, string Id, string Status, bool HasLog, string Summary)
{
    /// <summary>The weights' initializer names ("he-normal", "orthogonal|zeros"), without parameters or bias; "" when unreadable.</summary>
    public string Init { get; init; } = "";

    /// <summary>The learning rate as configured (invariant culture); "" when unreadable.</summary>
    public string Lr { get; init; } = "";
}

/// <summary>A folder holding finished runs (a <c>compare</c> --out).</summary>
/// <param name="Path">"/"-separated, relative to the results folder.</param>
/// <param name="Runs">How many finished runs it holds.</param>
public sealed record SweepEntry(string Path, int Runs);

/// <summary>Finds runs and sweeps under the results folder, without following links.</summary>
public static class ResultsIndex
{
    /// <summary>How deep below the results folder runs are looked for.</summary>
    public const int MaxDepth = 4;

    /// <summary>Every run folder and every folder of finished runs under <paramref name="guard"/>'s root.</summary>
    public static (IReadOnlyList<RunEntry> Runs, IReadOnlyList<SweepEntry> Sweeps) Scan(PathGuard guard)
    {
        var runs = new List<RunEntry>();
        var sweeps = new List<SweepEntry>();
        Walk(guard, new DirectoryInfo(guard.Root), 0, runs, sweeps);
        return (runs.OrderBy(r => r.Path, StringComparer.Ordinal).ToList(), sweeps.OrderBy(s => s.Path, StringComparer.Ordinal).ToList());
    }

    /// <summary>Whether <paramref name="dir"/> is a run folder: it has config.json and a log or a result.</summary>
    public static bool IsRun(string dir) =>
        File.Exists(Path.Combine(dir, RunFiles.Config)) && (File.Exists(Path.Combine(dir, TrainingLog.FileName)) || RunFiles.IsFinished(dir));

    private static void Walk(PathGuard guard, DirectoryInfo dir, int depth, List<RunEntry> runs, List<SweepEntry> sweeps)
    {
        if (IsRun(dir.FullName))
        {
            runs.Add(Describe(guard, dir.FullName));
            return;
        }
        if (depth >= MaxDepth) return;
        int finished = 0;
        IEnumerable<DirectoryInfo> children;
        try
        {
            children = dir.EnumerateDirectories().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var child in children.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            // Hidden, temporary (a sweep's .tmp- folders) and linked folders are not walked into.
            if (child.Name.StartsWith('.') || child.LinkTarget is not null) continue;
            if (RunFiles.IsFinished(child.FullName)) finished++;
            Walk(guard, child, depth + 1, runs, sweeps);
        }
        if (finished > 0) sweeps.Add(new SweepEntry(guard.Relative(dir.FullName) is "." ? "" : guard.Relative(dir.FullName), finished));
    }

    /// <summary>
    /// The compare view's legend fields: the weights' initializer names and the learning rate, as
    /// fields, since the summary's init may hold spaces (", bias zeros").
    /// </summary>
    internal static (string Init, string Lr) LabelFields(TrainConfig t) =>
        (string.Join("|", t.Init.Weights.Select(w => w.Name)), t.Optimizer.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The entry of one run folder: its status from result.json, else from its log's last record (the log is not read whole).</summary>
    public static RunEntry Describe(PathGuard guard, string dir)
    {
        string rel = guard.Relative(dir);
        string id = Path.GetFileName(dir), summary = "", status = "unknown", init = "", lr = "";
        bool hasLog = File.Exists(Path.Combine(dir, TrainingLog.FileName));
        try
        {
            var config = RunFiles.ReadConfig(Path.Combine(dir, RunFiles.Config));
            id = config.Id;
            var t = config.Train;
            summary = $"{t.Architecture} {t.Activation} {t.Init} {t.Optimizer.Name} {t.Optimizer.LearningRate}";
            (init, lr) = LabelFields(t);
            if (RunFiles.IsFinished(dir)) status = File.ReadAllText(Path.Combine(dir, RunFiles.Result)).Contains("\"invalid\"", StringComparison.Ordinal) ? "invalid" : "finished";
            else if (hasLog) status = TrainingLog.ReadEnd(Path.Combine(dir, TrainingLog.FileName))?.Status ?? "training";
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            summary = "unreadable: " + e.Message;
        }
        return new RunEntry(rel, id, status, hasLog, summary) { Init = init, Lr = lr };
    }
}
