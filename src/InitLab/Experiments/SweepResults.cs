using InitLab.Diagnostics;
using InitLab.Models;
using InitLab.Training;

namespace InitLab.Experiments;

/// <summary>Mean and sample standard deviation (n - 1; 0 for a single value) of a list of numbers.</summary>
/// <param name="Mean">The mean (NaN for no values).</param>
/// <param name="Std">The sample standard deviation, n - 1 in the denominator (0 for one value, NaN for none).</param>
/// <param name="Count">How many values.</param>
public readonly record struct MeanStd(double Mean, double Std, int Count)
{
    /// <summary>The mean, sample std and count of <paramref name="values"/>; NaN mean and std for an empty list.</summary>
    public static MeanStd Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return new(double.NaN, double.NaN, 0);
        double mean = values.Average();
        double var = values.Count > 1 ? values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1) : 0;
        return new(mean, Math.Sqrt(var), values.Count);
    }
}

/// <summary>All seeds of one (init, architecture, activation) cell of a sweep, summarised.</summary>
/// <param name="Init">The initializer as typed.</param>
/// <param name="Architecture">Layer sizes joined by "-".</param>
/// <param name="Activation">The activation.</param>
/// <param name="Runs">The cell's runs, one per seed, by seed.</param>
public sealed record SweepCell(string Init, string Architecture, string Activation, IReadOnlyList<RunRecord> Runs)
{
    /// <summary>True when no seed of the cell trained (e.g. dbn with relu): the report shows the reason instead of numbers.</summary>
    public bool Invalid => Runs.All(r => !r.Result.Ok);

    /// <summary>The first invalid run's reason, or null when every run trained.</summary>
    public string? Reason => Runs.Select(r => r.Result.Reason).FirstOrDefault(r => r is not null);
    private IEnumerable<RunRecord> Ok => Runs.Where(r => r.Result.Ok);

    /// <summary>Test accuracy after the last epoch, in [0, 1], over the seeds that trained.</summary>
    public MeanStd FinalAccuracy => MeanStd.Of(Ok.Select(r => r.Result.FinalAccuracy ?? double.NaN).ToList());
    /// <summary>Wall-clock seconds per run (initialization, training and probes), over the seeds that trained.</summary>
    public MeanStd Seconds => MeanStd.Of(Ok.Select(r => r.Result.Seconds).ToList());

    /// <summary>Per epoch (1-based, as many as every seed has): the mean over seeds of <paramref name="pick"/>.</summary>
    public double[] CurveMean(Func<EpochReport, double> pick)
    {
        var ok = Ok.ToList();
        if (ok.Count == 0) return [];
        int epochs = ok.Min(r => r.Metrics.Count);
        return Enumerable.Range(0, epochs).Select(e => ok.Average(r => pick(r.Metrics[e]))).ToArray();
    }

    /// <summary>Per-layer statistics averaged over seeds (init or trained).</summary>
    public IReadOnlyList<LayerStats> LayersMean(bool trained)
    {
        var ok = Ok.Select(r => trained ? r.LayersTrained : r.LayersInit).Where(l => l.Count > 0).ToList();
        if (ok.Count == 0) return [];
        return ok[0].Select((l, i) => new LayerStats(l.Layer, l.Units, ok.Average(s => s[i].Mean), ok.Average(s => s[i].Std),
            ok.Average(s => s[i].DeadOrSaturated), ok.Average(s => s[i].WeightGradNorm), l.IsOutput)).ToList();
    }
}

/// <summary>A group of cells sharing an architecture, an activation, a normalization and a dropout probability, one cell per init, in the order the inits were listed.</summary>
/// <param name="Architecture">Layer sizes joined by "-".</param>
/// <param name="Activation">The activation.</param>
/// <param name="Cells">One cell per initializer, in the listed order.</param>
public sealed record SweepGroup(string Architecture, string Activation, IReadOnlyList<SweepCell> Cells)
{
    /// <summary>The group's normalization (the same for all its runs).</summary>
    public NormKind Norm { get; init; }

    /// <summary>The group's dropout probability (the same for all its runs).</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// The group's heading: architecture then activation, e.g. "784-256-10 relu", then the
    /// normalization and dropout when they are not none and 0 ("784-256-10 relu batchnorm p=0.3").
    /// </summary>
    public string Title => $"{Architecture} {Activation}" + (Norm == NormKind.None ? "" : $" {MlpOptions.NameOf(Norm)}norm") +
        (Dropout == 0 ? "" : $" p={SweepGrid.DropoutText(Dropout)}");

    /// <summary>The init with the highest mean final accuracy (null when none trained).</summary>
    public SweepCell? Best => Cells.Where(c => !c.Invalid && double.IsFinite(c.FinalAccuracy.Mean)).MaxBy(c => c.FinalAccuracy.Mean);
}

