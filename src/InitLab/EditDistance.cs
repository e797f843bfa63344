namespace InitLab;

/// <summary>
/// "Did you mean" for names a user typed: the optimal-string-alignment (Damerau) distance, so a
/// swapped pair of letters (trian, unifrom) costs one edit as people expect, not two.
/// </summary>
internal static class EditDistance
{
    /// <summary>Edits (insert, delete, substitute, swap two neighbours) that turn a into b, ignoring case.</summary>
    public static int Between(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int best = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) best = Math.Min(best, d[i - 2, j - 2] + 1);
                d[i, j] = best;
            }
        return d[a.Length, b.Length];
    }

    /// <summary>
    /// The candidates close to <paramref name="typed"/>, nearest first (ties in the candidates'
    /// order). Close means at most a third of the typed length in edits (at least 1, at most 3),
    /// or a candidate that starts with what was typed: short names allow few typos, so "relu"
    /// does not suggest "tanh".
    /// </summary>
    public static IReadOnlyList<string> Nearest(string typed, IEnumerable<string> candidates, int max = 5)
    {
        int limit = Math.Clamp(typed.Length / 3, 1, 3);
        return candidates
            .Distinct(StringComparer.Ordinal)
            .Select((c, order) => (c, order, d: Between(typed, c)))
            .Where(x => x.d <= limit || (typed.Length >= 3 && x.c.StartsWith(typed, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(x => x.d).ThenBy(x => x.order)
            .Take(max)
            .Select(x => x.c)
            .ToList();
    }
}
