using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using InitLab.Diagnostics;
using InitLab.Init;
using InitLab.Training;

namespace InitLab.Experiments;

/// <summary>
/// One run of a sweep (config.json): its folder name, the run's <see cref="TrainConfig"/> (in its
/// canonical form under "train"), the initializer as the user typed it (reports show that name),
/// and the place of its initializer, architecture, activation and seed in the order the user listed them.
/// </summary>
/// <param name="Id">The run's folder name.</param>
/// <param name="Init">The initializer as the user typed it; reports show this name.</param>
/// <param name="Train">The run's configuration (canonical form under "train" in config.json).</param>
/// <param name="InitIndex">Position of the initializer in the listed --inits.</param>
/// <param name="ArchIndex">Position of the architecture in the listed --layers.</param>
/// <param name="ActivationIndex">Position of the activation in the listed --activation.</param>
/// <param name="SeedIndex">Position of the seed: 0 for --seed, 1 for the next, ...</param>
public sealed record RunConfig(string Id, string Init, TrainConfig Train, int InitIndex, int ArchIndex, int ActivationIndex, int SeedIndex)
{
    /// <summary>Layer sizes, input first.</summary>
    public IReadOnlyList<int> Layers => Train.Layers;

    /// <summary>The activation, canonically named.</summary>
    public string Activation => Train.Activation;

    /// <summary>The run's seed.</summary>
    public ulong Seed => Train.Seed;

    /// <summary>The grid the run belongs to (null in folders written before it was recorded).</summary>
    public SweepGridSpec? Grid { get; init; }

    /// <summary>Position of the run's normalization in the listed --norm values (0 when not an axis).</summary>
    public int NormIndex { get; init; }

    /// <summary>Position of the run's dropout probability in the listed --dropout values (0 when not an axis).</summary>
    public int DropoutIndex { get; init; }
}

/// <summary>How a run ended (result.json): "ok", or "invalid" with the reason (e.g. dbn with relu).</summary>
/// <param name="Id">The run's folder name.</param>
/// <param name="Status">"ok", or "invalid" when the combination cannot train.</param>
/// <param name="Reason">Why the run is invalid (null when ok).</param>
/// <param name="FinalAccuracy">Test accuracy after the last epoch, a fraction in [0, 1] (null when invalid).</param>
/// <param name="Seconds">Wall time of the whole run, initialization and probes included.</param>
/// <param name="Threads">Compute threads the run used.</param>
/// <param name="FinishedUtc">When the run ended, UTC.</param>
/// <param name="Machine">The machine and InitLab version that ran it.</param>
public sealed record RunResult(string Id, string Status, string? Reason, double? FinalAccuracy, double Seconds, int Threads, DateTime FinishedUtc, Machine Machine)
{
    /// <summary>True when the run trained to the end (Status "ok"); false for an invalid combination.</summary>
    public bool Ok => Status == "ok";
}

/// <summary>A finished run as read back from its folder.</summary>
/// <param name="Config">The run's config.json.</param>
/// <param name="Result">The run's result.json.</param>
/// <param name="Metrics">metrics.csv: one report per epoch (empty for an invalid run).</param>
/// <param name="LayersInit">layers_init.csv: per-layer statistics on the probe batch before training.</param>
/// <param name="LayersTrained">layers_trained.csv: the same after training.</param>
public sealed record RunRecord(RunConfig Config, RunResult Result, IReadOnlyList<EpochReport> Metrics, IReadOnlyList<LayerStats> LayersInit, IReadOnlyList<LayerStats> LayersTrained);

/// <summary>The files of a run folder: names, formats, writing and reading.</summary>
public static class RunFiles
{
    /// <summary>The run's <see cref="RunConfig"/> as JSON, written first.</summary>
    public const string Config = "config.json";

    /// <summary>One <see cref="EpochReport"/> row per epoch (<see cref="MetricsCsv"/>).</summary>
    public const string Metrics = "metrics.csv";

    /// <summary>Per-layer statistics on the probe batch right after initialization.</summary>
    public const string LayersInit = "layers_init.csv";

    /// <summary>Per-layer statistics on the same probe batch after training.</summary>
    public const string LayersTrained = "layers_trained.csv";

    /// <summary>The <see cref="RunResult"/>, written last: a folder holding it is a finished run.</summary>
    public const string Result = "result.json";

