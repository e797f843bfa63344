using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using InitLab.Models;

namespace InitLab.Experiments;

/// <summary>
/// One combination of a sweep: an initializer spec, layer sizes, an activation and a seed.
/// The *Index fields record the order the user listed them in, so a report can keep that order.
/// </summary>
/// <param name="Init">The initializer spec as typed.</param>
/// <param name="Sizes">Layer sizes, input first.</param>
/// <param name="Activation">The activation, lower case.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="InitIndex">Position of the initializer in the listed inits.</param>
/// <param name="ArchIndex">Position of the architecture in the listed architectures.</param>
/// <param name="ActivationIndex">Position of the activation in the listed activations.</param>
/// <param name="SeedIndex">0 for the first seed, 1 for the next, ...</param>
public sealed record SweepRun(string Init, int[] Sizes, string Activation, ulong Seed, int InitIndex, int ArchIndex, int ActivationIndex, int SeedIndex)
{
    /// <summary>"784-256-256-10".</summary>
    public string Architecture => string.Join("-", Sizes);

    /// <summary>The run's normalization, when the grid varies it; null keeps the sweep's base configuration's.</summary>
    public NormKind? Norm { get; init; }

    /// <summary>The run's dropout probability, when the grid varies it; null keeps the sweep's base configuration's.</summary>
    public double? Dropout { get; init; }

    /// <summary>Position of the normalization in the listed norms (0 when the grid does not vary it).</summary>
    public int NormIndex { get; init; }

    /// <summary>Position of the dropout probability in the listed ones (0 when the grid does not vary it).</summary>
    public int DropoutIndex { get; init; }

    /// <summary>
    /// The stable folder name: init, architecture, activation and seed, with characters unsafe in
    /// file names replaced; a short hash of the exact spec is added when anything was replaced, so
    /// two specs never share a folder. Each part is bounded (a long part is cut and keeps the hash),
    /// so the name, with the temporary folder's prefix and owner, stays under the file systems'
    /// 255-byte limit whatever the spec's length.
    /// </summary>
    public string Id => $"{SweepGrid.Safe(Init, SweepGrid.MaxInitChars)}__{SweepGrid.Safe(FolderArchitecture, SweepGrid.MaxArchitectureChars)}__" +
        $"{SweepGrid.Safe(Activation, SweepGrid.MaxActivationChars)}__s{Seed.ToString(CultureInfo.InvariantCulture)}{ArchitectureSuffix}";

    // A normalization or dropout other than none/0 given by the grid adds "__bn"/"__ln" or "__p0.3"
    // to the name; runs without them keep the names of sweeps that had no such axis.
    private string ArchitectureSuffix =>
        (Norm is { } n && n != NormKind.None ? (n == NormKind.Batch ? "__bn" : "__ln") : "") +
        (Dropout is { } p && p != 0 ? "__p" + SweepGrid.DropoutText(p) : "");

    // A deep network's sizes (784-100-...-10, 100 layers) are too long for a folder name; then
    // equal neighbours are written SIZExN (784-100x99-10). Shorter names keep the plain form,
    // so the folders of existing sweeps keep their names.
    private string FolderArchitecture => Architecture.Length <= SweepGrid.MaxArchitectureChars ? Architecture : Compact(Sizes);

    /// <summary>Sizes with runs of at least <paramref name="minRun"/> equal neighbours written SIZExN (784-100x99-10).</summary>
    internal static string Compact(IReadOnlyList<int> sizes, int minRun = 2)
    {
        var parts = new List<string>();
        for (int i = 0; i < sizes.Count;)
        {
            int j = i;
            while (j + 1 < sizes.Count && sizes[j + 1] == sizes[i]) j++;
            int n = j - i + 1;
            string size = sizes[i].ToString(CultureInfo.InvariantCulture);
            parts.Add(n >= minRun ? $"{size}x{n.ToString(CultureInfo.InvariantCulture)}" : string.Join("-", Enumerable.Repeat(size, n)));
            i = j + 1;
        }
        return string.Join("-", parts);
    }
}

/// <summary>
/// The lists a sweep's grid was built from, as the user gave them: recorded in every run's
/// config.json so that a report over some of its folders can name the runs that are missing.
/// </summary>
/// <param name="Inits">Initializer specs in the order listed.</param>
/// <param name="Architectures">Layer sizes, input first, in the order listed.</param>
/// <param name="Activations">Activation names in the order listed.</param>
/// <param name="Seeds">Seeds per combination.</param>
/// <param name="FirstSeed">The first seed; the others follow it.</param>
public sealed record SweepGridSpec(IReadOnlyList<string> Inits, IReadOnlyList<int[]> Architectures, IReadOnlyList<string> Activations, int Seeds, ulong FirstSeed)
{
    /// <summary>Normalizations in the order listed; null when the grid does not vary it (every run keeps the sweep's).</summary>
    public IReadOnlyList<NormKind>? Norms { get; init; }

    /// <summary>Dropout probabilities in the order listed; null when the grid does not vary it.</summary>
    public IReadOnlyList<double>? Dropouts { get; init; }

    /// <summary>Every run of the grid (<see cref="SweepGrid.Build"/>).</summary>
    public IReadOnlyList<SweepRun> Runs() => SweepGrid.Build(Inits, Architectures, Activations, Seeds, FirstSeed, Norms, Dropouts);

