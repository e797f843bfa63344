using System.Globalization;

namespace InitLab.Init;

/// <summary>The bias rules of <see cref="BiasInit"/>.</summary>
public enum BiasKind
{
    /// <summary>PyTorch's default, except zeros in a layer whose weights are all one value.</summary>
    Auto,

    /// <summary>PyTorch's U(±1/sqrt(fan_in)), kept as the Linear constructor drew it.</summary>
    Default,

    /// <summary>Every bias 0.</summary>
    Zeros,

    /// <summary>Every bias <see cref="BiasInit.Value"/>.</summary>
    Constant,

    /// <summary>
    /// Biases drawn from N(0, <see cref="BiasInit.Value"/>²): the σb² of mean-field theory. The
    /// draws come from the network's generator after every weight, layer by layer in order.
    /// </summary>
    Normal,
}

/// <summary>
/// What biases get: PyTorch's default U(±1/sqrt(fan_in)), zeros, or a constant; or auto (the
/// default): PyTorch's default, except zeros in a layer whose weights are all one value
/// (zeros, ones, constant), so that such a layer is the symmetric start the study note
/// describes. PyTorch's random biases would break that symmetry: with them, zero weights
/// learn (measured on mnist-20k: 2 of 3 seeds reach about 94.5%).
/// </summary>
/// <param name="Kind">Which rule.</param>
/// <param name="Value">The bias value for <see cref="BiasKind.Constant"/> (finite), the standard deviation for <see cref="BiasKind.Normal"/> (finite, ≥ 0); 0 for the other kinds.</param>
public sealed record BiasInit(BiasKind Kind, float Value)
{
    /// <summary>The choices, for help texts: what each one does.</summary>
    public const string Choices =
        "auto (the default: PyTorch's, but zeros in a layer whose weights are zeros, ones or constant), " +
        "default (PyTorch's U(±1/sqrt(fan_in))), zeros, constant:val=X or normal:std=S (N(0, S²), mean-field theory's σb² = S²)";

    /// <summary>PyTorch's default, except zeros under constant weights.</summary>
    public static readonly BiasInit Auto = new(BiasKind.Auto, 0);

    /// <summary>PyTorch's U(±1/sqrt(fan_in)), as the Linear constructor drew it.</summary>
    public static readonly BiasInit Default = new(BiasKind.Default, 0);

    /// <summary>Every bias 0.</summary>
    public static readonly BiasInit Zeros = new(BiasKind.Zeros, 0);

    /// <summary>Every bias <paramref name="value"/> (finite).</summary>
    public static BiasInit Constant(float value) => float.IsFinite(value) ? new(BiasKind.Constant, value)
        : throw new ArgumentException($"A constant bias must be a finite number, got {value.ToString(CultureInfo.InvariantCulture)}.");

    /// <summary>Biases drawn from N(0, <paramref name="std"/>²), so σb² = std² (finite, ≥ 0).</summary>
    public static BiasInit Normal(float std) => float.IsFinite(std) && std >= 0 ? new(BiasKind.Normal, std)
        : throw new ArgumentException($"A normal bias needs a finite std ≥ 0, got {std.ToString(CultureInfo.InvariantCulture)}.");

    /// <summary>The variance each bias has under this rule (σb² of mean-field theory) in a layer of <paramref name="fanIn"/> inputs: 0, val², std², or 1/(3·fan_in) for PyTorch's uniform default; <see cref="BiasKind.Auto"/> must be resolved first.</summary>
    /// <remarks>A constant bias b enters mean-field theory's length and covariance maps exactly as a random one with E[b²] = b² does.</remarks>
    public double Variance(int fanIn) => Kind switch
    {
        BiasKind.Zeros => 0,
        BiasKind.Constant or BiasKind.Normal => (double)Value * Value,
        BiasKind.Default => 1.0 / (3.0 * fanIn),
        _ => throw new InvalidOperationException("auto biases depend on the layer's weight initializer; resolve them with InitPlan.BiasForLayer first."),
    };

    /// <summary>Parses <c>--bias</c>: auto, default, zeros (or zero), constant:val=NUMBER, normal:std=NUMBER.</summary>
    public static BiasInit Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t is "auto" or "") return Auto;
        if (t is "default") return Default;
        if (t is "zeros" or "zero") return new(BiasKind.Zeros, 0);
        if (t.StartsWith("constant:val=", StringComparison.Ordinal) &&
            float.TryParse(t["constant:val=".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v))
            return new(BiasKind.Constant, v);
        if (t.StartsWith("normal:std=", StringComparison.Ordinal) &&
            float.TryParse(t["normal:std=".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out float std) && float.IsFinite(std) && std >= 0)
            return new(BiasKind.Normal, std);
        throw new FormatException($"Bias initializer '{text}' is not auto, default, zeros, constant:val=NUMBER or normal:std=NUMBER (≥ 0).");
    }

    /// <summary>The rule as <see cref="Parse"/> reads it back to an equal value, the constant in round-trip form.</summary>
    public string Canonical => Kind switch
    {
        BiasKind.Constant => $"constant:val={Value.ToString("R", CultureInfo.InvariantCulture)}",
        BiasKind.Normal => $"normal:std={Value.ToString("R", CultureInfo.InvariantCulture)}",
        _ => ToString(),
    };

    /// <summary>The rule as people read it, e.g. <c>zeros</c> or <c>constant:val=0.1</c>.</summary>
    public override string ToString() => Kind switch
    {
        BiasKind.Auto => "auto",
        BiasKind.Zeros => "zeros",
        BiasKind.Constant => $"constant:val={Value.ToString(CultureInfo.InvariantCulture)}",
        BiasKind.Normal => $"normal:std={Value.ToString(CultureInfo.InvariantCulture)}",
        _ => "default",
    };
}