    /// <summary>
    /// The training log (<see cref="TrainingLog"/>), written by <c>train --log</c>, the web
    /// view's runs and <c>compare --log-every</c>; a run folder without one is still complete.
    /// </summary>
    public const string Log = TrainingLog.FileName;

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A value as indented snake_case JSON with a final newline (result.json).</summary>
    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json) + "\n";

    /// <summary>config.json: id, the initializer as typed, the list positions, and the canonical training configuration.</summary>
    public static string ToJson(RunConfig c)
    {
        var node = new JsonObject
        {
            ["id"] = c.Id,
            ["init_as_given"] = c.Init,
            ["init_index"] = c.InitIndex,
            ["arch_index"] = c.ArchIndex,
            ["activation_index"] = c.ActivationIndex,
            ["seed_index"] = c.SeedIndex,
        };
        // Written only where a grid varied them, so other sweeps' config.json stays as it was.
        if (c.NormIndex != 0) node["norm_index"] = c.NormIndex;
        if (c.DropoutIndex != 0) node["dropout_index"] = c.DropoutIndex;
        node["train"] = JsonNode.Parse(c.Train.ToJson());
        if (c.Grid is { } g)
            node["grid"] = new JsonObject
            {
                ["inits"] = new JsonArray([.. g.Inits.Select(i => JsonValue.Create(i))]),
                ["architectures"] = new JsonArray([.. g.Architectures.Select(a => JsonValue.Create(string.Join("-", a)))]),
                ["activations"] = new JsonArray([.. g.Activations.Select(a => JsonValue.Create(a))]),
                ["seeds"] = g.Seeds,
                ["first_seed"] = g.FirstSeed,
            };
        if (c.Grid?.Norms is { } norms) ((JsonObject)node["grid"]!)["norms"] = new JsonArray([.. norms.Select(n => JsonValue.Create(InitLab.Models.MlpOptions.NameOf(n)))]);
        if (c.Grid?.Dropouts is { } dropouts) ((JsonObject)node["grid"]!)["dropouts"] = new JsonArray([.. dropouts.Select(p => JsonValue.Create(p))]);
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Reads config.json (also the flat form of InitLab before the canonical configuration); errors name the file and field.</summary>
    public static RunConfig ReadConfig(string path)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
        try
        {
            string id = Field<string>(o, "id", path);
            int Index(string key) => o.ContainsKey(key) ? Field<int>(o, key, path) : 0;
            if (o["train"] is JsonObject train)
                return new RunConfig(id, Field<string>(o, "init_as_given", path), TrainConfigJson.Read(train.ToJsonString(), $"{path}: train", validate: false),
                    Index("init_index"), Index("arch_index"), Index("activation_index"), Index("seed_index"))
                {
                    Grid = ReadGrid(o, path), NormIndex = Index("norm_index"), DropoutIndex = Index("dropout_index"),
                };
            if (o.ContainsKey("train")) throw new InvalidDataException($"{path}: field 'train' is not an object ({o["train"]?.ToJsonString() ?? "null"}).");
            // The flat config.json of InitLab 0.1.0 sweeps.
            string init = Field<string>(o, "init", path);
            var config = new TrainConfig
            {
                Data = Field<string>(o, "data", path),
                Layers = Field<int[]>(o, "layers", path),
                Activation = Field<string>(o, "activation", path),
                Init = InitPlan.Parse(init, Field<string>(o, "bias", path)),
                Optimizer = new OptimizerConfig { Name = Field<string>(o, "optimizer", path), LearningRate = Field<double>(o, "learning_rate", path) },
                BatchSize = Field<int>(o, "batch_size", path),
                Epochs = Field<int>(o, "epochs", path),
                Seed = Field<ulong>(o, "seed", path),
            };
            return new RunConfig(id, init, config.Validate(), Index("init_index"), Index("arch_index"), Index("activation_index"), Index("seed_index"));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (UserInputException e)
        {
            throw new InvalidDataException(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}", e);
        }
    }

    /// <summary>The optional "grid" object of config.json; errors name the file and the field.</summary>
    private static SweepGridSpec? ReadGrid(JsonObject o, string path)
    {
        if (!o.ContainsKey("grid")) return null;
        if (o["grid"] is not JsonObject g) throw new InvalidDataException($"{path}: field 'grid' is not an object.");
        string where = $"{path}: grid";
        var archs = Field<string[]>(g, "architectures", where).Select(a =>
        {
            try
            {
                return InitLab.Models.Mlp.ParseSizes(a.Replace('-', ','));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or UserInputException)
            {
                throw new InvalidDataException($"{where}: field 'architectures': '{a}' is not a list of layer sizes.", e);
            }
        }).ToList();
        var spec = new SweepGridSpec(Field<string[]>(g, "inits", where), archs, Field<string[]>(g, "activations", where), Field<int>(g, "seeds", where), Field<ulong>(g, "first_seed", where))
        {
            Norms = g.ContainsKey("norms") ? Field<string[]>(g, "norms", where).Select(n =>
            {
                try
                {
                    return InitLab.Models.MlpOptions.ParseNorm(n);
                }
                catch (FormatException e)
                {
                    throw new InvalidDataException($"{where}: field 'norms': {e.Message}", e);
                }
            }).ToList() : null,
            Dropouts = g.ContainsKey("dropouts") ? Field<double[]>(g, "dropouts", where) : null,
        };
        if (spec.Seeds < 1 || spec.Inits.Count == 0 || spec.Architectures.Count == 0 || spec.Activations.Count == 0 || spec.Norms is { Count: 0 } || spec.Dropouts is { Count: 0 })
            throw new InvalidDataException($"{where}: needs at least one init, architecture, activation and seed (and norm and dropout, when listed).");
        if (spec.Dropouts is { } ps && ps.Any(p => !(p >= 0 && p < 1)))
            throw new InvalidDataException($"{where}: field 'dropouts': each must be in [0, 1).");
        return spec;
    }

    private static T Field<T>(JsonObject o, string key, string path)
    {
        var node = o[key] ?? throw new InvalidDataException($"{path}: field '{key}' is missing or null.");
        try
        {
            return node.Deserialize<T>() ?? throw new InvalidDataException($"{path}: field '{key}' is null.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: field '{key}' is not a {typeof(T).Name} ({node.ToJsonString()}).", e);
        }
    }

    /// <summary>Per-layer statistics as CSV (header, then one row per layer), the format of <see cref="LayersInit"/> and <see cref="LayersTrained"/>.</summary>
    public static string LayersCsv(IEnumerable<LayerStats> rows)
    {
        var sb = new StringBuilder("layer,units,mean,std,dead_or_saturated,weight_grad_norm,is_output\n");
        foreach (var s in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{s.Layer},{s.Units},{s.Mean:R},{s.Std:R},{s.DeadOrSaturated:R},{s.WeightGradNorm:R},{(s.IsOutput ? 1 : 0)}\n");
        return sb.ToString();
    }

    /// <summary>True when <paramref name="dir"/> is a finished run (it has result.json).</summary>
    public static bool IsFinished(string dir) => File.Exists(Path.Combine(dir, Result));

    /// <summary>Reads a finished run folder; errors name the file and what is wrong.</summary>
    public static RunRecord Read(string dir)
    {
        var config = ReadConfig(Path.Combine(dir, Config));
        string resultPath = Path.Combine(dir, Result);
        var result = CheckResult(ReadJson<RunResult>(resultPath), resultPath);
        if (!result.Ok) return new RunRecord(config, result, [], [], []);
        string metrics = Path.Combine(dir, Metrics);
        return new RunRecord(config, result, MetricsCsv.Parse(File.ReadAllText(metrics), metrics, config.Train.Epochs),
            ReadLayers(Path.Combine(dir, LayersInit), config), ReadLayers(Path.Combine(dir, LayersTrained), config));
    }

    /// <summary>
    /// Refuses a result.json that parsed but lacks what a report reads (`{}` deserializes to a
    /// record of nulls, which would fail later without naming the file).
    /// </summary>
    private static RunResult CheckResult(RunResult r, string path)
    {
        if (string.IsNullOrEmpty(r.Id)) throw new InvalidDataException($"{path}: field 'id' is missing or empty.");
        if (r.Status is not ("ok" or "invalid")) throw new InvalidDataException($"{path}: field 'status' must be \"ok\" or \"invalid\", got {(r.Status is null ? "nothing" : $"\"{r.Status}\"")}.");
        if (r.Ok && r.FinalAccuracy is not { } a) throw new InvalidDataException($"{path}: field 'final_accuracy' is missing for a run with status \"ok\".");
        if (r.Ok && r.FinalAccuracy is < 0 or > 1) throw new InvalidDataException($"{path}: field 'final_accuracy' must be between 0 and 1, got {r.FinalAccuracy}.");
        if (r.Machine is null) throw new InvalidDataException($"{path}: field 'machine' is missing.");
        return r;
    }

    /// <summary>
    /// One row per Linear layer of the run (layers - 1) and one per residual block; more or fewer
    /// cannot be averaged with the other seeds. (Folders written before blocks had rows have only
    /// the Linear layers' rows; they are read too.)
    /// </summary>
    private static List<LayerStats> ReadLayers(string path, RunConfig config)
    {
        var rows = ReadCsv(path, 7, ToStats);
        int linears = config.Layers.Count - 1, expected = linears + config.Train.Residual;
        if (rows.Count != expected && rows.Count != linears)
            throw new InvalidDataException($"{path}: expected {expected} rows (one per layer of {config.Train.Architecture}" +
                (config.Train.Residual > 0 ? $" and per residual block" : "") + $"), found {rows.Count}.");
        return rows;
    }

    private static LayerStats ToStats(double[] f) => new((int)f[0], (int)f[1], f[2], f[3], f[4], f[5], f[6] != 0);

    private static T ReadJson<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: the file holds null, not a {typeof(T).Name}.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid {typeof(T).Name} ({e.Message}).", e);
        }
    }

    private static List<T> ReadCsv<T>(string path, int fields, Func<double[], T> make)
    {
        var rows = new List<T>();
        var lines = File.ReadAllLines(path);
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var parts = lines[i].Split(',');
            if (parts.Length != fields) throw new InvalidDataException($"{path}, line {i + 1}: expected {fields} comma-separated fields, found {parts.Length}.");
            var values = new double[fields];
            for (int k = 0; k < fields; k++)
                if (!double.TryParse(parts[k], NumberStyles.Float, CultureInfo.InvariantCulture, out values[k]))
                    throw new InvalidDataException($"{path}, line {i + 1}, field {k + 1}: '{parts[k]}' is not a number.");
            rows.Add(make(values));
        }
        return rows;
    }
}
