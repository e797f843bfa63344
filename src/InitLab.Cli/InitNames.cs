using InitLab.Init;

namespace InitLab.Cli;

/// <summary>
/// Initializers are shown as the user typed them (he-normal, not kaiming-normal); where the
/// registry's name differs, a footnote says which initializer that is.
/// </summary>
internal static class InitNames
{
    /// <summary>The registry's short form of <paramref name="typed"/> (aliases resolved, parameters as given), or the text itself when it does not parse.</summary>
    public static string Canonical(string typed)
    {
        try { return string.Join("|", InitPlan.Parse(typed).Weights.Select(w => w.ToString())); }
        catch (Exception e) when (e is FormatException or ArgumentException or UserInputException or KeyNotFoundException) { return typed; }
    }

    /// <summary>The registry's name of the weights' initializers when the user typed another (an alias such as he-normal), else null.</summary>
    public static string? Alias(string typed, InitPlan plan)
    {
        string canonical = string.Join("|", plan.Weights);
        return string.Equals(typed.Trim(), canonical, StringComparison.OrdinalIgnoreCase) ? null : canonical;
    }

    /// <summary>"he-normal is kaiming-normal; ..." for the typed names whose registry name differs (other than by case), or null when none does.</summary>
    public static string? Footnote(IEnumerable<string> typed)
    {
        var differing = typed.Distinct().Select(t => (Typed: t, Canonical: Canonical(t)))
            .Where(p => !string.Equals(p.Typed, p.Canonical, StringComparison.OrdinalIgnoreCase)).ToList();
        return differing.Count == 0 ? null : "Names as typed; " + string.Join("; ", differing.Select(p => $"{p.Typed} is {p.Canonical}")) + ".";
    }
}
