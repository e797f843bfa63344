using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Optim;
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

    /// <summary>
    /// A network of <paramref name="arch"/> (12 inputs, 4 classes) after a few Adam steps on a
    /// fixed batch, so BatchNorm's running statistics, norms' γ/β, PReLU's slope and residual
    /// gains have all moved from their initial values; returned in evaluation mode.
    /// </summary>
    private static Sequential Trained(string arch)
    {
        var (sizes, activation, init, options) = arch switch
        {
            "batch" => (new[] { 12, 16, 16, 4 }, "relu", "default", new MlpOptions { Norm = NormKind.Batch }),
            "layer" => ([12, 16, 16, 4], "tanh", "default", new MlpOptions { Norm = NormKind.Layer }),
            "dropout-selu" => ([12, 16, 16, 4], "selu", "lecun-normal", new MlpOptions { Dropout = 0.3 }),
            "prelu-batch" => ([12, 16, 16, 4], "prelu", "default", new MlpOptions { Norm = NormKind.Batch }),
            "residual-batch" => ([12, 16, 4], "relu", "default", new MlpOptions { Norm = NormKind.Batch, Residual = 2 }),
            "residual-zero-gamma" => ([12, 16, 4], "relu", "default", new MlpOptions { Norm = NormKind.Batch, Residual = 1, ZeroGamma = true }),
            "skipinit" => ([12, 16, 4], "relu", "skipinit", new MlpOptions { Residual = 2, ResidualGain = true }),
            "fixup" => ([12, 16, 4], "relu", "fixup", new MlpOptions { Residual = 2, ResidualGain = true }),
            "layer-residual-dropout" => ([12, 16, 16, 4], "leaky-relu:0.1", "default",
                new MlpOptions { Norm = NormKind.Layer, Residual = 1, ResidualGain = true, Dropout = 0.2 }),
            "blocks-first" => ([12, 4], "prelu", "default", new MlpOptions { Norm = NormKind.Batch, Residual = 1, ResidualGain = true }),
            _ => throw new ArgumentException(arch),
        };
        var generator = new TorchGenerator(5);
        var model = Mlp.Create(sizes, activation, InitPlan.Of(InitSpec.Parse(init)), generator, options);
        var optimizer = new Adam(model.Parameters, 0.02);
        var loss = new CrossEntropyLoss();
        var x = Batch(32, 12, 21);
        int[] y = Enumerable.Range(0, 32).Select(i => (i * 7) % 4).ToArray();
        for (int step = 0; step < 5; step++)
        {
            loss.Forward(model.Forward(x), y);
            model.Backward(loss.Gradient, needInputGrad: false);
            optimizer.Step();
        }
        model.Training = false;
        return model;
    }

    [Theory]
    [InlineData("batch")]
    [InlineData("layer")]
    [InlineData("dropout-selu")]
    [InlineData("prelu-batch")]
    [InlineData("residual-batch")]
    [InlineData("residual-zero-gamma")]
    [InlineData("skipinit")]
    [InlineData("fixup")]
    [InlineData("layer-residual-dropout")]
    [InlineData("blocks-first")]
    public void OnnxRuntimeGivesTheEvaluationLogitsOfEveryArchitecture(string arch)
    {
        var model = Trained(arch);
        var layers = model.Flatten().ToList();
        // The training moved what the export must carry, so a graph that ignored it would differ.
        foreach (var bn in layers.OfType<BatchNorm1d>())
        {
            Assert.Contains(bn.RunningVar.Value.Data, v => Math.Abs(v - 1) > 1e-3);
            Assert.Contains(bn.RunningMean.Value.Data, v => Math.Abs(v) > 1e-3);
            Assert.Contains(bn.Weight.Value.Data, v => Math.Abs(v - 1) > 1e-3);
        }
        foreach (var ln in layers.OfType<LayerNorm>()) Assert.Contains(ln.Bias.Value.Data, v => Math.Abs(v) > 1e-3);
        foreach (var p in layers.OfType<PRelu>()) Assert.NotEqual(PRelu.DefaultInit, p.Weight.Value.Data[0]);
        foreach (var b in layers.OfType<ResidualBlock>())
            if (b.Alpha is { } alpha) Assert.True(Math.Abs(alpha.Value.Data[0]) > 1e-3 && Math.Abs(alpha.Value.Data[0] - 1) > 1e-3, $"α = {alpha.Value.Data[0]}");

        byte[] onnx = OnnxExport.ToBytes(model);
        foreach (int rows in new[] { 1, 17 })
        {
            var x = Batch(rows, 12, 100 + rows);
            var expected = model.Forward(x).Data.ToArray();
            var (actual, shape) = RunOnnx(onnx, x);
            Assert.Equal([rows, 4], shape);
            AssertClose(expected, actual);
        }
    }

    [Fact]
    public void OnlyANetworkWithLayerNormNeedsOpset17()
    {
        Assert.Equal(OnnxExport.Opset, OnnxExport.OpsetFor(Trained("residual-batch")));
        Assert.Equal(OnnxExport.LayerNormOpset, OnnxExport.OpsetFor(Trained("layer-residual-dropout")));
        // The opset import is the model's field 8 {domain "", version}: bytes 0x42 0x04 0x0A 0x00 0x10 v.
        static int Imported(byte[] onnx)
        {
            int at = onnx.AsSpan().IndexOf(new byte[] { 0x42, 0x04, 0x0A, 0x00, 0x10 });
            Assert.True(at >= 0);
            return onnx[at + 5];
        }
        Assert.Equal(13, Imported(OnnxExport.ToBytes(Trained("batch"))));
        Assert.Equal(17, Imported(OnnxExport.ToBytes(Trained("layer"))));
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
        Assert.DoesNotContain("\n", e.Message);

        // Inside a residual branch the layer is named by its state-dict prefix.
        var block = new ResidualBlock(new Sequential(new Linear(2, 2), new Sequential(new Relu())));
        e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(new Sequential(new Linear(2, 2), block, new Linear(2, 1))));
        Assert.Contains("Layer 1.branch.1", e.Message);
        Assert.DoesNotContain("\n", e.Message);

        e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(new Sequential(new Relu(), new Linear(2, 1))));
        Assert.Contains("must start with", e.Message);
    }

    [Fact]
    public void ExportOfATrainedResidualBatchNormDropoutModelRunsInOnnxRuntime()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 50);
        string model = d.File("m.safetensors"), onnx = d.File("m.onnx");
        var (code, _, err) = Run("train", "--data", d.Path, "--layers", "784,24,10", "--activation", "prelu", "--norm", "batch",
            "--dropout", "0.2", "--residual", "2", "--init", "skipinit", "--epochs", "1", "--save", model, "--quiet");
        Assert.True(code == 0, err);
        (code, var output, err) = Run("export", "--model", model, "--onnx", onnx);
        Assert.True(code == 0, err);
        Assert.Contains("opset 13", output);
        var loaded = ModelFile.Load(model).Model;
        loaded.Training = false;
        Assert.Equal(2, loaded.Flatten().OfType<ResidualBlock>().Count(b => b.Alpha is { } a && a.Value.Data[0] != 0));
        var x = Batch(32, 784, 12);
        AssertClose(loaded.Forward(x).Data.ToArray(), RunOnnx(File.ReadAllBytes(onnx), x).Values);
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
