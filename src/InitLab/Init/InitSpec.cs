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

    /// <summary>An initializer: its formula for listings, its parameters as "key=default", and how it fills a weight.</summary>
    private sealed record Entry(string Formula, string[] Parameters, Action<Tensor, TorchGenerator, InitSpec> Apply)
    {
        public IEnumerable<string> Keys => Parameters.Select(p => p.Split('=')[0]);
    }

    private static Entry Keras(double scale, string mode, string distribution, string formula) =>
        new(formula, [], (t, g, _) => Initializers.VarianceScaling(t, g, scale, mode, distribution));

    private static readonly Dictionary<string, Entry> Registry = new()
    {
        ["default"] = new("torch.nn.Linear's own: W ~ U(±1/sqrt(fan_in)) (kaiming_uniform with a=sqrt(5)), b ~ U(±1/sqrt(fan_in))", [], (_, _, _) => { }),
        ["zeros"] = new("W = 0", [], (t, _, _) => Initializers.Zeros(t)),
        ["ones"] = new("W = 1", [], (t, _, _) => Initializers.Constant(t, 1f)),
        ["constant"] = new("W = val", ["val=0"], (t, _, s) => Initializers.Constant(t, (float)s.Get("val"))),
        ["eye"] = new("W = I (ones on the diagonal)", [], (t, _, _) => Initializers.Eye(t)),
        ["uniform"] = new("W ~ U(a, b)", ["a=0", "b=1"], (t, g, s) => Initializers.Uniform(t, g, s.Get("a"), s.Get("b"))),
        ["normal"] = new("W ~ N(mean, std²)", ["mean=0", "std=1"], (t, g, s) => Initializers.Normal(t, g, s.Get("mean"), s.Get("std"))),
        ["trunc-normal"] = new("W ~ N(mean, std²) truncated to [a, b]", ["mean=0", "std=1", "a=-2", "b=2"],
            (t, g, s) => Initializers.TruncNormal(t, g, s.Get("mean"), s.Get("std"), s.Get("a"), s.Get("b"))),
        ["xavier-uniform"] = new("W ~ U(±gain·sqrt(6/(fan_in+fan_out)))", ["gain=1"], (t, g, s) => Initializers.XavierUniform(t, g, s.GetGain())),
        ["xavier-normal"] = new("W ~ N(0, gain²·2/(fan_in+fan_out))", ["gain=1"], (t, g, s) => Initializers.XavierNormal(t, g, s.GetGain())),
        ["kaiming-uniform"] = new("W ~ U(±gain·sqrt(3/fan)), gain = calculate_gain(nonlinearity, a)", ["a=0", "mode=fan_in", "nonlinearity=leaky_relu"],
            (t, g, s) => Initializers.KaimingUniform(t, g, s.Get("a"), s.GetString("mode"), s.GetString("nonlinearity"))),
        ["kaiming-normal"] = new("W ~ N(0, gain²/fan), gain = calculate_gain(nonlinearity, a)", ["a=0", "mode=fan_in", "nonlinearity=leaky_relu"],
            (t, g, s) => Initializers.KaimingNormal(t, g, s.Get("a"), s.GetString("mode"), s.GetString("nonlinearity"))),
        ["orthogonal"] = new("W = gain·Q, Q from the QR of a standard normal matrix (sign-fixed)", ["gain=1"], (t, g, s) => Initializers.Orthogonal(t, g, s.GetGain())),
        ["sparse"] = new("W ~ N(0, std²), then ceil(sparsity·rows) entries of each column set to 0", ["sparsity=0.1", "std=0.01"],
            (t, g, s) => Initializers.Sparse(t, g, s.Get("sparsity"), s.Get("std"))),
        ["variance-scaling"] = new("Keras: variance scale/n, n = fan_in, fan_out or fan_avg; truncated_normal, untruncated_normal or uniform",
            ["scale=1", "mode=fan_in", "distribution=truncated_normal"],
            (t, g, s) => Initializers.VarianceScaling(t, g, s.Get("scale"), s.GetString("mode"), s.GetString("distribution"))),
        ["keras:glorot-uniform"] = Keras(1, "fan_avg", "uniform", "Keras GlorotUniform: U(±sqrt(6/(fan_in+fan_out)))"),
        ["keras:glorot-normal"] = Keras(1, "fan_avg", "truncated_normal", "Keras GlorotNormal: truncated N, variance 2/(fan_in+fan_out)"),
        ["keras:he-uniform"] = Keras(2, "fan_in", "uniform", "Keras HeUniform: U(±sqrt(6/fan_in))"),
        ["keras:he-normal"] = Keras(2, "fan_in", "truncated_normal", "Keras HeNormal: truncated N, variance 2/fan_in"),
        ["keras:lecun-uniform"] = Keras(1, "fan_in", "uniform", "Keras LecunUniform: U(±sqrt(3/fan_in))"),
        ["keras:lecun-normal"] = Keras(1, "fan_in", "truncated_normal", "Keras LecunNormal: truncated N, variance 1/fan_in"),
        ["keras:random-normal"] = new("Keras RandomNormal: W ~ N(mean, stddev²)", ["mean=0", "stddev=0.05"],
            (t, g, s) => Initializers.Normal(t, g, s.Get("mean"), s.Get("stddev"))),
        ["keras:random-uniform"] = new("Keras RandomUniform: W ~ U(minval, maxval)", ["minval=-0.05", "maxval=0.05"],
            (t, g, s) => Initializers.Uniform(t, g, s.Get("minval"), s.Get("maxval"))),
        ["keras:truncated-normal"] = new("Keras TruncatedNormal: N(mean, stddev²) with values beyond 2 stddev of the mean redrawn", ["mean=0", "stddev=0.05"],
            (t, g, s) => KerasTruncatedNormal(t, g, s.Get("mean"), s.Get("stddev"))),
        ["keras:constant"] = new("Keras Constant: W = value", ["value=0"], (t, _, s) => Initializers.Constant(t, (float)s.Get("value"))),
        ["keras:identity"] = new("Keras Identity: W = gain·I (ones on the diagonal)", ["gain=1"], (t, _, s) => Initializers.Eye(t, (float)s.GetGain())),
        ["dbn"] = new("Deep belief network: each hidden layer pretrained as a Bernoulli RBM (CD-k with momentum 0.5 then 0.9, or PCD without momentum; weight decay) on the layer below, the output layer from `top`; needs --activation sigmoid",
            ["epochs=10", "lr=0.1", "cd=1", "pcd=0", "batch=100", "wd=0.0002", "top=xavier-uniform"],
            (_, _, _) => throw new InvalidOperationException("dbn initializes a whole network from data; build the network with Mlp.Create and an InitContext.")),
        ["lsuv"] = new("Mishkin & Matas: orthogonal, zero biases, then each layer's weights rescaled on a batch of training data until its output variance is within tol of 1",
            ["tol=0.1", "iters=10", "batch=256"], (t, g, _) => Initializers.Orthogonal(t, g)),
    };

    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["he-uniform"] = "kaiming-uniform",
        ["he-normal"] = "kaiming-normal",
        ["glorot-uniform"] = "xavier-uniform",
        ["glorot-normal"] = "xavier-normal",
        ["lecun-uniform"] = "keras:lecun-uniform",
        ["lecun-normal"] = "keras:lecun-normal",
        ["zero"] = "zeros",
        ["truncated-normal"] = "trunc-normal",
        // Keras initializers that are PyTorch's under another name (Keras' Orthogonal is the same
        // sign-fixed QR of a normal matrix; its draws come from PyTorch's generator like every other).
        ["keras:zeros"] = "zeros",
        ["keras:ones"] = "ones",
        ["keras:orthogonal"] = "orthogonal",
        ["keras:variance-scaling"] = "variance-scaling",
    };

    private static void KerasTruncatedNormal(Tensor t, TorchGenerator g, double mean, double stddev)
    {
        if (!(stddev > 0)) throw new ArgumentException($"keras:truncated-normal: stddev must be positive, got {stddev}.");
        Initializers.TruncNormal(t, g, mean, stddev, mean - 2 * stddev, mean + 2 * stddev);
    }

    /// <summary>Every initializer name with its formula and parameters, for listings.</summary>
    public static IEnumerable<(string Name, string Formula, string[] Parameters, string[] Aliases)> Catalog =>
        Registry.Select(kv => (kv.Key, kv.Value.Formula, kv.Value.Parameters,
            Aliases.Where(a => a.Value == kv.Key).Select(a => a.Key).ToArray()));

    /// <summary>Parses <c>NAME[:key=value,...]</c>; throws <see cref="FormatException"/> with a readable message.</summary>
    public static InitSpec Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException("An initializer name is required.");
        int colon = text.IndexOf(':');
        string name = (colon < 0 ? text : text[..colon]).Trim().ToLowerInvariant().Replace('_', '-');
        if (name == "keras" && colon >= 0)
        {
            // keras:he-normal[:key=value...] names a Keras initializer, not parameters.
            int next = text.IndexOf(':', colon + 1);
            name = "keras:" + (next < 0 ? text[(colon + 1)..] : text[(colon + 1)..next]).Trim().ToLowerInvariant().Replace('_', '-');
            colon = next;
        }
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
                        (entry.Parameters.Length == 0 ? " (it takes none)." : $"; it takes {string.Join(", ", entry.Keys)}."));
                args[key] = part[(eq + 1)..].Trim();
            }
        }
        var spec = new InitSpec(name, entry, args);
        if (spec.IsDbn && args.TryGetValue("top", out var top)) Parse(top); // fail early on a bad output-layer initializer
        foreach (var key in args.Keys)
        {
            if (key is "mode" or "nonlinearity" or "distribution" or "top") continue;
            if (key == "gain") spec.GetGain();
            else spec.Get(key);
        }
        return spec;
    }

    /// <summary>Fills a weight tensor (out, in) as this initializer does.</summary>
    public void Apply(Tensor weight, TorchGenerator generator) => _entry.Apply(weight, generator, this);

    /// <summary>
    /// The value given for <paramref name="key"/>, else its default: the "key=default" in the
    /// entry's parameter list, the one place a default is written (and what `initlab inits` shows).
    /// </summary>
    private string GetString(string key) => _args.TryGetValue(key, out var v) ? v
        : _entry.Parameters.Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == key)?[1]
          ?? throw new InvalidOperationException($"Initializer '{Name}' has no parameter '{key}'.");

    private double Get(string key)
    {
        string s = GetString(key);
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)) return v;
        throw new FormatException($"Initializer '{Name}': {key}={s} is not a number.");
    }

    /// <summary>gain=NUMBER, or gain=NONLINEARITY for calculate_gain (e.g. gain=tanh, gain=leaky_relu:0.2).</summary>
    private double GetGain()
    {
        string s = GetString("gain");
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)) return v;
        var parts = s.Split(':');
        double? param = parts.Length > 1 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double p) ? p : null;
        try
        {
            return Gain.For(parts[0], param);
        }
        catch (ArgumentException)
        {
            throw new FormatException($"Initializer '{Name}': gain={s} is neither a number nor a nonlinearity (linear, sigmoid, tanh, relu, leaky_relu, selu).");
        }
    }

    /// <summary>True for the initializers that set every weight to one value (zeros, ones, constant, keras:constant).</summary>
    public bool IsConstant => Name is "zeros" or "ones" or "constant" or "keras:constant";

    /// <summary>True for <c>lsuv</c>, which also needs a batch of training data (see <see cref="Lsuv"/>).</summary>
    public bool IsLsuv => Name == "lsuv";

    /// <summary>True for <c>dbn</c>, which pretrains on the training data (see <see cref="Dbn.DeepBeliefNetwork"/>).</summary>
    public bool IsDbn => Name == "dbn";

    /// <summary>A string parameter or its default.</summary>
    public string Text(string key) => GetString(key);

    /// <summary>A numeric parameter or its default, for initializers applied at the network level.</summary>
    public double Number(string key) => Get(key);

    public override string ToString() =>
        _args.Count == 0 ? Name : $"{Name}:{string.Join(",", _args.Select(kv => $"{kv.Key}={kv.Value}"))}";
}
