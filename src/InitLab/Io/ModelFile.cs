using System.Globalization;
using InitLab.Models;
using InitLab.Nn;

namespace InitLab.Io;

/// <summary>A network read from a model file: the layers, their sizes (input first) and the activation's name.</summary>
/// <param name="Model">The network.</param>
/// <param name="Sizes">Layer sizes, input first.</param>
/// <param name="Activation">The activation's registry name (e.g. "relu", "leaky-relu:0.2").</param>
public sealed record LoadedModel(Sequential Model, int[] Sizes, string Activation);

/// <summary>
/// Saves and loads dense networks (Linear, activation, Linear, ...) as safetensors with the
/// names PyTorch gives the same nn.Sequential: "0.weight", "0.bias", "2.weight", ... (the index
/// counts the activation modules too), so a PyTorch user can load_state_dict the file. The
/// architecture goes into the metadata ("initlab.layers", "initlab.activation").
/// </summary>
public static partial class ModelFile
{
    /// <summary>Metadata key: the layer sizes, input first, comma-separated ("784,256,10").</summary>
    public const string LayersKey = "initlab.layers";

    /// <summary>Metadata key: the activation's name between the Linear layers ("relu", "sigmoid", ...).</summary>
    public const string ActivationKey = "initlab.activation";

    /// <summary>Writes the model atomically (temporary file, flush, rename), with the SHA-256 of its tensor data (<see cref="SafeTensors.ChecksumKey"/>).</summary>
    public static void Save(Sequential model, string path)
    {
        var (tensors, metadata) = ToTensors(model);
        SafeTensors.AddChecksum(metadata, tensors);
        SafeTensors.Write(path, tensors, metadata);
    }

