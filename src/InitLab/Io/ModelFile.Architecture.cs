using System.Globalization;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;

namespace InitLab.Io;

public static partial class ModelFile
{
    /// <summary>Metadata key: the dropout probability after each hidden activation ("0.3"); absent for none.</summary>
    public const string DropoutKey = "initlab.dropout";

    /// <summary>Metadata key: the normalization after each hidden Linear, "batch" or "layer"; absent for none.</summary>
    public const string NormKey = "initlab.norm";

    /// <summary>Metadata key: the number of residual blocks; absent for none.</summary>
    public const string ResidualKey = "initlab.residual";

    /// <summary>Metadata key: "true" when the residual blocks have a gain α ("N.alpha").</summary>
    public const string ResidualGainKey = "initlab.residual_gain";

    private static readonly string[] ArchitectureKeys = [DropoutKey, NormKey, ResidualKey, ResidualGainKey];

    /// <summary>Whether the model is Linear, activation, ..., Linear and nothing else (the form older files have).</summary>
    private static bool IsPlain(Sequential model) =>
        model.Layers.All(l => l is Linear || (l is Activation && l is not PRelu));

    private static bool HasArchitecture(IReadOnlyDictionary<string, string> meta) => ArchitectureKeys.Any(meta.ContainsKey);

    /// <summary>
    /// The layer sizes, activation name and <see cref="MlpOptions"/> of a network laid out as
    /// <see cref="Mlp.Create(IReadOnlyList{int}, string, InitPlan, TorchGenerator, MlpOptions, InitContext?)"/>
    /// lays it out; an <see cref="ArgumentException"/> for any other network.
    /// </summary>
    public static (int[] Sizes, string Activation, MlpOptions Options) DescribeArchitecture(Sequential model)
    {
        if (IsPlain(model))
        {
            var (s, a) = Describe(model);
            return (s, a, MlpOptions.Plain);
        }
        var linears = model.Layers.OfType<Linear>().ToList();
        var blocks = model.Layers.OfType<ResidualBlock>().ToList();
        var sizes = new List<int> { linears[0].InFeatures };
        sizes.AddRange(linears.Select(l => l.OutFeatures));
        string activation = Activations.NameOf(model.Flatten().OfType<Activation>().FirstOrDefault() ?? new Relu());
        var options = new MlpOptions
        {
            Dropout = model.Layers.OfType<Dropout>().FirstOrDefault()?.P ?? 0,
            Norm = model.Flatten().FirstOrDefault(l => l is BatchNorm1d or LayerNorm) switch
            {
                BatchNorm1d => NormKind.Batch,
                LayerNorm => NormKind.Layer,
                _ => NormKind.None,
            },
            Residual = blocks.Count,
            ResidualGain = blocks.Count > 0 && blocks[0].Alpha is not null,
        };
        // The description must rebuild this very network: compare the module texts.
        var rebuilt = Mlp.Create(sizes, activation, InitPlan.Parse("default"), new TorchGenerator(), options);
        if (rebuilt.ToString() != model.ToString())
            throw new ArgumentException("Only networks laid out as Mlp.Create lays them out (Linear, [norm], activation, [dropout], ..., residual blocks, Linear) can be saved.");
        return (sizes.ToArray(), activation, options);
    }

