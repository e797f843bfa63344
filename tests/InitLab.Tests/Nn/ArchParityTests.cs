using System.Text.Json;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Nn;

/// <summary>
/// Dropout, BatchNorm1d, LayerNorm, SELU, PReLU and residual blocks against PyTorch 1.13
/// (fixtures/arch.json, written by make_arch_fixtures.py): dropout masks bit for bit; for small
/// networks the training forward, loss, every gradient, the input gradient, the running
/// statistics, one SGD step and the evaluation-mode forward after it, to 1e-5.
/// </summary>
public class ArchParityTests
{
    private const double Rel = 1e-5, Abs = 1e-6;

    public static TheoryData<string> Nets => new() { "batchnorm", "layernorm", "selu", "prelu", "dropout", "residual" };

    [Fact]
    public void DropoutMasksArePyTorchsBitForBit()
    {
        int cases = 0;
        foreach (var c in Fixtures.Load("arch.json").GetProperty("dropout").EnumerateArray())
        {
            var g = new TorchGenerator(c.GetProperty("seed").GetUInt64());
            if (c.GetProperty("linear_first").GetBoolean())
                InitLab.Init.Initializers.TorchLinearDefault(new Tensor(4, 3), new Tensor(4), g);
            int rows = c.GetProperty("rows").GetInt32(), cols = c.GetProperty("cols").GetInt32();
            var ones = new Tensor(rows, cols);
            ones.Span.Fill(1f);
            var y = new Dropout(c.GetProperty("p").GetDouble(), g).Forward(ones);
            float[] expected = c.GetProperty("out").Floats();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(y.Data[i]),
                    $"p={c.GetProperty("p")} seed={c.GetProperty("seed")} [{i}]: expected {expected[i]:R}, got {y.Data[i]:R}");
            cases++;
        }
        Assert.Equal(6, cases);
    }

    [Fact]
    public void DropoutIsTheIdentityInEvaluationAndDrawsNothing()
    {
        var g = new TorchGenerator(5);
        var d = new Dropout(0.5, g) { Training = false };
        var x = new Tensor([1f, 2f, 3f, 4f], 2, 2);
        Assert.Same(x, d.Forward(x));
        Assert.Equal(new TorchGenerator(5).Random(), g.Random());
    }

    internal static Sequential Build(string name) => name switch
    {
        "batchnorm" => new Sequential(new Linear(5, 7), new BatchNorm1d(7), new Relu(), new Linear(7, 3)),
        "layernorm" => new Sequential(new Linear(5, 7), new LayerNorm(7), new Tanh(), new Linear(7, 3)),
        "selu" => new Sequential(new Linear(5, 7), new Selu(), new Linear(7, 3)),
        "prelu" => new Sequential(new Linear(5, 7), new PRelu(), new Linear(7, 3)),
        "dropout" => new Sequential(new Linear(5, 7), new Relu(), new Dropout(0.3, new TorchGenerator(99)), new Linear(7, 3)),
        "residual" => new Sequential(new Linear(5, 6), new Relu(),
            new ResidualBlock(new Sequential(new Linear(6, 6), new BatchNorm1d(6), new Relu(), new Linear(6, 6), new BatchNorm1d(6)), gain: true),
            new ResidualBlock(new Sequential(new Linear(6, 6), new LayerNorm(6), new Relu(), new Linear(6, 6), new LayerNorm(6))),
            new ResidualBlock(new Sequential(new Linear(6, 6), new Tanh(), new Linear(6, 6)), gain: true),
            new Linear(6, 3)),
        _ => throw new ArgumentException(name),
    };

    private static JsonElement Net(string name) =>
        Fixtures.Load("arch.json").GetProperty("nets").EnumerateArray().Single(n => n.GetProperty("name").GetString() == name);

    [Theory]
    [MemberData(nameof(Nets))]
    public void TrainingStepMatchesPyTorch(string name)
    {
        var f = Net(name);
        var model = Build(name);
        var ps = f.GetProperty("params").EnumerateArray().ToArray();
        Assert.Equal(ps.Length, model.Parameters.Count);
        for (int i = 0; i < ps.Length; i++)
        {
            Assert.Equal(ps[i].GetProperty("shape").Ints(), model.Parameters[i].Value.Shape);
            Assert.EndsWith(model.Parameters[i].Name, ps[i].GetProperty("name").GetString());
            ps[i].GetProperty("data").Floats().CopyTo(model.Parameters[i].Value.Data, 0);
        }
        var x = new Tensor(f.GetProperty("x").Floats(), 8, 5);
        int[] y = f.GetProperty("y").Ints();
        var logits = model.Forward(x);
        Close.All(f.GetProperty("out").Floats(), logits.Data, Rel, Abs, $"{name} logits");
        var loss = new CrossEntropyLoss();
        float l = loss.Forward(logits, y);
        Assert.InRange(l, f.GetProperty("loss").GetDouble() * (1 - Rel), f.GetProperty("loss").GetDouble() * (1 + Rel));
        var dx = model.Backward(loss.Gradient, needInputGrad: true)!;
        var grads = f.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < grads.Length; i++)
            Close.All(grads[i].GetProperty("data").Floats(), model.Parameters[i].Grad.Data, Rel, Abs, $"{name} grad {grads[i].GetProperty("name")}");
        Close.All(f.GetProperty("input_grad").Floats(), dx.Data, Rel, Abs, $"{name} input grad");

        var buffers = f.GetProperty("buffers").EnumerateArray().ToArray();
        Assert.Equal(buffers.Length, model.Buffers.Count);
        for (int i = 0; i < buffers.Length; i++)
            Close.All(buffers[i].GetProperty("data").Floats(), model.Buffers[i].Value.Data, Rel, Abs, $"{name} {buffers[i].GetProperty("name")}");
        var tracked = Norms(model).ToArray();
        Assert.Equal(f.GetProperty("num_batches_tracked").GetArrayLength(), tracked.Length);
        foreach (var (bn, t) in tracked.Zip(f.GetProperty("num_batches_tracked").EnumerateArray()))
            Assert.Equal(t.GetProperty("value").GetInt64(), bn.NumBatchesTracked);

        new Sgd(model.Parameters, 0.1, momentum: 0.9).Step();
        var stepped = f.GetProperty("stepped").EnumerateArray().ToArray();
        for (int i = 0; i < stepped.Length; i++)
            Close.All(stepped[i].GetProperty("data").Floats(), model.Parameters[i].Value.Data, Rel, Abs, $"{name} stepped {stepped[i].GetProperty("name")}");
        model.Training = false;
        Close.All(f.GetProperty("eval_out").Floats(), model.Forward(x).Data, Rel, Abs, $"{name} eval logits");
    }

    /// <summary>The BatchNorm1d layers in state-dict order, inside residual blocks too.</summary>
    internal static IEnumerable<BatchNorm1d> Norms(Sequential s)
    {
        foreach (var l in s.Layers)
        {
            if (l is BatchNorm1d bn) yield return bn;
            if (l is ResidualBlock rb) foreach (var inner in Norms(rb.Branch)) yield return inner;
        }
    }
}
