using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using Tensor = InitLab.Tensors.Tensor;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InitLab.Tests.Cli.CliTests;

namespace InitLab.Tests.Io;

public class OnnxExportTests
{
    private static Sequential Net(string activation, params int[] sizes) =>
        Mlp.Create(sizes, activation, InitSpec.Parse("default"), new TorchGenerator(7));

    private static Tensor Batch(int rows, int cols, int seed)
    {
        var g = new TorchGenerator((ulong)seed);
        var x = new Tensor(rows, cols);
        for (int i = 0; i < x.Length; i++) x.Data[i] = g.NextUniform(-1f, 1f);
        return x;
    }

    /// <summary>
    /// One thread that does not spin: ONNX Runtime's default pool busy-waits on every core, which
    /// starves the timing-sensitive download tests running in parallel on a small machine.
    /// </summary>
    private static InferenceSession Session(byte[] onnx)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        return new InferenceSession(onnx, options);
    }

    /// <summary>Runs an ONNX file in ONNX Runtime on x (rows, cols) and returns "logits" with its shape.</summary>
    private static (float[] Values, int[] Shape) RunOnnx(byte[] onnx, Tensor x)
    {
        using var session = Session(onnx);
        var input = new DenseTensor<float>(x.Data.ToArray(), [x.Rows, x.Cols]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExport.InputName, input)]);
        var logits = results.Single(r => r.Name == OnnxExport.OutputName).AsTensor<float>();
        return (logits.ToArray(), logits.Dimensions.ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * Math.Max(1.0, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: InitLab {expected[i]:R}, ONNX Runtime {actual[i]:R}");
        }
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("leaky-relu:0.2")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    public void OnnxRuntimeGivesInitLabsLogitsForEveryActivation(string activation)
    {
        var model = Net(activation, 9, 8, 6, 4);
        byte[] onnx = OnnxExport.ToBytes(model);
        // Two batch sizes through the same graph: the batch dimension is symbolic.
        foreach (int rows in new[] { 1, 13 })
        {
            var x = Batch(rows, 9, rows);
            var expected = model.Forward(x).Data.ToArray();
            var (actual, shape) = RunOnnx(onnx, x);
            Assert.Equal([rows, 4], shape);
            AssertClose(expected, actual);
        }
    }

    [Fact]
    public void TheGraphDeclaresASymbolicBatchAndTheLayerSizes()
    {
        using var session = Session(OnnxExport.ToBytes(Net("tanh", 5, 3, 2)));
        var input = session.InputMetadata[OnnxExport.InputName];
        var output = session.OutputMetadata[OnnxExport.OutputName];
        Assert.Equal(typeof(float), input.ElementType);
        Assert.Equal([-1, 5], input.Dimensions);
        Assert.Equal("N", input.SymbolicDimensions[0]);
        Assert.Equal([-1, 2], output.Dimensions);
    }

    [Fact]
    public void ALinearWithoutBiasExportsWithZeroBias()
    {
        var linear = new Linear(4, 3, bias: false);
        for (int i = 0; i < linear.Weight.Value.Length; i++) linear.Weight.Value.Data[i] = MathF.Cos(i);
        var model = new Sequential(linear, new Relu(), new Linear(3, 2));
        var x = Batch(5, 4, 3);
        AssertClose(model.Forward(x).Data.ToArray(), RunOnnx(OnnxExport.ToBytes(model), x).Values);
    }

    [Fact]
    public void AnUnsupportedLayerIsNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(new Sequential(new Linear(2, 2), new Sequential(new Linear(2, 2)))));
        Assert.Contains("Layer 1", e.Message);
        Assert.Contains("does not support", e.Message);
    }

    [Fact]
    public void ExportOfATrainedModelRunsInOnnxRuntimeWithTheSameLogits()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 50);
        string model = d.File("m.safetensors"), onnx = d.File("m.onnx");
        var (code, _, err) = Run("train", "--data", d.Path, "--layers", "784,24,10", "--activation", "leaky-relu", "--epochs", "1", "--save", model, "--quiet");
        Assert.True(code == 0, err);
        (code, var output, err) = Run("export", "--model", model, "--onnx", onnx);
        Assert.True(code == 0, err);
        Assert.Contains("784-24-10 leaky-relu", output);
        Assert.Empty(Directory.GetFiles(d.Path, "*.tmp"));
        var loaded = ModelFile.Load(model).Model;
        var x = Batch(32, 784, 11);
        AssertClose(loaded.Forward(x).Data.ToArray(), RunOnnx(File.ReadAllBytes(onnx), x).Values);
    }

    [Fact]
    public void ExportErrorsNameTheFileAndLeaveNothingBehind()
    {
        using var d = new TempDir();
        string model = d.File("m.safetensors"), onnx = d.File("m.onnx");
        File.WriteAllBytes(model, [1, 2, 3]);
        var (code, _, err) = Run("export", "--model", model, "--onnx", onnx);
        Assert.Equal(1, code);
        Assert.Contains(model, err);
        Assert.False(File.Exists(onnx));

        ModelFile.Save(Net("relu", 3, 2), model);
        (code, _, err) = Run("export", "--model", model, "--onnx", Path.Combine(d.Path, "missing", "m.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("--onnx", err);
        Assert.Contains("does not exist", err);

        (code, _, err) = Run("export", "--model", model, "--onnx", onnx, "--activation", "tanh");
        Assert.Equal(1, code);
        Assert.Contains("not tanh", err);
        Assert.Empty(Directory.GetFiles(d.Path, "*.onnx*"));
    }
}
