using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using InitLab.Diagnostics;

namespace InitLab.Experiments;

/// <summary>The resolved configuration of one run (config.json).</summary>
public sealed record RunConfig(string Id, string Init, int[] Layers, string Activation, ulong Seed, int Epochs, int BatchSize, string Optimizer,
    double LearningRate, string Bias, int Threads, string Data, int InitIndex, int ArchIndex, int ActivationIndex, int SeedIndex);

/// <summary>How a run ended (result.json): "ok", or "invalid" with the reason (e.g. dbn with relu).</summary>
public sealed record RunResult(string Id, string Status, string? Reason, double? FinalAccuracy, double Seconds, int Threads, DateTime FinishedUtc, Machine Machine)
{
    public bool Ok => Status == "ok";
}

/// <summary>One line of metrics.csv.</summary>
public sealed record EpochMetrics(int Epoch, double TrainCost, double TestAccuracy, double Seconds);

/// <summary>A finished run as read back from its folder.</summary>
public sealed record RunRecord(RunConfig Config, RunResult Result, IReadOnlyList<EpochMetrics> Metrics, IReadOnlyList<LayerStats> LayersInit, IReadOnlyList<LayerStats> LayersTrained);

/// <summary>The files of a run folder: names, formats, writing and reading.</summary>
public static class RunFiles
{
    public const string Config = "config.json", Metrics = "metrics.csv", LayersInit = "layers_init.csv", LayersTrained = "layers_trained.csv", Result = "result.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json) + "\n";

    public static string MetricsCsv(IEnumerable<EpochMetrics> rows)
    {
        var sb = new StringBuilder("epoch,train_cost,test_accuracy,seconds\n");
        foreach (var r in rows) sb.Append(CultureInfo.InvariantCulture, $"{r.Epoch},{r.TrainCost:R},{r.TestAccuracy:R},{r.Seconds:F6}\n");
        return sb.ToString();
    }

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
        var config = ReadJson<RunConfig>(Path.Combine(dir, Config));
        var result = ReadJson<RunResult>(Path.Combine(dir, Result));
        if (!result.Ok) return new RunRecord(config, result, [], [], []);
        return new RunRecord(config, result, ReadCsv(Path.Combine(dir, Metrics), 4, f => new EpochMetrics((int)f[0], f[1], f[2], f[3])),
            ReadCsv(Path.Combine(dir, LayersInit), 7, ToStats), ReadCsv(Path.Combine(dir, LayersTrained), 7, ToStats));
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
