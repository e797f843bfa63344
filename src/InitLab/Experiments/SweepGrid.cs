using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace InitLab.Experiments;

/// <summary>
/// One combination of a sweep: an initializer spec, layer sizes, an activation and a seed.
/// The *Index fields record the order the user listed them in, so a report can keep that order.
/// </summary>
public sealed record SweepRun(string Init, int[] Sizes, string Activation, ulong Seed, int InitIndex, int ArchIndex, int ActivationIndex, int SeedIndex)
{
    /// <summary>"784-256-256-10".</summary>
    public string Architecture => string.Join("-", Sizes);

    /// <summary>
    /// The stable folder name: init, architecture, activation and seed, with characters unsafe in
    /// file names replaced; a short hash of the exact spec is added when anything was replaced, so
    /// two specs never share a folder.
    /// </summary>
    public string Id => $"{SweepGrid.Safe(Init)}__{FolderArchitecture}__{SweepGrid.Safe(Activation)}__s{Seed.ToString(CultureInfo.InvariantCulture)}";

    // A deep network's sizes (784-100-...-10, 100 layers) pass the 255-byte limit of a file name;
    // then equal neighbours are written SIZExN (784-100x99-10). Shorter names keep the plain form,
    // so the folders of existing sweeps keep their names.
    private string FolderArchitecture => Architecture.Length <= 120 ? Architecture : Compact(Sizes);

    private static string Compact(int[] sizes)
    {
        var parts = new List<string>();
        for (int i = 0; i < sizes.Length;)
        {
            int j = i;
            while (j + 1 < sizes.Length && sizes[j + 1] == sizes[i]) j++;
            int n = j - i + 1;
            parts.Add(n == 1 ? sizes[i].ToString(CultureInfo.InvariantCulture) : $"{sizes[i].ToString(CultureInfo.InvariantCulture)}x{n.ToString(CultureInfo.InvariantCulture)}");
            i = j + 1;
        }
        return string.Join("-", parts);
    }
}

/// <summary>The grid of a sweep (inits × architectures × activations × seeds) and its shards.</summary>
public static class SweepGrid
{
    /// <summary>Every combination, sorted by <see cref="SweepRun.Id"/> (ordinal), so every process builds the same list.</summary>
    public static IReadOnlyList<SweepRun> Build(IReadOnlyList<string> inits, IReadOnlyList<int[]> architectures, IReadOnlyList<string> activations,
        int seeds, ulong firstSeed)
    {
        if (inits.Count == 0) throw new ArgumentException("A sweep needs at least one initializer.");
        if (architectures.Count == 0) throw new ArgumentException("A sweep needs at least one architecture.");
        if (activations.Count == 0) throw new ArgumentException("A sweep needs at least one activation.");
        if (seeds < 1) throw new UserInputException($"A sweep needs at least one seed, got {seeds}.");
        var runs = new List<SweepRun>();
        for (int i = 0; i < inits.Count; i++)
            for (int a = 0; a < architectures.Count; a++)
                for (int f = 0; f < activations.Count; f++)
                    for (int s = 0; s < seeds; s++)
                        runs.Add(new SweepRun(inits[i].Trim(), architectures[a], activations[f].Trim().ToLowerInvariant(), firstSeed + (ulong)s, i, a, f, s));
        var duplicate = runs.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new UserInputException($"The sweep lists the same run twice ({duplicate.Key}); remove the repeated initializer, architecture or activation.");
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

    internal static string Safe(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        string safe = sb.ToString();
        if (safe == text) return safe;
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..6];
        return $"{safe}-{hash}";
    }
}
