using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Init;

/// <summary>
/// Every initializer, one line each: its formula for listings, its typed parameters with
/// defaults, and how it fills a weight. The same table drives parsing, validation, the
/// canonical form and <c>initlab inits</c>.
/// </summary>
internal static class InitRegistry
{
    /// <summary>An initializer: formula, parameters in canonical order, fill, and rules between parameters (null when none is broken).</summary>
    internal sealed record Entry(string Formula, InitParameter[] Parameters, Action<Tensor, TorchGenerator, InitSpec> Apply,
        Func<InitSpec, string?>? Check = null)
    {
        public int IndexOf(string key) => Array.FindIndex(Parameters, p => p.Key == key);
    }

    private static RealParameter Real(string key, string def, double? min = null, bool above = false, double? max = null, string? why = null) =>
        new(key, def, min, above, max, why);

    private static IntegerParameter Int(string key, string def, int min) => new(key, def, min);

    private static readonly string[] FanInOut = ["fan_in", "fan_out"];

    private static readonly string[] Nonlinearities = ["linear", "identity", "conv1d", "conv2d", "conv3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"];

    private const string TorchStd = "PyTorch refuses a negative std";

    /// <summary>A rule <c>lo &lt;= hi</c> (or <c>lo &lt; hi</c>) between two real parameters, with the reason.</summary>
    private static Func<InitSpec, string?> Ordered(string lo, string hi, bool strict, string why) => s =>
    {
        double a = s.Real(lo), b = s.Real(hi);
        return (strict ? a < b : a <= b) ? null
            : $"{lo} must be {(strict ? "below" : "at most")} {hi}, got {lo}={a.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, {hi}={b.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} ({why}).";
    };

    private static Entry Keras(double scale, string mode, string distribution, string formula) =>
        new(formula, [], (t, g, _) => Initializers.VarianceScaling(t, g, scale, mode, distribution));