/// <summary>The finished runs of any number of output folders (shards), merged and grouped for a report.</summary>
/// <param name="Runs">Every finished run, each once, by id.</param>
/// <param name="Groups">The runs grouped by architecture, activation, normalization and dropout, then by initializer.</param>
public sealed record SweepResults(IReadOnlyList<RunRecord> Runs, IReadOnlyList<SweepGroup> Groups)
{
    /// <summary>
    /// Ids of the runs of the grid(s) the loaded runs record (<see cref="RunConfig.Grid"/>) that
    /// no folder holds, e.g. a shard's folder left out; sorted. Empty when the runs record no grid.
    /// </summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>Runs in the recorded grid(s), found or missing; the loaded runs' count when they record none.</summary>
    public int GridTotal { get; init; }

    /// <summary>
    /// Reads every finished run under the given folders (a folder may be a sweep's --out or a run
    /// folder itself). A run found twice is counted once; unfinished and temporary folders are ignored.
    /// </summary>
    public static SweepResults Load(IEnumerable<string> dirs)
    {
        var byId = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        foreach (var dir in dirs)
        {
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such folder.");
            var candidates = RunFiles.IsFinished(dir) ? [dir]
                : Directory.GetDirectories(dir).Where(d => !Path.GetFileName(d).StartsWith(Sweep.TempPrefix, StringComparison.Ordinal) && RunFiles.IsFinished(d));
            foreach (var run in candidates.Order(StringComparer.Ordinal))
            {
                var record = RunFiles.Read(run);
                byId.TryAdd(record.Config.Id, record);
            }
        }
        if (byId.Count == 0) throw new UserInputException($"No finished runs (folders with {RunFiles.Result}) under {string.Join(", ", dirs)}.");
        var runs = byId.Values.OrderBy(r => r.Config.Id, StringComparer.Ordinal).ToList();
        CheckSharedSettings(runs);
        var groups = runs
            .GroupBy(r => (Arch: string.Join("-", r.Config.Layers), r.Config.Activation, r.Config.Train.Norm, r.Config.Train.Dropout))
            .OrderBy(g => g.Min(r => r.Config.ArchIndex)).ThenBy(g => g.Min(r => r.Config.ActivationIndex))
            .ThenBy(g => g.Min(r => r.Config.NormIndex)).ThenBy(g => g.Min(r => r.Config.DropoutIndex))
            .ThenBy(g => g.Key.Arch, StringComparer.Ordinal).ThenBy(g => g.Key.Norm).ThenBy(g => g.Key.Dropout)
            .Select(g => new SweepGroup(g.Key.Arch, g.Key.Activation, g
                .GroupBy(r => r.Config.Init)
                .OrderBy(c => c.Min(r => r.Config.InitIndex)).ThenBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => new SweepCell(c.Key, g.Key.Arch, g.Key.Activation, c.OrderBy(r => r.Config.Seed).ToList()))
                .ToList()) { Norm = g.Key.Norm, Dropout = g.Key.Dropout })
            .ToList();
        var expected = runs.Select(r => r.Config.Grid).OfType<SweepGridSpec>().DistinctBy(g => g.Key)
            .SelectMany(g => g.Runs()).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(id => !byId.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        return new SweepResults(runs, groups) { Missing = missing, GridTotal = Math.Max(runs.Count, expected.Count + runs.Count(r => !expected.Contains(r.Config.Id))) };
    }

    /// <summary>The settings a report may vary between its runs: the grid's axes (normalization and dropout among them) and the seed. Everything else must be shared.</summary>
    private static readonly string[] GridKeys = ["init", "layers", "activation", "seed", "norm", "dropout"];

    /// <summary>
    /// Refuses to merge runs whose configurations differ in anything but the grid's axes (e.g.
    /// shards trained for other epochs or with another learning rate): their accuracies would be
    /// averaged into one cell under a header naming one setting. The error names each differing
    /// setting and a run folder on each side.
    /// </summary>
    private static void CheckSharedSettings(IReadOnlyList<RunRecord> runs)
    {
        var first = runs[0];
        foreach (var other in runs.Skip(1))
        {
            var differences = first.Config.Train.Differences(other.Config.Train, GridKeys);
            if (differences.Count > 0)
                throw new UserInputException($"the runs were trained with different settings and cannot be reported together: {string.Join("; ", differences)} " +
                    $"({first.Config.Id} vs {other.Config.Id}). Report each setting's folders separately.");
        }
    }

    /// <summary>The inits in listed order, across all groups (for a stable colour per init).</summary>
    public IReadOnlyList<string> Inits => Runs.OrderBy(r => r.Config.InitIndex).ThenBy(r => r.Config.Init, StringComparer.Ordinal).Select(r => r.Config.Init).Distinct().ToList();
}
