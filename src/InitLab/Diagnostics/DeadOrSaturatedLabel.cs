using InitLab.Nn;

namespace InitLab.Diagnostics;

/// <summary>
/// What an activation's dead-or-saturated fraction (<see cref="LayerStats.DeadOrSaturated"/>)
/// counts, by the activation's name: the word every front end (inspect's tables and plots, the
/// report, the web view's sweep charts) puts on that figure.
/// </summary>
public static class DeadOrSaturatedLabel
{
    /// <summary>The heading used where an activation has no such notion (identity) or an unknown name: its figures are NaN and shown as "-".</summary>
    public const string Fallback = "saturated";

    /// <summary>
    /// "dead" (units that never turn on: ReLU, leaky ReLU with slope 0, ...) or "saturated"
    /// (outputs stuck near a limit: tanh, sigmoid, ...) for the activation named
    /// <paramref name="activation"/>; null when it has no such notion or the name is unknown.
    /// </summary>
    public static string? Of(string activation) =>
        Activations.TryCreate(activation, out var layer) ? layer.DeadOrSaturatedLabel : null;

    /// <summary>As <see cref="Of"/>, with <see cref="Fallback"/> for null: a column heading that is always there.</summary>
    public static string Heading(string activation) => Of(activation) ?? Fallback;
}
