namespace InitLab.Init;

/// <summary>
/// How a whole network is initialized: one weight initializer for every Linear layer, or one
/// per layer (<c>spec|spec|...</c>), and what the biases get. <see cref="Apply"/> carries it out.
/// Two plans are equal when their <see cref="Canonical"/> forms are.
/// </summary>
public sealed partial class InitPlan : IEquatable<InitPlan>
{
    private readonly InitSpec[] _weights;

    private InitPlan(InitSpec[] weights, BiasInit bias) => (_weights, Bias) = (weights, bias);

    /// <summary>The bias rule (auto unless given).</summary>
    public BiasInit Bias { get; }

    /// <summary>The specs as given: one (for every layer) or one per layer.</summary>
    public IReadOnlyList<InitSpec> Weights => _weights;

    /// <summary>True when the plan is skipinit or rezero, which scale residual branches by a learnable gain α the blocks must have.</summary>
    public bool NeedsResidualGain => _weights.Any(w => w.Name is "skipinit" or "rezero" or "fixup");

    /// <summary>True when the plan looks at training data (lsuv, dbn): <see cref="Apply"/> then needs an <see cref="InitContext"/>.</summary>
    public bool NeedsData => _weights.Any(w => w.IsLsuv || w.IsDbn);

    /// <summary>Parses <c>--init</c> (NAME[:k=v,...], or several joined by |) and <c>--bias</c> (default, zeros, constant:val=X).</summary>
    public static InitPlan Parse(string init, string? bias = null)
    {
        var parts = init.Split('|', StringSplitOptions.TrimEntries);
        if (parts.Any(string.IsNullOrEmpty)) throw new FormatException($"'{init}' has an empty initializer between '|'.");
        return new InitPlan(parts.Select(InitSpec.Parse).ToArray(), BiasInit.Parse(bias ?? "auto"));
    }

    /// <summary>One initializer for every Linear layer, biases auto.</summary>
    public static InitPlan Of(InitSpec spec) => new([spec], BiasInit.Auto);

    /// <summary>One initializer for every layer, or one per layer (in order), and a bias rule (auto when null).</summary>
    public static InitPlan Of(IReadOnlyList<InitSpec> weights, BiasInit? bias = null)
    {
        if (weights.Count == 0) throw new ArgumentException("A plan needs at least one initializer.");
        return new([.. weights], bias ?? BiasInit.Auto);
    }

    /// <summary>LSUV for the whole network (default options when null); biases are set by LSUV.</summary>
    public static InitPlan Lsuv(LsuvOptions? options = null) => Of((options ?? new LsuvOptions()).ToSpec());

    /// <summary>DBN pretraining for the whole (sigmoid) network (default options when null); hidden biases come from the RBMs.</summary>
    public static InitPlan Dbn(DbnOptions? options = null) => Of((options ?? new DbnOptions()).ToSpec());

    /// <summary>
    /// What Linear layer <paramref name="index"/> of <paramref name="count"/> does to its biases
    /// (never <see cref="BiasKind.Auto"/>: auto resolves to zeros for a constant weight
    /// initializer, otherwise to PyTorch's default).
    /// </summary>
    public BiasInit BiasForLayer(int index, int count) =>
        Bias.Kind != BiasKind.Auto ? Bias : ForLayer(index, count).IsConstant ? BiasInit.Zeros : BiasInit.Default;

    /// <summary>The spec for Linear layer <paramref name="index"/> of <paramref name="count"/>.</summary>
    public InitSpec ForLayer(int index, int count)
    {
        if (_weights.Length == 1) return _weights[0];
        if (_weights.Length != count)
            throw new FormatException($"--init lists {_weights.Length} initializers for a network of {count} Linear layers; give one, or one per layer.");
        return _weights[index];
    }

    /// <summary>True when --bias auto sets some layer's biases to something other than PyTorch's default.</summary>
    public bool AutoChangesBiases(int count) =>
        Bias.Kind == BiasKind.Auto && Enumerable.Range(0, count).Any(i => BiasForLayer(i, count).Kind != BiasKind.Default);

    /// <summary>The biases as resolved for a network of <paramref name="count"/> Linear layers, e.g. "zeros (auto)".</summary>
    public string DescribeBias(int count)
    {
        if (Bias.Kind != BiasKind.Auto) return Bias.ToString();
        var kinds = Enumerable.Range(0, count).Select(i => BiasForLayer(i, count).ToString()).ToArray();
        return (kinds.Distinct().Count() == 1 ? kinds[0] : string.Join("|", kinds)) + " (auto)";
    }

    /// <summary>
    /// The weights' canonical forms joined by '|', then <c>;bias=</c> and the bias rule's canonical
    /// form, e.g. <c>zeros|xavier-uniform:gain=1;bias=auto</c>.
    /// </summary>
    public string Canonical => string.Join("|", _weights.Select(w => w.Canonical)) + ";bias=" + Bias.Canonical;

    /// <summary>Equal when the canonical forms are.</summary>
    public bool Equals(InitPlan? other) => other is not null && Canonical == other.Canonical;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as InitPlan);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Canonical);

    /// <summary>The short form people read: the specs as given and a bias rule other than auto or default.</summary>
    public override string ToString() =>
        string.Join("|", _weights.Select(w => w.ToString())) + (Bias.Kind is BiasKind.Auto or BiasKind.Default ? "" : $", bias {Bias}");
}
