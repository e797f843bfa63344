using InitLab.Random;
using InitLab.Tensors;
using static InitLab.Init.InitRegistry;

namespace InitLab.Init;

/// <summary>
/// An initializer chosen by name with parameters, as written on the command line:
/// <c>NAME</c> or <c>NAME:key=value,key=value</c>, e.g. <c>kaiming-normal:mode=fan_out,nonlinearity=relu</c>.
/// Values are typed and checked once, when the spec is built; two specs are equal when their
/// <see cref="Canonical"/> forms are.
/// </summary>
public sealed class InitSpec : IEquatable<InitSpec>
{
    private readonly Entry _entry;
    private readonly object[] _values;
    private readonly Dictionary<string, string> _given;

    private InitSpec(string name, Entry entry, object[] values, Dictionary<string, string> given)
    {
        (Name, _entry, _values, _given) = (name, entry, values, given);
        Canonical = entry.Parameters.Length == 0 ? name
            : $"{name}:{string.Join(",", entry.Parameters.Select((p, i) => $"{p.Key}={p.Format(values[i])}"))}";
    }

    /// <summary>The canonical name (aliases resolved).</summary>
    public string Name { get; }

    /// <summary>The parameters given, as typed (keys lower-case), in the order given; defaults are not included.</summary>
    public IReadOnlyDictionary<string, string> Arguments => _given;

    /// <summary>
    /// The canonical name with every parameter and its value (defaults filled in) in the
    /// registry's order, numbers in invariant round-trip form, choices lower-case: he_normal gives
    /// <c>kaiming-normal:a=0,mode=fan_in,nonlinearity=leaky_relu</c>. <c>Parse(Canonical)</c> equals this spec.
    /// </summary>
    public string Canonical { get; }

    /// <summary>True for <c>default</c>: keep what the Linear constructor drew.</summary>
    public bool IsTorchDefault => Name == "default";

    /// <summary>True for the initializers that set every weight to one value (zeros, ones, constant, keras:constant).</summary>
    public bool IsConstant => Name is "zeros" or "ones" or "constant" or "keras:constant";

    /// <summary>True for <c>critical</c>, whose σw² depends on the activation and the bias variance (see <see cref="InitPlan.Apply"/>).</summary>
    public bool IsCritical => Name == "critical";

    /// <summary>True for <c>lsuv</c>, which also needs a batch of training data (see <see cref="LsuvOptions"/>).</summary>
    public bool IsLsuv => Name == "lsuv";

    /// <summary>True for <c>dbn</c>, which pretrains on the training data (see <see cref="DbnOptions"/>).</summary>
    public bool IsDbn => Name == "dbn";

    /// <summary>Every initializer name with its formula and parameters ("key=default"), for listings.</summary>
    public static IEnumerable<(string Name, string Formula, string[] Parameters, string[] Aliases)> Catalog =>
        Entries.Select(kv => (kv.Key, kv.Value.Formula, kv.Value.Parameters.Select(p => $"{p.Key}={p.DefaultText}").ToArray(),
            Aliases.Where(a => a.Value == kv.Key).Select(a => a.Key).ToArray()));

    /// <summary>Every registry initializer with its default parameters, in listing order.</summary>
    public static IReadOnlyList<InitSpec> Registered => Entries.Keys.Select(n => Create(n)).ToArray();

