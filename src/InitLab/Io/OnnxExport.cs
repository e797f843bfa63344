using InitLab.Nn;

namespace InitLab.Io;

/// <summary>
/// Writes a Sequential of Linear and ReLU/LeakyReLU/Sigmoid/Tanh layers as an ONNX model:
/// input "input" float (N, in) with a symbolic batch dimension "N", output "logits" (N, out).
/// Each Linear is a Gemm with transB=1 (its weight (out, in) and bias (out) as initializers, so
/// no transpose is stored); activations are Relu, LeakyRelu(alpha), Sigmoid and Tanh.
/// Opset 13, IR version 7: old enough that every ONNX Runtime of the last years loads it.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX IR version written (7): old, so that older runtimes load the file too.</summary>
    public const int IrVersion = 7;

    /// <summary>The default-domain opset imported (13): Gemm, Relu, LeakyRelu, Sigmoid and Tanh as that opset defines them.</summary>
    public const int Opset = 13;

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
        int inFeatures = model.Layers[0] is Linear first ? first.InFeatures
            : throw new ArgumentException($"Layer 0 is {model.Layers[0]}; an exported network must start with a Linear.");
        int outFeatures = model.OutputFeatures(inFeatures);
        var w = new ProtoWriter()
            .Int(ModelIrVersion, IrVersion)
            .String(ModelProducerName, "InitLab")
            .String(ModelProducerVersion, typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(ModelOpsetImport, o => o.String(OpsetDomain, "").Int(OpsetVersion, Opset))
            .Message(ModelGraph, g => WriteGraph(g, model, inFeatures, outFeatures));
        return w.ToArray();
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically (temporary file, flush, rename).</summary>
    public static void Write(Sequential model, string path)
    {
        byte[] bytes = ToBytes(model);
        AtomicFile.Write(path, f => f.Write(bytes));
    }

    private static void WriteGraph(ProtoWriter g, Sequential model, int inFeatures, int outFeatures)
    {
        g.String(GraphName, "initlab");
        string current = InputName;
        var layers = model.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            string output = i == layers.Count - 1 ? OutputName : $"{i}.out";
            string input = current;
            switch (layers[i])
            {
                case Linear l:
                    string weight = $"{i}.weight", bias = $"{i}.bias";
                    g.Message(GraphInitializer, t => Tensor(t, weight, [l.OutFeatures, l.InFeatures], l.Weight.Value.Data));
                    // Gemm's C is optional, but a bias-free Linear gets zeros so the node is the same shape.
                    float[] b = l.Bias?.Value.Data ?? new float[l.OutFeatures];
                    g.Message(GraphInitializer, t => Tensor(t, bias, [l.OutFeatures], b));
                    g.Message(GraphNode, n => Node(n, $"{i}.gemm", "Gemm", [input, weight, bias], output,
                        a => a.String(AttrName, "transB").Int(AttrI, 1).Int(AttrType, AttrTypeInt)));
                    break;
                case Relu:
                    g.Message(GraphNode, n => Node(n, $"{i}.relu", "Relu", [input], output));
                    break;
                case LeakyRelu lr:
                    g.Message(GraphNode, n => Node(n, $"{i}.leaky_relu", "LeakyRelu", [input], output,
                        a => a.String(AttrName, "alpha").Float(AttrF, lr.NegativeSlope).Int(AttrType, AttrTypeFloat)));
                    break;
                case Sigmoid:
                    g.Message(GraphNode, n => Node(n, $"{i}.sigmoid", "Sigmoid", [input], output));
                    break;
                case Tanh:
                    g.Message(GraphNode, n => Node(n, $"{i}.tanh", "Tanh", [input], output));
                    break;
                default:
                    throw new ArgumentException($"Layer {i} is {layers[i]}, which ONNX export does not support (Linear, ReLU, LeakyReLU, Sigmoid, Tanh).");
            }
            current = output;
        }
        g.Message(GraphInput, v => ValueInfo(v, InputName, inFeatures));
        g.Message(GraphOutput, v => ValueInfo(v, OutputName, outFeatures));
    }

    private static void Node(ProtoWriter n, string name, string opType, string[] inputs, string output, Action<ProtoWriter>? attribute = null)
    {
        foreach (var input in inputs) n.String(NodeInput, input);
        n.String(NodeOutput, output).String(NodeName, name).String(NodeOpType, opType);
        if (attribute is not null) n.Message(NodeAttribute, attribute);
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
