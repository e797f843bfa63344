using System.Text.Json;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Tensors;

namespace InitLab.Tests.Nn;

/// <summary>A 5-7-6-3 MLP against PyTorch 1.13 (fixtures/mlp_*.json): forward, loss, gradients, optimizer steps.</summary>
public class TorchParityTests
{
    public static TheoryData<string> Activations => new() { "relu", "leaky_relu", "sigmoid", "tanh" };

    private const double Rel = 1e-5, Abs = 1e-7;

    private static (Sequential Model, Tensor X, int[] Y, JsonElement F) Build(string activation)
    {
        var f = Fixtures.Load($"mlp_{activation}.json");
        int[] sizes = f.GetProperty("layers").Ints();
        var layers = new List<Layer>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            layers.Add(new Linear(sizes[i], sizes[i + 1]));
            if (i + 2 < sizes.Length) layers.Add(Mlp.CreateActivation(activation));
        }
        var model = new Sequential(layers.ToArray());
        var ps = f.GetProperty("params").EnumerateArray().ToArray();
        Assert.Equal(ps.Length, model.Parameters.Count);
        for (int i = 0; i < ps.Length; i++)
        {
            Assert.Equal(ps[i].GetProperty("shape").Ints(), model.Parameters[i].Value.Shape);
            ps[i].GetProperty("data").Floats().CopyTo(model.Parameters[i].Value.Data, 0);
        }
        int batch = f.GetProperty("batch").GetInt32();
        var x = new Tensor(f.GetProperty("x").Floats(), batch, sizes[0]);
        return (model, x, f.GetProperty("y").Ints(), f);
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void ForwardLossAndGradientsMatchPyTorch(string activation)
    {
        var (model, x, y, f) = Build(activation);
        var logits = model.Forward(x);
        var hidden = f.GetProperty("hidden").EnumerateArray().ToArray();
        var acts = model.Layers.OfType<Activation>().ToArray();
        Assert.Equal(hidden.Length, acts.Length);
        // Each activation's output is the next Linear's input; re-run layer by layer to read them.
        Tensor h = x;
        int a = 0;
        foreach (var layer in model.Layers)
        {
            h = layer.Forward(h);
            if (layer is Activation) Close.All(hidden[a++].Floats(), h.Data, Rel, Abs, $"{activation} hidden {a}");
        }
        Close.All(f.GetProperty("logits").Floats(), logits.Data, Rel, Abs, "logits");
        var loss = new CrossEntropyLoss();
        float l = loss.Forward(logits, y);
        Assert.InRange(l, f.GetProperty("loss").GetDouble() * (1 - Rel), f.GetProperty("loss").GetDouble() * (1 + Rel));
        var dx = model.Backward(loss.Gradient, needInputGrad: true)!;
        var grads = f.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < grads.Length; i++)
            Close.All(grads[i].Floats(), model.Parameters[i].Grad.Data, Rel, Abs, $"{activation} grad {i}");
        Close.All(f.GetProperty("input_grad").Floats(), dx.Data, Rel, Abs, "input grad");
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void ThreeOptimizerStepsMatchPyTorch(string activation)
    {
        var fixture = Fixtures.Load($"mlp_{activation}.json");
        int configs = 0;
        foreach (var run in fixture.GetProperty("optim").EnumerateArray())
        {
            var (model, x, y, _) = Build(activation);
            var optimizer = Create(run.GetProperty("config"), model.Parameters);
            var loss = new CrossEntropyLoss();
            string name = run.GetProperty("name").GetString()!;
            int step = 0;
            foreach (var expected in run.GetProperty("steps").EnumerateArray())
            {
                step++;
                float l = loss.Forward(model.Forward(x), y);
                double el = expected.GetProperty("loss").GetDouble();
                Assert.True(Math.Abs(l - el) <= 1e-5 * Math.Abs(el), $"{name} step {step}: loss {l} vs {el}");
                model.Backward(loss.Gradient, needInputGrad: false);
                optimizer.Step();
                var ps = expected.GetProperty("params").EnumerateArray().ToArray();
                for (int i = 0; i < ps.Length; i++)
                    Close.All(ps[i].Floats(), model.Parameters[i].Value.Data, Rel, 1e-6, $"{activation}/{name} step {step} param {i}");
            }
            Assert.Equal(3, step);
            configs++;
        }
        Assert.Equal(6, configs);
    }

    private static Optimizer Create(JsonElement c, IReadOnlyList<Parameter> ps)
    {
        string kind = c.GetProperty("kind").GetString()!;
        double lr = c.GetProperty("lr").GetDouble(), wd = c.GetProperty("weight_decay").GetDouble();
        if (kind == "sgd")
            return new Sgd(ps, lr, c.GetProperty("momentum").GetDouble(), c.GetProperty("dampening").GetDouble(), wd, c.GetProperty("nesterov").GetBoolean());
        var betas = c.GetProperty("betas").EnumerateArray().Select(b => b.GetDouble()).ToArray();
        double eps = c.GetProperty("eps").GetDouble();
        return kind == "adamw"
            ? Adam.AdamW(ps, lr, betas[0], betas[1], eps, wd)
            : new Adam(ps, lr, betas[0], betas[1], eps, wd);
    }
}
