using InitLab.Nn;

namespace InitLab.Io;

/// <summary>
/// Writes a Sequential as an ONNX model: input "input" float (N, in) with a symbolic batch
/// dimension "N", output "logits" (N, out). Each Linear is a Gemm with transB=1 (its weight
/// (out, in) and bias (out) as initializers, so no transpose is stored); activations are Relu,
/// LeakyRelu(alpha), Sigmoid, Tanh, Selu (PyTorch's alpha and scale as alpha and gamma) and
/// PRelu (the slope a (1) initializer). The graph is the evaluation-mode network: Dropout is an
/// Identity, BatchNorm1d a BatchNormalization with the running mean and variance, LayerNorm a
/// LayerNormalization, and a ResidualBlock its branch's nodes then Add(x, branch) — with a gain,
/// Add(x, Mul(branch, α)) with α a (1) initializer. Initializers carry PyTorch's state-dict names.
/// Opset 13 with IR version 7 (old enough that every ONNX Runtime of the last years loads it),
/// or opset 17 with IR version 8 when the network has a LayerNorm, which opset 17 introduced.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX IR version written with <see cref="Opset"/> (7): old, so that older runtimes load the file too.</summary>
    public const int IrVersion = 7;

    /// <summary>The default-domain opset imported (13) by networks without a LayerNorm.</summary>
    public const int Opset = 13;

    /// <summary>The opset imported (17) by networks with a LayerNorm: the first with LayerNormalization.</summary>
    public const int LayerNormOpset = 17;

    /// <summary>The ONNX IR version written with <see cref="LayerNormOpset"/> (8, the one ONNX 1.12 pairs with opset 17).</summary>
    public const int LayerNormIrVersion = 8;

    /// <summary>The opset the export of <paramref name="model"/> imports: <see cref="LayerNormOpset"/> if it has a LayerNorm, else <see cref="Opset"/>.</summary>
    public static int OpsetFor(Sequential model) => model.Flatten().Any(l => l is LayerNorm) ? LayerNormOpset : Opset;

    /// <summary>Name of the graph's input, float (N, in).</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph's output, float (N, out): the logits, before any softmax.</summary>
    public const string OutputName = "logits";

    // Field numbers from onnx/onnx.proto.
    private const int ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelGraph = 7, ModelOpsetImport = 8;
    private const int OpsetDomain = 1, OpsetVersion = 2;
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int AttrName = 1, AttrF = 2, AttrI = 3, AttrType = 20, AttrTypeFloat = 1, AttrTypeInt = 2;
    private const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorName = 8, DataTypeFloat = 1;
    private const int ValueInfoName = 1, ValueInfoType = 2, TypeTensorType = 1, TensorTypeElemType = 1, TensorTypeShape = 2;
    private const int ShapeDim = 1, DimValue = 1, DimParam = 2;

    /// <summary>The model as ONNX protobuf bytes. Throws <see cref="ArgumentException"/> for a layer ONNX export does not know.</summary>
    public static byte[] ToBytes(Sequential model)
    {
        if (model.Layers.Count == 0) throw new ArgumentException("An empty network cannot be exported.");
        int inFeatures = InputFeatures(model.Layers[0])
            ?? throw new ArgumentException($"Layer 0 is {FirstLine(model.Layers[0])}; an exported network must start with a Linear, a norm or a residual block.");
        int outFeatures = model.OutputFeatures(inFeatures);
        int opset = OpsetFor(model);
        var w = new ProtoWriter()
            .Int(ModelIrVersion, opset == Opset ? IrVersion : LayerNormIrVersion)
            .String(ModelProducerName, "InitLab")
            .String(ModelProducerVersion, typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(ModelOpsetImport, o => o.String(OpsetDomain, "").Int(OpsetVersion, opset))
            .Message(ModelGraph, g => WriteGraph(g, model, inFeatures, outFeatures));
        return w.ToArray();
    }

    /// <summary>The input width a network starting with <paramref name="first"/> takes, or null when that layer does not fix it.</summary>
    private static int? InputFeatures(Layer first) => first switch
    {
        Linear l => l.InFeatures,
        BatchNorm1d bn => bn.Features,
        LayerNorm ln => ln.Features,
        ResidualBlock b when b.Branch.Layers.Count > 0 => InputFeatures(b.Branch.Layers[0]),
        _ => null,
    };

    /// <summary>Writes the model to <paramref name="path"/> atomically (temporary file, flush, rename).</summary>
    public static void Write(Sequential model, string path)
    {
        byte[] bytes = ToBytes(model);
        AtomicFile.Write(path, f => f.Write(bytes));
    }

    private static void WriteGraph(ProtoWriter g, Sequential model, int inFeatures, int outFeatures)
    {
        g.String(GraphName, "initlab");
        WriteLayers(g, model.Layers, "", InputName, OutputName);
        g.Message(GraphInput, v => ValueInfo(v, InputName, inFeatures));
        g.Message(GraphOutput, v => ValueInfo(v, OutputName, outFeatures));
    }

    /// <summary>
    /// Writes <paramref name="layers"/> in order from <paramref name="input"/>; node and
    /// initializer names are PyTorch's state-dict prefixes ("3.", "4.branch.0."). The last layer
    /// writes <paramref name="finalOutput"/> when given. Returns the name of the last output.
    /// </summary>
    private static string WriteLayers(ProtoWriter g, IReadOnlyList<Layer> layers, string prefix, string input, string? finalOutput)
    {
        string current = input;
        for (int i = 0; i < layers.Count; i++)
        {
            string name = prefix + i;
            string output = i == layers.Count - 1 && finalOutput is not null ? finalOutput : $"{name}.out";
            WriteLayer(g, layers[i], name, current, output);
            current = output;
        }
        return current;
    }

    private static void WriteLayer(ProtoWriter g, Layer layer, string name, string input, string output)
    {
        switch (layer)
        {
            case Linear l:
                // Gemm's C is optional, but a bias-free Linear gets zeros so the node is the same shape.
                string weight = Initializer(g, $"{name}.weight", [l.OutFeatures, l.InFeatures], l.Weight.Value.Data);
                string bias = Initializer(g, $"{name}.bias", [l.OutFeatures], l.Bias?.Value.Data ?? new float[l.OutFeatures]);
                g.Message(GraphNode, n => Node(n, $"{name}.gemm", "Gemm", [input, weight, bias], output, IntAttribute("transB", 1)));
                break;
            case Relu:
                g.Message(GraphNode, n => Node(n, $"{name}.relu", "Relu", [input], output));
                break;
            case LeakyRelu lr:
                g.Message(GraphNode, n => Node(n, $"{name}.leaky_relu", "LeakyRelu", [input], output, FloatAttribute("alpha", lr.NegativeSlope)));
                break;
            case Sigmoid:
                g.Message(GraphNode, n => Node(n, $"{name}.sigmoid", "Sigmoid", [input], output));
                break;
            case Tanh:
                g.Message(GraphNode, n => Node(n, $"{name}.tanh", "Tanh", [input], output));
                break;
            case Selu:
                // ONNX's Selu is gamma·(alpha·exp(x) − alpha) for x ≤ 0 and gamma·x above: PyTorch's constants.
                g.Message(GraphNode, n => Node(n, $"{name}.selu", "Selu", [input], output,
                    FloatAttribute("alpha", Selu.Alpha), FloatAttribute("gamma", Selu.Scale)));
                break;
            case PRelu pr:
                // One slope, shape (1), which broadcasts over (N, features).
                string slope = Initializer(g, $"{name}.weight", [1], pr.Weight.Value.Data);
                g.Message(GraphNode, n => Node(n, $"{name}.prelu", "PRelu", [input, slope], output));
                break;
            case Dropout:
                // Evaluation mode: dropout passes its input through.
                g.Message(GraphNode, n => Node(n, $"{name}.dropout", "Identity", [input], output));
                break;
            case BatchNorm1d bn:
            {
                // Evaluation mode: (x − running_mean)/sqrt(running_var + eps)·γ + β.
                string scale = Initializer(g, $"{name}.weight", [bn.Features], bn.Weight.Value.Data);
                string shift = Initializer(g, $"{name}.bias", [bn.Features], bn.Bias.Value.Data);
                string mean = Initializer(g, $"{name}.running_mean", [bn.Features], bn.RunningMean.Value.Data);
                string variance = Initializer(g, $"{name}.running_var", [bn.Features], bn.RunningVar.Value.Data);
                g.Message(GraphNode, n => Node(n, $"{name}.batch_norm", "BatchNormalization", [input, scale, shift, mean, variance], output,
                    FloatAttribute("epsilon", (float)bn.Eps)));
                break;
            }
            case LayerNorm ln:
            {
                // Opset 17's LayerNormalization over the last axis (the default, axis = -1).
                string scale = Initializer(g, $"{name}.weight", [ln.Features], ln.Weight.Value.Data);
                string shift = Initializer(g, $"{name}.bias", [ln.Features], ln.Bias.Value.Data);
                g.Message(GraphNode, n => Node(n, $"{name}.layer_norm", "LayerNormalization", [input, scale, shift], output,
                    FloatAttribute("epsilon", (float)ln.Eps)));
                break;
            }
            case ResidualBlock block:
            {
                // x + branch(x), or x + α·branch(x) with the gain α a (1)-shaped initializer.
                string branch = WriteLayers(g, block.Branch.Layers, $"{name}.branch.", input, null);
                if (block.Alpha is { } alpha)
                {
                    string gain = Initializer(g, $"{name}.alpha", [1], alpha.Value.Data);
                    string scaled = $"{name}.scaled";
                    g.Message(GraphNode, n => Node(n, $"{name}.mul", "Mul", [branch, gain], scaled));
                    branch = scaled;
                }
                string addend = branch;
                g.Message(GraphNode, n => Node(n, $"{name}.add", "Add", [input, addend], output));
                break;
            }
            default:
                throw new ArgumentException($"Layer {name} is {FirstLine(layer)}, which ONNX export does not support ({Supported}).");
        }
    }

    private const string Supported = "Linear, ReLU, LeakyReLU, Sigmoid, Tanh, SELU, PReLU, Dropout, BatchNorm1d, LayerNorm, ResidualBlock";

    /// <summary>A layer's printed form cut to its first line, so the error stays one line.</summary>
    private static string FirstLine(Layer layer)
    {
        string text = layer.ToString() ?? layer.GetType().Name;
        int newline = text.IndexOf('\n');
        return newline < 0 ? text : text[..newline].TrimEnd() + " ...";
    }

    private static string Initializer(ProtoWriter g, string name, long[] dims, float[] data)
    {
        g.Message(GraphInitializer, t => Tensor(t, name, dims, data));
        return name;
    }

    private static Action<ProtoWriter> IntAttribute(string name, long value) =>
        a => a.String(AttrName, name).Int(AttrI, value).Int(AttrType, AttrTypeInt);

    private static Action<ProtoWriter> FloatAttribute(string name, float value) =>
        a => a.String(AttrName, name).Float(AttrF, value).Int(AttrType, AttrTypeFloat);

    private static void Node(ProtoWriter n, string name, string opType, string[] inputs, string output, params Action<ProtoWriter>[] attributes)
    {
        foreach (var input in inputs) n.String(NodeInput, input);
        n.String(NodeOutput, output).String(NodeName, name).String(NodeOpType, opType);
        foreach (var attribute in attributes) n.Message(NodeAttribute, attribute);
    }

    private static void Tensor(ProtoWriter t, string name, long[] dims, float[] data)
    {
        foreach (long d in dims) t.Int(TensorDims, d);
        t.Int(TensorDataType, DataTypeFloat).String(TensorName, name).PackedFloats(TensorFloatData, data);
    }

    /// <summary>A float tensor (N, features) with N symbolic.</summary>
    private static void ValueInfo(ProtoWriter v, string name, int features) =>
        v.String(ValueInfoName, name).Message(ValueInfoType, type => type.Message(TypeTensorType, tt => tt
            .Int(TensorTypeElemType, DataTypeFloat)
            .Message(TensorTypeShape, s => s
                .Message(ShapeDim, d => d.String(DimParam, "N"))
                .Message(ShapeDim, d => d.Int(DimValue, features)))));
}
