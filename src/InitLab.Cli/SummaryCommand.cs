using System.CommandLine;
using System.Globalization;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;

namespace InitLab.Cli;

/// <summary>`initlab summary` (and `--summary` on train and inspect): the network layer by layer, as Keras' model.summary() prints it.</summary>
internal static class SummaryCommand
{
    /// <summary>The `summary` command.</summary>
    public static Command Build(Output o)
    {
        var layers = new Option<string>("--layers") { Description = "Layer sizes, input first; SIZExN repeats a layer.", DefaultValueFactory = _ => "784,256,256,10" };
        var activation = new Option<string>("--activation") { Description = $"{Activations.Choices}.", DefaultValueFactory = _ => "relu" };
        var cmd = new Command("summary", "Print a network layer by layer: output shapes and parameter counts (no data, no training).") { layers, activation, Cli.Verbose };
        cmd.SetAction(p =>
        {
            int[] sizes = Options.Parse(() => Mlp.ParseSizes(p.GetValue(layers)!), "--layers");
            string act = Canonical(p.GetValue(activation)!);
            Print(o.Out, Network(sizes, act), $"{string.Join('-', sizes)} {act}");
            return Cli.Ok;
        });
        return cmd;
    }

    /// <summary>The --summary switch of train and inspect.</summary>
    public static Option<bool> Option() => new("--summary") { Description = "Print the network layer by layer (output shapes, parameter counts) before starting." };

    /// <summary>The canonical name of an activation as typed (relU → relu), or a usage error naming --activation.</summary>
    public static string Canonical(string activation) => Options.Parse(() => Activations.NameOf(Activations.Create(activation)), "--activation");

    /// <summary>An untrained network of these sizes, only for its shapes and counts: PyTorch's default init, seed 0.</summary>
    public static Sequential Network(IReadOnlyList<int> sizes, string activation) =>
        Mlp.Create(sizes, activation, InitPlan.Parse("default", "auto"), new TorchGenerator(0));

    /// <summary>
    /// Keras' layout: one row per layer with its output shape ("(None, 256)": any batch size)
    /// and parameter count, then the totals (float32, so 4 bytes each).
    /// </summary>
    public static void Print(TextWriter w, Sequential model, string title)
    {
        var c = CultureInfo.InvariantCulture;
        var rows = new List<(string Layer, string Shape, long Params)>();
        int features = model.Layers.OfType<Linear>().First().InFeatures;
        var counts = new Dictionary<string, int>();
        foreach (var layer in model.Layers)
        {
            string type = layer is Linear ? "Linear" : layer is Activation ? Activations.NameOf(layer) : layer.GetType().Name;
            string key = layer is Linear ? "linear" : type.Split(':')[0];
            counts[key] = counts.GetValueOrDefault(key) + 1;
            features = layer.OutputFeatures(features);
            long n = layer.Parameters.Sum(p => (long)p.Value.Length);
            rows.Add(($"{key}_{counts[key]} ({type})", $"(None, {features})", n));
        }
        int w1 = Math.Max(22, rows.Max(r => r.Layer.Length) + 2), w2 = 16, w3 = 12;
        string rule = new('=', w1 + w2 + w3);
        w.WriteLine($"Model: {title}");
        w.WriteLine(rule);
        w.WriteLine($"{"Layer (type)".PadRight(w1)}{"Output Shape".PadRight(w2)}{"Param #".PadLeft(w3)}");
        w.WriteLine(rule);
        foreach (var r in rows) w.WriteLine($"{r.Layer.PadRight(w1)}{r.Shape.PadRight(w2)}{r.Params.ToString("N0", c).PadLeft(w3)}");
        w.WriteLine(rule);
        long total = rows.Sum(r => r.Params);
        w.WriteLine($"Total params: {total.ToString("N0", c)} ({Size(total * 4)})");
        w.WriteLine($"Trainable params: {total.ToString("N0", c)}");
        w.WriteLine("Non-trainable params: 0");
    }

    private static string Size(long bytes) => bytes >= 1 << 20
        ? (bytes / 1048576.0).ToString("0.00", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1024.0).ToString("0.00", CultureInfo.InvariantCulture) + " KB";
}