    /// <summary>A key equal for equal grids (lists compared element by element).</summary>
    internal string Key => string.Join("|", string.Join(",", Inits), string.Join(",", Architectures.Select(a => string.Join("-", a))),
        string.Join(",", Activations), Seeds.ToString(CultureInfo.InvariantCulture), FirstSeed.ToString(CultureInfo.InvariantCulture),
        Norms is null ? "" : string.Join(",", Norms.Select(MlpOptions.NameOf)), Dropouts is null ? "" : string.Join(",", Dropouts.Select(SweepGrid.DropoutText)));
}

/// <summary>The grid of a sweep (inits × architectures × activations × [norms × dropouts ×] seeds) and its shards.</summary>
public static class SweepGrid
{
    /// <summary>
    /// Every combination, sorted by <see cref="SweepRun.Id"/> (ordinal), so every process builds the
    /// same list. <paramref name="norms"/> and <paramref name="dropouts"/> are optional axes: null
    /// leaves each run's <see cref="SweepRun.Norm"/> or <see cref="SweepRun.Dropout"/> null (the sweep's base configuration decides).
    /// </summary>
    public static IReadOnlyList<SweepRun> Build(IReadOnlyList<string> inits, IReadOnlyList<int[]> architectures, IReadOnlyList<string> activations,
        int seeds, ulong firstSeed, IReadOnlyList<NormKind>? norms = null, IReadOnlyList<double>? dropouts = null)
    {
        if (norms is { Count: 0 }) throw new ArgumentException("A sweep's list of normalizations may not be empty (null: not an axis).");
        if (dropouts is { Count: 0 }) throw new ArgumentException("A sweep's list of dropout probabilities may not be empty (null: not an axis).");
        if (dropouts is not null && dropouts.Any(p => !(p >= 0 && p < 1)))
            throw new UserInputException($"Dropout probabilities must be in [0, 1), got {string.Join(", ", dropouts.Select(DropoutText))}.");
        if (inits.Count == 0) throw new ArgumentException("A sweep needs at least one initializer.");
        if (architectures.Count == 0) throw new ArgumentException("A sweep needs at least one architecture.");
        if (activations.Count == 0) throw new ArgumentException("A sweep needs at least one activation.");
        if (seeds < 1) throw new UserInputException($"A sweep needs at least one seed, got {seeds}.");
        // Seeds are firstSeed, firstSeed + 1, ...: past 2^64 - 1 they would wrap around to 0 and
        // repeat the seeds of another sweep under the same names.
        if (firstSeed > ulong.MaxValue - (ulong)(seeds - 1))
            throw new UserInputException($"the seeds {firstSeed} + 0..{seeds - 1} go past the largest seed, {ulong.MaxValue}; give a smaller first seed or fewer seeds.");
        var runs = new List<SweepRun>();
        for (int i = 0; i < inits.Count; i++)
            for (int a = 0; a < architectures.Count; a++)
                for (int f = 0; f < activations.Count; f++)
                    for (int n = 0; n < (norms?.Count ?? 1); n++)
                        for (int d = 0; d < (dropouts?.Count ?? 1); d++)
                            for (int s = 0; s < seeds; s++)
                                runs.Add(new SweepRun(inits[i].Trim(), architectures[a], activations[f].Trim().ToLowerInvariant(), firstSeed + (ulong)s, i, a, f, s)
                                {
                                    Norm = norms?[n], Dropout = dropouts?[d], NormIndex = n, DropoutIndex = d,
                                });
        var duplicate = runs.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new UserInputException($"The sweep lists the same run twice ({duplicate.Key}); remove the repeated initializer, architecture, activation, normalization or dropout.");
        return runs.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Parses "I/N" (0 &lt;= I &lt; N), as Slurm array task ids and Kubernetes completion indexes count.</summary>
    public static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || i >= n)
            throw new FormatException($"'{text}' is not a shard I/N with 0 <= I < N, e.g. 0/4.");
        return (i, n);
    }

    /// <summary>Shard <paramref name="index"/> of <paramref name="count"/>: every count-th run of the sorted grid, starting at index.</summary>
    public static IReadOnlyList<SweepRun> Shard(IReadOnlyList<SweepRun> grid, int index, int count)
    {
        if (count < 1 || index < 0 || index >= count) throw new ArgumentException($"Shard {index}/{count} is not valid; use 0 <= I < N.");
        return grid.Where((_, k) => k % count == index).ToList();
    }

    // Budget of a run folder's name: 64 + 7 (init) + 60 + 7 (architecture) + 24 + 7 (activation)
    // + 21 (seed) + 6 (separators) = 196 characters, and "__bn" + "__p0.####" = 13 more when
    // the grid varies normalization and dropout: 209, leaving room within 255 for ".tmp-" and
    // ".HOST.PID" (the host cut to 32, the PID at most 7 digits) and ".claim-".
    internal const int MaxInitChars = 64, MaxArchitectureChars = 60, MaxActivationChars = 24;

    /// <summary>A dropout probability as a run's name and a report show it: at most 4 decimals (0.3, 0.125).</summary>
    public static string DropoutText(double p) => p.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="text"/> with characters unsafe in file names replaced by '_', cut to
    /// <paramref name="max"/> characters; a 6-digit hash of the exact text is appended whenever
    /// anything was replaced or cut, so two texts never give the same name.
    /// </summary>
    internal static string Safe(string text, int max = int.MaxValue)
    {
        var sb = new StringBuilder();
        foreach (char c in text) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        string safe = sb.ToString();
        if (safe == text && safe.Length <= max) return safe;
        if (safe.Length > max) safe = safe[..max];
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..6];
        return $"{safe}-{hash}";
    }
}