    /// <summary>
    /// The state dict of a network with dropout, normalization or residual blocks, and metadata
    /// that rebuilds it. num_batches_tracked is stored as an I64 scalar (shape []), as PyTorch
    /// stores it; files written before (an F32 scalar) are read too.
    /// </summary>
    private static (List<NamedTensor> Tensors, Dictionary<string, string> Metadata) ArchitectureToTensors(Sequential model)
    {
        var (sizes, activation, options) = DescribeArchitecture(model);
        var tensors = StateDict.Of(model).Select(e => e.Tensor is { } t
            ? new NamedTensor(e.Name, t.Shape, t.Data)
            : new NamedTensor(e.Name, [], [(float)e.Counter!.NumBatchesTracked]) { Dtype = "I64" }).ToList();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [LayersKey] = string.Join(",", sizes),
            [ActivationKey] = activation,
            [DropoutKey] = options.Dropout.ToString("R", CultureInfo.InvariantCulture),
            [NormKey] = MlpOptions.NameOf(options.Norm),
            [ResidualKey] = options.Residual.ToString(CultureInfo.InvariantCulture),
            [ResidualGainKey] = options.ResidualGain ? "true" : "false",
        };
        return (tensors, metadata);
    }

    private static LoadedModel ArchitectureFromContent(string path, SafeTensorsContent content, string? requested)
    {
        var meta = content.Metadata;
        if (!meta.TryGetValue(LayersKey, out string? layersText))
            throw new SafeTensorsFormatException(path, $"has architecture metadata but no {LayersKey}.");
        int[] sizes;
        MlpOptions options;
        try
        {
            sizes = Mlp.ParseSizesUpTo(layersText, content.Tensors.Count + 1);
            double dropout = meta.TryGetValue(DropoutKey, out var d) ? double.Parse(d, NumberStyles.Float, CultureInfo.InvariantCulture) : 0;
            int residual = meta.TryGetValue(ResidualKey, out var r) ? int.Parse(r, NumberStyles.None, CultureInfo.InvariantCulture) : 0;
            // Each block has at least four tensors: more blocks than that cannot match the file.
            if (residual > content.Tensors.Count / 4) throw new FormatException($"{residual} residual blocks cannot fit in {content.Tensors.Count} tensors");
            if (!(dropout >= 0 && dropout < 1)) throw new FormatException($"dropout {d} is not in [0, 1)");
            options = new MlpOptions
            {
                Dropout = dropout,
                Norm = meta.TryGetValue(NormKey, out var n) ? MlpOptions.ParseNorm(n) : NormKind.None,
                Residual = residual,
                ResidualGain = meta.TryGetValue(ResidualGainKey, out var g) && g == "true",
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new SafeTensorsFormatException(path, $"architecture metadata is not valid ({e.Message}).");
        }
        string act = ChooseActivation(path, meta, requested);
        CheckShapesBeforeBuilding(path, content, sizes, options);
        Sequential model;
        try
        {
            model = Mlp.Create(sizes, act, InitPlan.Parse("default"), new TorchGenerator(), options);
        }
        catch (ArgumentException e)
        {
            throw new SafeTensorsFormatException(path, $"architecture: {e.Message}");
        }
        var byName = content.Tensors.ToDictionary(t => t.Name);
        var entries = StateDict.Of(model);
        foreach (var e in entries)
        {
            int[] shape = e.Tensor?.Shape ?? [];
            Check(path, byName, e.Name, shape);
            var t = byName[e.Name];
            CheckFinite(path, t);
            if (e.Tensor is not null) t.Data.CopyTo(e.Tensor.Data, 0);
            else if (t.Data[0] < 0 || t.Data[0] != MathF.Floor(t.Data[0]))
                throw new SafeTensorsFormatException(path, $"tensor '{e.Name}' is {t.Data[0]}, not a batch count.");
            else e.Counter!.NumBatchesTracked = (long)t.Data[0];
        }
        if (content.Tensors.Count != entries.Count)
        {
            var known = entries.Select(e => e.Name).ToHashSet();
            string extra = content.Tensors.First(t => !known.Contains(t.Name)).Name;
            throw new SafeTensorsFormatException(path, $"tensor '{extra}' does not belong to the network its metadata describes.");
        }
        return new LoadedModel(model, sizes, act);
    }

    /// <summary>
    /// Before any layer is allocated, the Linear weights the metadata implies must be in the file
    /// with their shapes: untrusted metadata ("100000,100000") must not allocate gigabytes first.
    /// </summary>
    private static void CheckShapesBeforeBuilding(string path, SafeTensorsContent content, int[] sizes, MlpOptions options)
    {
        long implied = 0;
        for (int i = 0; i + 1 < sizes.Length; i++) implied += (long)sizes[i] * sizes[i + 1];
        if (sizes.Length >= 2) implied += 2L * options.Residual * sizes[^2] * sizes[^2];
        long present = content.Tensors.Sum(t => (long)t.Data.Length);
        if (implied > present)
            throw new SafeTensorsFormatException(path, $"metadata describes {implied} weights but the file holds {present} values.");
    }
}
