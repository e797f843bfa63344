using System.Globalization;

namespace InitLab.Nn;

/// <summary>
/// The activation layers by name: the one place that knows which names exist, how a name (with
/// its parameter) turns into a layer, and which name a layer goes by. The command line parses
/// with it, model files store and read its names ("initlab.activation"), help texts list them.
/// </summary>
public static class Activations
{
    /// <summary>torch.nn.LeakyReLU's default negative slope; a leaky ReLU with it is named plain "leaky-relu".</summary>
    public const float DefaultNegativeSlope = 0.01f;

    private const string LeakyPrefix = "leaky-relu:";

    // One line per activation: its kind, canonical name, and how a layer of it is made.
    private static readonly (ActivationKind Kind, string Name, Func<float, Activation> Create)[] Table =
    [
        (ActivationKind.Relu, "relu", _ => new Relu()),
        (ActivationKind.LeakyRelu, "leaky-relu", slope => new LeakyRelu(slope)),
        (ActivationKind.Sigmoid, "sigmoid", _ => new Sigmoid()),
        (ActivationKind.Tanh, "tanh", _ => new Tanh()),
        (ActivationKind.Selu, "selu", _ => new Selu()),
        (ActivationKind.PRelu, "prelu", _ => new PRelu()),
    ];

    /// <summary>The canonical names, in the order help texts list them: relu, leaky-relu, sigmoid, tanh, selu, prelu.</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(e => e.Name).ToArray();

    /// <summary>The names as a help text says them: "relu, leaky-relu, sigmoid, tanh, selu or prelu".</summary>
    public static string Choices { get; } = string.Join(", ", Names.Take(Names.Count - 1)) + " or " + Names[^1];

    /// <summary>
    /// A new layer of <paramref name="kind"/>; <paramref name="negativeSlope"/> is used by
    /// <see cref="ActivationKind.LeakyRelu"/> only.
    /// </summary>
    public static Activation Create(ActivationKind kind, float negativeSlope = DefaultNegativeSlope) =>
        Entry(kind).Create(negativeSlope);

    /// <summary>
    /// A new layer from a name: relu, leaky-relu (slope 0.01, or leaky-relu:0.2 for another slope),
    /// sigmoid or tanh; case and surrounding spaces are ignored, '_' may stand for '-', and
    /// "leakyrelu" is accepted too. An unknown name, or a slope that is not a finite number, is an
    /// <see cref="ArgumentException"/> listing the known ones.
    /// </summary>
    public static Activation Create(string name)
    {
        if (TryCreate(name, out var layer)) return layer;
        string n = Normalize(name);
        if (n.StartsWith(LeakyPrefix, StringComparison.Ordinal) && float.TryParse(n[LeakyPrefix.Length..], CultureInfo.InvariantCulture, out _))
            throw new ArgumentException($"Activation '{name}': the negative slope must be a finite number.");
        throw new ArgumentException($"Unknown activation '{name}'; use {string.Join(", ", Names)}.");
    }

    /// <summary>As <see cref="Create(string)"/>, returning false instead of throwing for an unknown name.</summary>
    public static bool TryCreate(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Activation? layer)
    {
        string n = Normalize(name);
        layer = null;
        if (n.StartsWith(LeakyPrefix, StringComparison.Ordinal))
        {
            // NaN or ±Inf would turn every negative input into NaN: not a slope, so not a name.
            if (!float.TryParse(n[LeakyPrefix.Length..], CultureInfo.InvariantCulture, out float slope) || !float.IsFinite(slope)) return false;
            layer = new LeakyRelu(slope);
            return true;
        }
        if (n == "leakyrelu") n = "leaky-relu";
        foreach (var e in Table)
            if (e.Name == n)
            {
                layer = e.Create(DefaultNegativeSlope);
                return true;
            }
        return false;
    }

    /// <summary>The kind of one of the built-in activation layers; an <see cref="ArgumentException"/> for any other layer.</summary>
    public static ActivationKind KindOf(Layer layer) => layer switch
    {
        Relu => ActivationKind.Relu,
        LeakyRelu => ActivationKind.LeakyRelu,
        Sigmoid => ActivationKind.Sigmoid,
        Tanh => ActivationKind.Tanh,
        Selu => ActivationKind.Selu,
        PRelu => ActivationKind.PRelu,
        _ => throw new ArgumentException($"{layer} is not an activation a model file can name."),
    };

    /// <summary>
    /// The canonical name of an activation layer, the one model files store: "relu", "leaky-relu"
    /// (default slope), "leaky-relu:0.2" (any other slope, round-trip formatted), "sigmoid" or "tanh".
    /// <see cref="Create(string)"/> of it makes an equal layer. An <see cref="ArgumentException"/> for other layers.
    /// </summary>
    public static string NameOf(Layer layer)
    {
        var kind = KindOf(layer);
        if (layer is LeakyRelu { NegativeSlope: var slope } && slope != DefaultNegativeSlope)
            return LeakyPrefix + slope.ToString("R", CultureInfo.InvariantCulture);
        return Entry(kind).Name;
    }

    /// <summary>A name in the form names are compared in: trimmed, lower case, '_' as '-'.</summary>
    public static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace('_', '-');

    private static (ActivationKind Kind, string Name, Func<float, Activation> Create) Entry(ActivationKind kind) =>
        Table.FirstOrDefault(e => e.Kind == kind) is { Name: not null } e
            ? e : throw new ArgumentOutOfRangeException(nameof(kind), $"{kind} is not an activation kind.");
}
