namespace InitLab.Models;

/// <summary>Normalization layers an MLP can put after each hidden Linear.</summary>
public enum NormKind
{
    /// <summary>No normalization (the note's networks).</summary>
    None,

    /// <summary>torch.nn.BatchNorm1d after each hidden Linear: <see cref="Nn.BatchNorm1d"/>.</summary>
    Batch,

    /// <summary>torch.nn.LayerNorm after each hidden Linear: <see cref="Nn.LayerNorm"/>.</summary>
    Layer,
}

/// <summary>
/// What an MLP has besides Linear layers and activations. The defaults (no dropout, no
/// normalization, no residual blocks) build exactly the plain network, with the same draws.
/// </summary>
public sealed record MlpOptions
{
    /// <summary>The plain network.</summary>
    public static MlpOptions Plain { get; } = new();

    /// <summary>Dropout probability after each hidden activation, in [0, 1); 0 adds no Dropout layer.</summary>
    public double Dropout { get; init; }

    /// <summary>Normalization after each hidden Linear (and inside each residual branch after each Linear).</summary>
    public NormKind Norm { get; init; }

    /// <summary>
    /// Residual blocks (x + branch(x), branch = Linear → [norm] → activation → Linear → [norm]) of the
    /// last hidden width, between the last hidden layer and the output Linear; 0 for none.
    /// </summary>
    public int Residual { get; init; }

    /// <summary>Whether each residual block has a learnable scalar gain α on its branch (SkipInit, ReZero).</summary>
    public bool ResidualGain { get; init; }

    /// <summary>
    /// Goyal et al. 2017: the last normalization of each residual branch starts with γ = 0 (β = 0),
    /// so the block starts as the identity. Only with a <see cref="Norm"/> and residual blocks.
    /// </summary>
    public bool ZeroGamma { get; init; }

    /// <summary>True when nothing is added to the plain network.</summary>
    public bool IsPlain => Dropout == 0 && Norm == NormKind.None && Residual == 0;

    /// <summary>The canonical name of a <see cref="NormKind"/>: none, batch or layer.</summary>
    public static string NameOf(NormKind kind) => kind switch
    {
        NormKind.Batch => "batch",
        NormKind.Layer => "layer",
        _ => "none",
    };

    /// <summary>none, batch or layer (case and spaces ignored); otherwise a <see cref="FormatException"/> listing them.</summary>
    public static NormKind ParseNorm(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" or "" => NormKind.None,
        "batch" or "batchnorm" or "bn" => NormKind.Batch,
        "layer" or "layernorm" or "ln" => NormKind.Layer,
        _ => throw new FormatException($"Normalization '{text}' is not known; use none, batch or layer."),
    };
}