    /// <summary>The model's tensors under PyTorch's names (sharing the weights' arrays) and its architecture metadata.</summary>
    public static (List<NamedTensor> Tensors, Dictionary<string, string> Metadata) ToTensors(Sequential model)
    {
        if (!IsPlain(model)) return ArchitectureToTensors(model);
        var (sizes, activation) = Describe(model);
        var tensors = new List<NamedTensor>();
        for (int i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i] is not Linear l) continue;
            tensors.Add(new NamedTensor($"{i}.weight", [l.OutFeatures, l.InFeatures], l.Weight.Value.Data));
            if (l.Bias is not null) tensors.Add(new NamedTensor($"{i}.bias", [l.OutFeatures], l.Bias.Value.Data));
        }
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [LayersKey] = string.Join(",", sizes),
            [ActivationKey] = activation,
        };
        return (tensors, metadata);
    }

    /// <summary>The layer sizes and activation name of Linear, act, Linear, ..., Linear (the same activation throughout).</summary>
    public static (int[] Sizes, string Activation) Describe(Sequential model)
    {
        var layers = model.Layers;
        if (layers.Count == 0 || layers.Count % 2 == 0)
            throw new ArgumentException("Only networks of Linear layers with one activation between each pair can be saved.");
        var sizes = new List<int>();
        string? activation = null;
        for (int i = 0; i < layers.Count; i++)
        {
            if (i % 2 == 0)
            {
                if (layers[i] is not Linear l) throw new ArgumentException($"Layer {i} is {layers[i]}, where a Linear was expected.");
                if (sizes.Count > 0 && sizes[^1] != l.InFeatures) throw new ArgumentException($"Layer {i} takes {l.InFeatures} inputs after {sizes[^1]} outputs.");
                if (sizes.Count == 0) sizes.Add(l.InFeatures);
                sizes.Add(l.OutFeatures);
                continue;
            }
            string name = Activations.NameOf(layers[i]);
            if (activation is not null && activation != name) throw new ArgumentException($"Layer {i} is {name} but earlier ones are {activation}; one activation throughout is expected.");
            activation = name;
        }
        return (sizes.ToArray(), activation ?? "relu");
    }

    /// <summary>
    /// Reads a model. With InitLab metadata the sizes and activation come from the file, and the
    /// tensors must match them; <paramref name="activation"/>, if given, must agree. A file without
    /// it (e.g. written by PyTorch) needs <paramref name="activation"/>; the sizes are inferred from
    /// the weights' shapes in index order. Problems are <see cref="SafeTensorsFormatException"/>s.
    /// </summary>
    /// <remarks>A training checkpoint (<see cref="CheckpointFile"/>) loads too: its model tensors are used.</remarks>
    public static LoadedModel Load(string path, string? activation = null) =>
        FromContent(path, CheckpointFile.ModelPart(SafeTensors.Read(path)), activation);

    /// <summary>As <see cref="Load"/>, from content already read; <paramref name="path"/> names the file in errors.</summary>
    public static LoadedModel FromContent(string path, SafeTensorsContent content, string? activation = null)
    {
        if (content.U32Tensors.FirstOrDefault() is { } words)
            throw new SafeTensorsFormatException(path, $"tensor '{words.Name}' is U32, not a network parameter.");
        var byName = content.Tensors.ToDictionary(t => t.Name);
        var meta = content.Metadata;
        if (HasArchitecture(meta)) return ArchitectureFromContent(path, content, activation);
        int[] sizes;
        if (meta.TryGetValue(LayersKey, out string? layersText))
        {
            try
            {
                // A network of n sizes has n - 1 weight tensors: more sizes than that cannot match,
                // so they are refused before they are expanded.
                sizes = Mlp.ParseSizesUpTo(layersText, content.Tensors.Count + 1);
            }
            catch (FormatException e)
            {
                throw new SafeTensorsFormatException(path, $"metadata {LayersKey} '{(layersText.Length <= 80 ? layersText : layersText[..77] + "...")}' is not a list of layer sizes for the file's {content.Tensors.Count} tensors ({e.Message}).");
            }
        }
        else sizes = InferSizes(path, byName);
        string act = ChooseActivation(path, meta, activation);
        // Check every name and shape before allocating a layer: the metadata is untrusted, and
        // "100000,100000" must not allocate 40 GB before the tensors are found not to match.
        var expected = new Dictionary<string, int[]>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            expected[$"{2 * i}.weight"] = [sizes[i + 1], sizes[i]];
            if (byName.ContainsKey($"{2 * i}.bias")) expected[$"{2 * i}.bias"] = [sizes[i + 1]];
        }
        foreach (var (name, shape) in expected) Check(path, byName, name, shape);
        if (byName.Keys.FirstOrDefault(k => !expected.ContainsKey(k)) is { } extra)
            throw new SafeTensorsFormatException(path, $"tensor '{extra}' does not belong to a {string.Join(",", sizes)} network.");
        foreach (var t in content.Tensors) CheckFinite(path, t);
        var layers = new List<Layer>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            var linear = new Linear(sizes[i], sizes[i + 1], bias: byName.ContainsKey($"{2 * i}.bias"));
            byName[$"{2 * i}.weight"].Data.CopyTo(linear.Weight.Value.Data, 0);
            if (linear.Bias is not null) byName[$"{2 * i}.bias"].Data.CopyTo(linear.Bias.Value.Data, 0);
            layers.Add(linear);
            if (i + 2 < sizes.Length) layers.Add(CreateActivation(path, act));
        }
        return new LoadedModel(new Sequential(layers.ToArray()), sizes, act);
    }

    private static string ChooseActivation(string path, IReadOnlyDictionary<string, string> meta, string? requested)
    {
        if (!meta.TryGetValue(ActivationKey, out string? stored))
            return requested ?? throw new SafeTensorsFormatException(path, $"has no {ActivationKey} metadata (not saved by InitLab?); say which activation the network uses.");
        if (requested is not null && Activations.Normalize(requested) != Activations.Normalize(stored))
            throw new SafeTensorsFormatException(path, $"holds a {stored} network, not {requested}.");
        return stored;
    }

    private static Layer CreateActivation(string path, string name)
    {
        try
        {
            return Activations.Create(name);
        }
        catch (ArgumentException e)
        {
            throw new SafeTensorsFormatException(path, $"activation: {e.Message}");
        }
    }

    /// <summary>"0.weight", "2.weight", ... in index order give the sizes; indices must step by two (Linear, activation, ...).</summary>
    private static int[] InferSizes(string path, Dictionary<string, NamedTensor> byName)
    {
        var weights = new SortedDictionary<int, NamedTensor>();
        foreach (var t in byName.Values)
        {
            var parts = t.Name.Split('.');
            if (parts.Length != 2 || parts[1] is not ("weight" or "bias") || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                throw new SafeTensorsFormatException(path, $"tensor '{t.Name}' is not named like an nn.Sequential parameter (INDEX.weight or INDEX.bias).");
            if (parts[1] == "weight") weights[index] = t;
        }
        if (weights.Count == 0) throw new SafeTensorsFormatException(path, "holds no INDEX.weight tensors, so there is no network to load.");
        var sizes = new List<int>();
        int expected = 0;
        foreach (var (index, w) in weights)
        {
            if (index != expected) throw new SafeTensorsFormatException(path, $"tensor '{w.Name}': expected '{expected}.weight' next (Linear layers at every other index).");
            if (w.Shape.Length != 2 || w.Shape[0] == 0 || w.Shape[1] == 0)
                throw new SafeTensorsFormatException(path, $"tensor '{w.Name}' has shape [{string.Join(", ", w.Shape)}], where a non-empty (out, in) matrix was expected.");
            if (sizes.Count == 0) sizes.Add(w.Shape[1]);
            else if (sizes[^1] != w.Shape[1])
                throw new SafeTensorsFormatException(path, $"tensor '{w.Name}' takes {w.Shape[1]} inputs but the layer before gives {sizes[^1]}.");
            sizes.Add(w.Shape[0]);
            expected += 2;
        }
        return sizes.ToArray();
    }

    /// <summary>
    /// Refuses a tensor holding NaN or ±Inf: such a network predicts NaN probabilities (shown as
    /// class 0) and trains on into NaN, a wrong result that looks like a result.
    /// </summary>
    internal static void CheckFinite(string path, NamedTensor t)
    {
        int bad = FirstNonFinite(t.Data);
        if (bad >= 0)
            throw new SafeTensorsFormatException(path, $"tensor '{t.Name}' holds {t.Data[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)} at index {bad}; weights must be finite numbers.");
    }

    /// <summary>The index of the first NaN or infinite value, or -1.</summary>
    internal static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    private static void Check(string path, Dictionary<string, NamedTensor> byName, string name, int[] shape)
    {
        if (!byName.TryGetValue(name, out var t)) throw new SafeTensorsFormatException(path, $"tensor '{name}' is missing.");
        if (!t.Shape.SequenceEqual(shape))
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has shape [{string.Join(", ", t.Shape)}] but the network needs [{string.Join(", ", shape)}].");
    }
}