    /// <summary>Parses <c>NAME[:key=value,...]</c>; throws <see cref="FormatException"/> naming the initializer and key.</summary>
    public static InitSpec Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException("An initializer name is required.");
        int colon = text.IndexOf(':');
        string name = NormalizeName(colon < 0 ? text : text[..colon]);
        if (name == "keras" && colon >= 0)
        {
            // keras:he-normal[:key=value...] names a Keras initializer, not parameters.
            int next = text.IndexOf(':', colon + 1);
            name = "keras:" + NormalizeName(next < 0 ? text[(colon + 1)..] : text[(colon + 1)..next]);
            colon = next;
        }
        var entry = Resolve(ref name, m => new FormatException(m));
        var given = colon < 0 ? new Dictionary<string, string>() : SplitArguments(name, entry, text[(colon + 1)..]);
        var values = Defaults(entry);
        foreach (var (key, value) in given)
        {
            int i = entry.IndexOf(key);
            values[i] = entry.Parameters[i].FromText(value, out string error) ?? throw new FormatException($"{name}: {error}");
        }
        return Build(name, entry, values, given, m => new FormatException(m));
    }

    /// <summary>
    /// Builds a spec from typed values, for programs: <c>InitSpec.Create("kaiming-normal", ("mode", "fan_out"), ("a", 0.2))</c>.
    /// Numbers as int or double, switches as bool, choices and gains as text (a gain also as a
    /// number), a nested initializer as an <see cref="InitSpec"/>. The rules are those of
    /// <see cref="Parse"/>; a broken one throws <see cref="ArgumentException"/>.
    /// </summary>
    public static InitSpec Create(string name, params (string Key, object Value)[] arguments)
    {
        name = NormalizeName(name);
        var entry = Resolve(ref name, m => new ArgumentException(m));
        var values = Defaults(entry);
        var given = new Dictionary<string, string>();
        foreach (var (rawKey, value) in arguments)
        {
            string key = rawKey.Trim().ToLowerInvariant();
            int i = entry.IndexOf(key);
            if (i < 0) throw new ArgumentException(NoSuchParameter(name, entry, key));
            if (given.ContainsKey(key)) throw new ArgumentException($"{name}: {key} is given twice.");
            var p = entry.Parameters[i];
            values[i] = p.FromValue(value, out string error) ?? throw new ArgumentException($"{name}: {error}");
            given[key] = values[i] is InitSpec nested ? nested.ToString() : p.Format(values[i]);
        }
        return Build(name, entry, values, given, m => new ArgumentException(m));
    }

    private static Entry Resolve(ref string name, Func<string, Exception> fail)
    {
        if (Aliases.TryGetValue(name, out var canonical)) name = canonical;
        return Entries.TryGetValue(name, out var entry) ? entry
            : throw fail(UnknownName(name));
    }

    // PyTorch's in-place function names end in '_' (kaiming_normal_): with '_' read as '-', a
    // trailing '-' is dropped so they work as aliases of the registry's names.
    private static string NormalizeName(string text) => text.Trim().ToLowerInvariant().Replace('_', '-').TrimEnd('-');

    // Near matches first and the full list left to `initlab inits`: forty names on one line hide the one meant.
    private static string UnknownName(string name)
    {
        var names = Entries.Keys.Concat(Aliases.Keys).ToList();
        var near = EditDistance.Nearest(name, names);
        // Suggestions on their own line: with the option's name in front, one line would not fit 80 columns.
        string suggestions = near.Count == 0 ? "" : $"\nDid you mean {string.Join(" or ", near.Select(n => $"'{n}'"))}?";
        return $"Unknown initializer '{name}'.{suggestions}\n'initlab inits' lists all {Entries.Count} initializers with their parameters.";
    }

    private static object[] Defaults(Entry entry) => entry.Parameters.Select(p => p.Default).ToArray();

    private static InitSpec Build(string name, Entry entry, object[] values, Dictionary<string, string> given, Func<string, Exception> fail)
    {
        var spec = new InitSpec(name, entry, values, given);
        if (entry.Check?.Invoke(spec) is { } error) throw fail($"{name}: {error}");
        return spec;
    }

    private static string NoSuchParameter(string name, Entry entry, string key) =>
        $"Initializer '{name}' has no parameter '{key}'" +
        (entry.Parameters.Length == 0 ? " (it takes none)." : $"; it takes {string.Join(", ", entry.Parameters.Select(p => p.Key))}.");

    /// <summary>
    /// Splits <c>key=value,...</c>. A nested initializer (dbn's top) keeps the parts after it that
    /// are not the outer initializer's keys once it has a parameter list of its own, so
    /// <c>top=kaiming-normal:a=0,mode=fan_out</c> stays whole (its keys never clash with dbn's).
    /// </summary>
    private static Dictionary<string, string> SplitArguments(string name, Entry entry, string text)
    {
        var given = new Dictionary<string, string>();
        string? nestedKey = null;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new FormatException($"Initializer argument '{part}' is not of the form key=value.");
            string key = part[..eq].Trim().ToLowerInvariant();
            int i = entry.IndexOf(key);
            if (i < 0 && nestedKey is not null && given[nestedKey].Contains('='))
            {
                given[nestedKey] += "," + part;
                continue;
            }
            if (i < 0) throw new FormatException(NoSuchParameter(name, entry, key));
            if (!given.TryAdd(key, part[(eq + 1)..].Trim())) throw new FormatException($"{name}: {key} is given twice.");
            nestedKey = entry.Parameters[i] is SpecParameter ? key : null;
        }
        return given;
    }

    /// <summary>Fills a weight tensor (out, in) as this initializer does.</summary>
    public void Apply(Tensor weight, TorchGenerator generator) => _entry.Apply(weight, generator, this);

    private object Value(string key)
    {
        int i = _entry.IndexOf(key);
        return i >= 0 ? _values[i] : throw new InvalidOperationException($"Initializer '{Name}' has no parameter '{key}'.");
    }

    internal double Real(string key) => (double)Value(key);

    internal int Integer(string key) => (int)Value(key);

    internal bool Boolean(string key) => (bool)Value(key);

    internal string Choice(string key) => (string)Value(key);

    internal double Gain(string key) => ((GainValue)Value(key)).Value;

    internal InitSpec Spec(string key) => (InitSpec)Value(key);

    /// <summary>Equal when the canonical forms are: aliases, defaults written out or left off, and case do not matter.</summary>
    public bool Equals(InitSpec? other) => other is not null && Canonical == other.Canonical;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as InitSpec);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Canonical);

    /// <summary>The short form people read: the canonical name and the parameters as they were given.</summary>
    public override string ToString() =>
        _given.Count == 0 ? Name : $"{Name}:{string.Join(",", _given.Select(kv => $"{kv.Key}={kv.Value}"))}";
}
