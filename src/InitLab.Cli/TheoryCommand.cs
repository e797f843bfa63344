using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InitLab.Theory;

namespace InitLab.Cli;

/// <summary>`initlab theory`: mean-field fixed points, phase and depth scales for one (activation, σw², σb²).</summary>
internal static class TheoryCommand
{
    /// <summary>The command, writing to <paramref name="o"/>.</summary>
    /// <param name="o">Where the command prints.</param>
    public static Command Build(Output o)
    {
        var activation = new Option<string>("--activation") { Description = Phi.Choices + ".", DefaultValueFactory = _ => "tanh" };
        var sw2 = new Option<double>("--weight-var", "--sw2") { Description = "σw²: weight variance times fan_in.", DefaultValueFactory = _ => 1.5 };
        var sb2 = new Option<double>("--bias-var", "--sb2") { Description = "σb²: bias variance.", DefaultValueFactory = _ => 0.05 };
        var depth = new Option<int>("--depth") { Description = "Also predict q(l) and the gradient factor for layers 1..DEPTH." };
        var q0 = new Option<double>("--q0") { Description = "Input mean square |x|²/n for --depth.", DefaultValueFactory = _ => 1.0 };
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object: q_star, c_star, chi1, xi_q, xi_c, critical_weight_var (null where infinite or nonexistent); with --depth also layers.",
        };
        var plot = new Option<string?>("--plot") { Description = "Draw the (σw², σb²) phase diagram of the activation, ξ_c and the critical line, into this PNG." };
        var cmd = new Command("theory", "Mean-field signal propagation (Poole et al. 2016, Schoenholz et al. 2017): q*, χ₁, phase, depth scales, critical σw².")
        {
            activation, sw2, sb2, depth, q0, json, plot,
        };
        cmd.SetAction(p =>
        {
            string? plotPath = p.GetValue(plot);
            if (plotPath is not null) InitLab.Io.OutputCheck.Writable(plotPath, "--plot");
            var field = new MeanField(Phi.Parse(p.GetValue(activation)!), p.GetValue(sw2), p.GetValue(sb2));
            var summary = MeanFieldSummary.Of(field);
            var layers = p.GetValue(depth) > 0 ? field.Predict(p.GetValue(q0), p.GetValue(depth)) : [];
            if (p.GetValue(json)) WriteJson(o, summary, layers);
            else WriteText(o, summary, layers);
            if (plotPath is not null)
            {
                TheoryPlot.Save(plotPath, PhaseDiagram.Compute(field.Phi, 0.5, 4.0, 0.0, 0.3), summary);
                // The JSON object stays alone on stdout, so that a program can parse it.
                (p.GetValue(json) ? o.Err : o.Out).WriteLine($"Plot written to {plotPath}");
            }
            return Cli.Ok;
        });
        return cmd;
    }

    private static void WriteText(Output o, MeanFieldSummary s, IReadOnlyList<LayerPrediction> layers)
    {
        string F(double x) => double.IsFinite(x) ? x.ToString("G6", CultureInfo.InvariantCulture) : "inf";
        o.Out.WriteLine($"{s.Activation}, σw² = {F(s.WeightVariance)}, σb² = {F(s.BiasVariance)}");
        o.Out.WriteLine($"q*        {F(s.QStar)}");
        o.Out.WriteLine($"χ₁        {F(s.Chi1)}   ({s.Phase.ToString().ToLowerInvariant()}; critical σw² = {F(s.CriticalWeightVariance)} at this σb²)");
        o.Out.WriteLine($"c*        {F(s.CStar)}   (χ_c = {F(s.ChiC)})");
        o.Out.WriteLine($"ξ_q       {F(s.DepthScaleQ)} layers");
        o.Out.WriteLine($"ξ_c       {F(s.DepthScaleC)} layers");
        if (layers.Count == 0) return;
        o.Out.WriteLine();
        o.Out.WriteLine("layer  q(l)        χ(q(l))     |∂h(l)|²/|∂h(L)|²");
        foreach (var l in layers) o.Out.WriteLine($"{l.Layer,5}  {F(l.Q),-10}  {F(l.GradientFactor),-10}  {F(l.GradientNormRatio)}");
    }

    // Exactly the keys: infinite or nonexistent values (q* beyond reach, ξ at the
    // critical line) are null, which JSON can carry; the per-layer predictions only when asked for.
    private static void WriteJson(Output o, MeanFieldSummary s, IReadOnlyList<LayerPrediction> layers)
    {
        double? N(double x) => double.IsFinite(x) ? x : null;
        var doc = new Dictionary<string, object?>
        {
            ["q_star"] = N(s.QStar), ["c_star"] = N(s.CStar), ["chi1"] = N(s.Chi1),
            ["xi_q"] = N(s.DepthScaleQ), ["xi_c"] = N(s.DepthScaleC), ["critical_weight_var"] = N(s.CriticalWeightVariance),
        };
        if (layers.Count > 0)
            doc["layers"] = layers.Select(l => new { layer = l.Layer, q = N(l.Q), gradient_factor = N(l.GradientFactor), gradient_norm_ratio = N(l.GradientNormRatio) });
        o.Out.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }
}
