using System.Globalization;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Init;

/// <summary>
/// An initializer chosen by name with parameters, as written on the command line:
/// <c>NAME</c> or <c>NAME:key=value,key=value</c>, e.g. <c>kaiming-normal:mode=fan_out,nonlinearity=relu</c>.
/// </summary>
public sealed class InitSpec
{
    private readonly Dictionary<string, string> _args;
    private readonly Entry _entry;

    private InitSpec(string name, Entry entry, Dictionary<string, string> args) => (Name, _entry, _args) = (name, entry, args);

    /// <summary>The canonical name (aliases resolved).</summary>
    public string Name { get; }

    public IReadOnlyDictionary<string, string> Arguments => _args;

    /// <summary>True for <c>default</c>: keep what the Linear constructor drew.</summary>
    public bool IsTorchDefault => Name == "default";

    private sealed record Entry(string Formula, string[] Keys, Action<Tensor, TorchGenerator, InitSpec> Apply);

    private static readonly Dictionary<string, Entry> Registry = new()
    {
        ["default"] = new("torch.nn.Linear's own: kaiming_uniform(a=sqrt(5)) weight, U(±1/sqrt(fan_in)) bias", [], (_, _, _) => { }),
        ["zeros"] = new("W = 0", [], (t, _, _) => Initializers.Zeros(t)),
        ["ones"] = new("W = 1", [], (t, _, _) => Initializers.Constant(t, 1f)),
        ["constant"] = new("W = val", ["val"], (t, _, s) => Initializers.Constant(t, (float)s.Get("val", 0))),
        ["uniform"] = new("W ~ U(a, b)", ["a", "b"], (t, g, s) => Initializers.Uniform(t, g, s.Get("a", 0), s.Get("b", 1))),
        ["normal"] = new("W ~ N(mean, std²)", ["mean", "std"], (t, g, s) => Initializers.Normal(t, g, s.Get("mean", 0), s.Get("std", 1))),
        ["xavier-uniform"] = new("W ~ U(±gain·sqrt(6/(fan_in+fan_out)))", ["gain"], (t, g, s) => Initializers.XavierUniform(t, g, s.Get("gain", 1))),
        ["xavier-normal"] = new("W ~ N(0, gain²·2/(fan_in+fan_out))", ["gain"], (t, g, s) => Initializers.XavierNormal(t, g, s.Get("gain", 1))),
        ["kaiming-uniform"] = new("W ~ U(±gain·sqrt(3/fan)), gain from nonlinearity and a", ["a", "mode", "nonlinearity"],
            (t, g, s) => Initializers.KaimingUniform(t, g, s.Get("a", 0), s.GetString("mode", "fan_in"), s.GetString("nonlinearity", "leaky_relu"))),
        ["kaiming-normal"] = new("W ~ N(0, gain²/fan), gain from nonlinearity and a", ["a", "mode", "nonlinearity"],
            (t, g, s) => Initializers.KaimingNormal(t, g, s.Get("a", 0), s.GetString("mode", "fan_in"), s.GetString("nonlinearity", "leaky_relu"))),
    };

    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["he-uniform"] = "kaiming-uniform",
        ["he-normal"] = "kaiming-normal",
        ["glorot-uniform"] = "xavier-uniform",
        ["glorot-normal"] = "xavier-normal",
        ["zero"] = "zeros",
    };

    /// <summary>Every initializer name with its formula and parameters, for listings.</summary>
    public static IEnumerable<(string Name, string Formula, string[] Keys)> Catalog =>
        Registry.Select(kv => (kv.Key, kv.Value.Formula, kv.Value.Keys));

    /// <summary>Parses <c>NAME[:key=value,...]</c>; throws <see cref="FormatException"/> with a readable message.</summary>
    public static InitSpec Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException("An initializer name is required.");
        int colon = text.IndexOf(':');
        string name = (colon < 0 ? text : text[..colon]).Trim().ToLowerInvariant().Replace('_', '-');
        if (Aliases.TryGetValue(name, out var canonical)) name = canonical;
        if (!Registry.TryGetValue(name, out var entry))
            throw new FormatException($"Unknown initializer '{name}'. Known: {string.Join(", ", Registry.Keys.Concat(Aliases.Keys).Order())}.");
        var args = new Dictionary<string, string>();
        if (colon >= 0)
        {
            foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int eq = part.IndexOf('=');
                if (eq <= 0) throw new FormatException($"Initializer argument '{part}' is not of the form key=value.");
                string key = part[..eq].Trim().ToLowerInvariant();
                if (!entry.Keys.Contains(key))
                    throw new FormatException($"Initializer '{name}' has no parameter '{key}'" +
                        (entry.Keys.Length == 0 ? " (it takes none)." : $"; it takes {string.Join(", ", entry.Keys)}."));
                args[key] = part[(eq + 1)..].Trim();
            }
        }
        var spec = new InitSpec(name, entry, args);
        foreach (var key in args.Keys.Where(k => k is not ("mode" or "nonlinearity"))) spec.Get(key, 0);
        return spec;
    }

    /// <summary>Fills a weight tensor (out, in) as this initializer does.</summary>
    public void Apply(Tensor weight, TorchGenerator generator) => _entry.Apply(weight, generator, this);

    private double Get(string key, double fallback)
    {
        if (!_args.TryGetValue(key, out var s)) return fallback;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)) return v;
        throw new FormatException($"Initializer '{Name}': {key}={s} is not a number.");
    }

    private string GetString(string key, string fallback) => _args.GetValueOrDefault(key, fallback);

    public override string ToString() =>
        _args.Count == 0 ? Name : $"{Name}:{string.Join(",", _args.Select(kv => $"{kv.Key}={kv.Value}"))}";
}