    public static readonly Dictionary<string, Entry> Entries = new()
    {
        ["default"] = new("torch.nn.Linear's own: W ~ U(±1/sqrt(fan_in)) (kaiming_uniform with a=sqrt(5)), b ~ U(±1/sqrt(fan_in))", [], (_, _, _) => { }),
        ["zeros"] = new("W = 0", [], (t, _, _) => Initializers.Zeros(t)),
        ["ones"] = new("W = 1", [], (t, _, _) => Initializers.Constant(t, 1f)),
        ["constant"] = new("W = val", [Real("val", "0")], (t, _, s) => Initializers.Constant(t, (float)s.Real("val"))),
        ["eye"] = new("W = I (ones on the diagonal)", [], (t, _, _) => Initializers.Eye(t)),
        ["uniform"] = new("W ~ U(a, b)", [Real("a", "0"), Real("b", "1")], (t, g, s) => Initializers.Uniform(t, g, s.Real("a"), s.Real("b")),
            Ordered("a", "b", strict: false, "torch's uniform_ requires from <= to")),
        ["normal"] = new("W ~ N(mean, std²)", [Real("mean", "0"), Real("std", "1", min: 0, why: TorchStd)],
            (t, g, s) => Initializers.Normal(t, g, s.Real("mean"), s.Real("std"))),
        ["trunc-normal"] = new("W ~ N(mean, std²) truncated to [a, b]", [Real("mean", "0"), Real("std", "1", min: 0, above: true), Real("a", "-2"), Real("b", "2")],
            (t, g, s) => Initializers.TruncNormal(t, g, s.Real("mean"), s.Real("std"), s.Real("a"), s.Real("b")),
            Ordered("a", "b", strict: true, "the interval [a, b] must not be empty")),
        ["xavier-uniform"] = new("W ~ U(±gain·sqrt(6/(fan_in+fan_out)))", [new GainParameter("gain", "1")], (t, g, s) => Initializers.XavierUniform(t, g, s.Gain("gain"))),
        ["xavier-normal"] = new("W ~ N(0, gain²·2/(fan_in+fan_out))", [new GainParameter("gain", "1")], (t, g, s) => Initializers.XavierNormal(t, g, s.Gain("gain"))),
        ["kaiming-uniform"] = new("W ~ U(±gain·sqrt(3/fan)), gain = calculate_gain(nonlinearity, a)",
            [Real("a", "0"), new ChoiceParameter("mode", "fan_in", FanInOut), new ChoiceParameter("nonlinearity", "leaky_relu", Nonlinearities)],
            (t, g, s) => Initializers.KaimingUniform(t, g, s.Real("a"), s.Choice("mode"), s.Choice("nonlinearity"))),
        ["kaiming-normal"] = new("W ~ N(0, gain²/fan), gain = calculate_gain(nonlinearity, a)",
            [Real("a", "0"), new ChoiceParameter("mode", "fan_in", FanInOut), new ChoiceParameter("nonlinearity", "leaky_relu", Nonlinearities)],
            (t, g, s) => Initializers.KaimingNormal(t, g, s.Real("a"), s.Choice("mode"), s.Choice("nonlinearity"))),
        ["orthogonal"] = new("W = gain·Q, Q from the QR of a standard normal matrix (sign-fixed)", [new GainParameter("gain", "1")],
            (t, g, s) => Initializers.Orthogonal(t, g, s.Gain("gain"))),
        ["sparse"] = new("W ~ N(0, std²), then ceil(sparsity·rows) entries of each column set to 0",
            [Real("sparsity", "0.1", min: 0, max: 1), Real("std", "0.01", min: 0, why: TorchStd)],
            (t, g, s) => Initializers.Sparse(t, g, s.Real("sparsity"), s.Real("std"))),
        ["variance-scaling"] = new("Keras: variance scale/n, n = fan_in, fan_out or fan_avg; truncated_normal, untruncated_normal or uniform",
            [Real("scale", "1", min: 0, above: true, why: "Keras requires a positive scale"), new ChoiceParameter("mode", "fan_in", ["fan_in", "fan_out", "fan_avg"]),
             new ChoiceParameter("distribution", "truncated_normal", ["truncated_normal", "untruncated_normal", "uniform"], new() { ["normal"] = "untruncated_normal" })],
            (t, g, s) => Initializers.VarianceScaling(t, g, s.Real("scale"), s.Choice("mode"), s.Choice("distribution"))),
        ["keras:glorot-uniform"] = Keras(1, "fan_avg", "uniform", "Keras GlorotUniform: U(±sqrt(6/(fan_in+fan_out)))"),
        ["keras:glorot-normal"] = Keras(1, "fan_avg", "truncated_normal", "Keras GlorotNormal: truncated N, variance 2/(fan_in+fan_out)"),
        ["keras:he-uniform"] = Keras(2, "fan_in", "uniform", "Keras HeUniform: U(±sqrt(6/fan_in))"),
        ["keras:he-normal"] = Keras(2, "fan_in", "truncated_normal", "Keras HeNormal: truncated N, variance 2/fan_in"),
        ["keras:lecun-uniform"] = Keras(1, "fan_in", "uniform", "Keras LecunUniform: U(±sqrt(3/fan_in))"),
        ["keras:lecun-normal"] = Keras(1, "fan_in", "truncated_normal", "Keras LecunNormal: truncated N, variance 1/fan_in; the init SELU is made for (Klambauer et al. 2017: self-normalizing networks)"),
        ["keras:random-normal"] = new("Keras RandomNormal: W ~ N(mean, stddev²)", [Real("mean", "0"), Real("stddev", "0.05", min: 0, why: TorchStd)],
            (t, g, s) => Initializers.Normal(t, g, s.Real("mean"), s.Real("stddev"))),
        ["keras:random-uniform"] = new("Keras RandomUniform: W ~ U(minval, maxval)", [Real("minval", "-0.05"), Real("maxval", "0.05")],
            (t, g, s) => Initializers.Uniform(t, g, s.Real("minval"), s.Real("maxval")),
            Ordered("minval", "maxval", strict: false, "the draws come from torch's uniform_, which requires from <= to")),
        // Truncation at mean ± 2·stddev needs a positive stddev, or the interval is empty.
        ["keras:truncated-normal"] = new("Keras TruncatedNormal: N(mean, stddev²) with values beyond 2 stddev of the mean redrawn",
            [Real("mean", "0"), Real("stddev", "0.05", min: 0, above: true)],
            (t, g, s) => Initializers.TruncNormal(t, g, s.Real("mean"), s.Real("stddev"), s.Real("mean") - 2 * s.Real("stddev"), s.Real("mean") + 2 * s.Real("stddev"))),
        ["keras:constant"] = new("Keras Constant: W = value", [Real("value", "0")], (t, _, s) => Initializers.Constant(t, (float)s.Real("value"))),
        ["keras:identity"] = new("Keras Identity: W = gain·I (ones on the diagonal)", [new GainParameter("gain", "1")], (t, _, s) => Initializers.Eye(t, (float)s.Gain("gain"))),
        ["mean-field"] = new("W ~ N(0, weight_var/fan_in): mean-field theory's σw² = weight_var (1: LeCun, 2: He)",
            [Real("weight_var", "1", min: 0, why: "a variance cannot be negative")],
            (t, g, s) => Initializers.Normal(t, g, 0, Math.Sqrt(s.Real("weight_var") / Fan.Of(t).FanIn))),
        ["critical"] = new("W ~ N(0, σw²/fan_in) with σw² on the critical line χ₁ = 1 (edge of chaos) for the activation and bias_var; auto: the network's activation and the --bias rule's variance",
            [new ChoiceParameter("activation", "auto", CriticalInit.Activations), new AutoRealParameter("bias_var")],
            (t, g, s) => Initializers.Normal(t, g, 0, Math.Sqrt(CriticalInit.WeightVariance(s) / Fan.Of(t).FanIn))),
        ["dbn"] = new("Deep belief network: each hidden layer pretrained as a Bernoulli RBM (CD-k with momentum 0.5 then 0.9, or PCD without momentum; weight decay) on the layer below, the output layer from `top`; needs --activation sigmoid",
            [Int("epochs", "10", 1), Real("lr", "0.1", min: 0, above: true), Int("cd", "1", 1), new BooleanParameter("pcd", "0"), Int("batch", "100", 1),
             Real("wd", "0.0002", min: 0), new SpecParameter("top", "xavier-uniform")],
            (_, _, _) => throw new InvalidOperationException("dbn initializes a whole network from data; apply it with InitPlan.Apply (or Mlp.Create) and an InitContext.")),
        ["lsuv"] = new("Mishkin & Matas: orthogonal, zero biases, then each layer's weights rescaled on a batch of training data until its output variance is within tol of 1",
            [Real("tol", "0.1", min: 0, above: true), Int("iters", "10", 1), Int("batch", "256", 1)], (t, g, _) => Initializers.Orthogonal(t, g)),

        // Initializers made for residual networks (issue 13). Each fills a weight here; what they
        // do to the blocks (zeroed last layers, scaled branches, α = 0) is in InitPlan.Apply's
        // residual pass, since it depends on where a Linear sits.
        ["fixup"] = new("Fixup (Zhang, Dauphin & Ma 2019): W ~ He normal N(0, 2/fan_in); in each of the L residual branches the first Linear ×L^(-1/(2m-2)) = L^(-1/2) (m = 2 layers) and the last = 0; the output Linear's W and b = 0; the branch Linears' biases = 0 (the paper's scalar biases, held per unit by each Linear's bias) and a learnable multiplier α = 1 on each branch (the scalar biases before each Linear and activation are not added)",
            [], (t, g, _) => Initializers.KaimingNormal(t, g, 0, "fan_in", "relu")),
        ["skipinit"] = new("SkipInit (De & Smith 2020) / ReZero (Bachlechner et al. 2020): each residual block gets a learnable gain α = 0 on its branch, so it starts as the identity; Linear weights keep PyTorch's default",
            [], (_, _, _) => { }),
        ["zero-hadamard"] = new("ZerO (Zhao et al. 2022), deterministic: W = I when in = out; otherwise c·I*·H·I*, the (out, in) corner of the Hadamard matrix of size 2^m, m = ceil(log2 max(in, out)), c = 2^(-(m-1)/2); the last Linear of each residual branch = 0",
            [], (t, _, _) => Initializers.ZerO(t)),
    };

    public static readonly Dictionary<string, string> Aliases = new()
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
        // Residual networks (issue 13).
        ["rezero"] = "skipinit",
        ["zer0"] = "zero-hadamard",
    };

    /// <summary>The typed default of <paramref name="key"/> in <paramref name="name"/>'s line, for option records that share it.</summary>
    public static T Default<T>(string name, string key) => (T)Entries[name].Parameters.Single(p => p.Key == key).Default;
}
