using System.Text;
using System.Text.Json;
using InitLab.Init;
using InitLab.Nn;

namespace InitLab.Training;

/// <summary>
/// The canonical JSON form of a <see cref="TrainConfig"/>: one key per setting, always in this
/// order, every default written out, initializers in canonical spelling. Written by hand with
/// Utf8JsonWriter so the form is fixed by this file, not by a serializer's conventions, and read
/// back with an error that names the source and the field.
/// </summary>
internal static class TrainConfigJson
{
    private static readonly string[] Keys =
        ["data", "layers", "activation", "init", "bias", "optimizer", "lr", "momentum", "nesterov", "weight_decay", "batch_size", "epochs", "seed", "dropout", "norm", "residual"];
    // "dropout", "norm" and "residual" came later: a file without them (an older checkpoint or
    // run folder) reads them as their defaults, so it stays readable and equal to a new plain run.

    public static string Write(TrainConfig c)
    {
        var o = c.Optimizer.Canonical;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("data", c.Data);
            w.WriteStartArray("layers");
            foreach (int s in c.Layers) w.WriteNumberValue(s);
            w.WriteEndArray();
            w.WriteString("activation", CanonicalActivation(c.Activation));
            w.WriteString("init", CanonicalInit(c.Init));
            w.WriteString("bias", c.Init.Bias.Canonical);
            w.WriteString("optimizer", o.Name);
            w.WriteNumber("lr", o.LearningRate);
            w.WriteNumber("momentum", o.Momentum);
            w.WriteBoolean("nesterov", o.Nesterov);
            w.WriteNumber("weight_decay", o.WeightDecay!.Value);
            w.WriteNumber("batch_size", c.BatchSize);
            w.WriteNumber("epochs", c.Epochs);
            w.WriteNumber("seed", c.Seed);
            w.WriteNumber("dropout", c.Dropout);
            w.WriteString("norm", Models.MlpOptions.NameOf(c.Norm));
            w.WriteNumber("residual", c.Residual);
            // Written only when set, so every configuration without it keeps its canonical form.
            if (c.ZeroGamma) w.WriteBoolean("zero_gamma", true);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>The weight initializers in canonical spelling, joined by '|'.</summary>
    internal static string CanonicalInit(InitPlan plan) => string.Join("|", plan.Weights.Select(w => w.Canonical));

    /// <summary>The activation as the registry names it (lower case, '-' for '_'); unknown names are kept as given for Validate to report.</summary>
    private static string CanonicalActivation(string name)
    {
        try
        {
            return Activations.NameOf(Activations.Create(name));
        }
        catch (ArgumentException)
        {
            return name;
        }
    }

    /// <summary>
    /// Reads the canonical form. With <paramref name="validate"/> false, each field is still
    /// checked on its own but not against the others (a sweep records runs whose initializer list
    /// does not fit their layers as invalid, and their config.json must stay readable).
    /// </summary>
    public static TrainConfig Read(string json, string source, bool validate = true)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new UserInputException($"{source}: not valid JSON ({e.Message}).", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new UserInputException($"{source}: expected a JSON object with the run's settings, found {root.ValueKind}.");
            foreach (var p in root.EnumerateObject())
                if (!Keys.Contains(p.Name) && p.Name != "zero_gamma") throw new UserInputException($"{source}: unknown setting '{p.Name}'; a configuration has {string.Join(", ", Keys)} (and zero_gamma, written when true).");
            var r = new Reader(root, source);
            string data = r.String("data");
            var layers = r.Get("layers", JsonValueKind.Array).EnumerateArray().Select((e, i) =>
                e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : throw r.Bad("layers", $"entry {i} is not an integer")).ToArray();
            string init = r.String("init"), bias = r.String("bias");
            InitPlan plan;
            try
            {
                plan = InitPlan.Parse(init, bias);
            }
            catch (FormatException e)
            {
                throw new UserInputException($"{source}: field 'init'/'bias': {e.Message}", e);
            }
            var config = new TrainConfig
            {
                Data = data,
                Layers = layers,
                Activation = r.String("activation"),
                Init = plan,
                Optimizer = new OptimizerConfig
                {
                    Name = r.String("optimizer"),
                    LearningRate = r.Double("lr"),
                    Momentum = r.Double("momentum"),
                    Nesterov = r.Get("nesterov", JsonValueKind.True, JsonValueKind.False).GetBoolean(),
                    WeightDecay = r.Double("weight_decay"),
                },
                BatchSize = r.Int("batch_size"),
                Epochs = r.Int("epochs"),
                Seed = r.Get("seed", JsonValueKind.Number).TryGetUInt64(out ulong seed) ? seed : throw r.Bad("seed", "is not an integer in 0..2^64-1"),
                Dropout = root.TryGetProperty("dropout", out _) ? r.Double("dropout") : 0,
                Norm = root.TryGetProperty("norm", out _) ? ReadNorm(r, r.String("norm")) : Models.NormKind.None,
                Residual = root.TryGetProperty("residual", out _) ? r.Int("residual") : 0,
                ZeroGamma = root.TryGetProperty("zero_gamma", out _) && r.Get("zero_gamma", JsonValueKind.True, JsonValueKind.False).GetBoolean(),
            };
            try
            {
                return validate ? config.Validate() : config;
            }
            catch (UserInputException e)
            {
                throw new UserInputException($"{source}: {e.Message}", e);
            }
        }
    }

    private static Models.NormKind ReadNorm(Reader r, string text)
    {
        try
        {
            return Models.MlpOptions.ParseNorm(text);
        }
        catch (FormatException e)
        {
            throw r.Bad("norm", $"'{text}' is not none, batch or layer ({e.Message})");
        }
    }

    public static IReadOnlyList<string> Differences(TrainConfig a, TrainConfig b, string[] ignore)
    {
        using var da = JsonDocument.Parse(a.ToJson());
        using var db = JsonDocument.Parse(b.ToJson());
        var list = new List<string>();
        foreach (string key in Keys)
        {
            if (ignore.Contains(key)) continue;
            string x = da.RootElement.GetProperty(key).GetRawText(), y = db.RootElement.GetProperty(key).GetRawText();
            if (x != y) list.Add($"{key}: {Compact(x)} vs {Compact(y)}");
        }
        if (a.ZeroGamma != b.ZeroGamma && !ignore.Contains("zero_gamma"))
            list.Add($"zero_gamma: {(a.ZeroGamma ? "true" : "false")} vs {(b.ZeroGamma ? "true" : "false")}");
        return list;
    }

    private static string Compact(string raw) => string.Join("", raw.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries)).Trim('"');

    private readonly struct Reader(JsonElement root, string source)
    {
        public JsonElement Get(string key, params JsonValueKind[] kinds)
        {
            if (!root.TryGetProperty(key, out var e)) throw new UserInputException($"{source}: setting '{key}' is missing.");
            if (!kinds.Contains(e.ValueKind)) throw Bad(key, $"is {e.ValueKind}, expected {string.Join(" or ", kinds)}");
            return e;
        }

        public string String(string key) => Get(key, JsonValueKind.String).GetString()!;

        public double Double(string key)
        {
            var e = Get(key, JsonValueKind.Number);
            return e.TryGetDouble(out double v) && double.IsFinite(v) ? v : throw Bad(key, "is not a finite number");
        }

        public int Int(string key) => Get(key, JsonValueKind.Number).TryGetInt32(out int v) ? v : throw Bad(key, "is not a 32-bit integer");

        public UserInputException Bad(string key, string what) => new($"{source}: setting '{key}' {what}.");
    }
}
