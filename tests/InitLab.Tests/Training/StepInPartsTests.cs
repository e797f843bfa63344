using InitLab.Data;
using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Tensors;
using InitLab.Training;

namespace InitLab.Tests.Training;

/// <summary>
/// Optimizer steps taken in parts (each layer's parameters as backpropagation leaves the layer)
/// give the numbers of a whole step, bit for bit; SGD's vectorized, threaded update is
/// torch.optim.SGD's formula done one element at a time.
/// </summary>
[Collection(SerialCollection.Name)]
public class StepInPartsTests
{
    /// <summary>Vectors of the given sizes (see the overload below).</summary>
    private static Parameter[] Parameters(int seed, params int[] sizes) => Parameters(seed, sizes.Select(n => (0, n)).ToArray());

    /// <summary>Parameters of the given shapes (rows 0: a vector), values and gradients in [-1, 1).</summary>
    private static Parameter[] Parameters(int seed, (int Rows, int Cols)[] shapes)
    {
        var r = new System.Random(seed);
        return shapes.Select((shape, k) =>
        {
            var p = new Parameter($"p{k}", shape.Rows == 0 ? new Tensor(shape.Cols) : new Tensor(shape.Rows, shape.Cols));
            int n = p.Value.Length;
            for (int i = 0; i < n; i++)
            {
                p.Value.Data[i] = (float)(r.NextDouble() * 2 - 1);
                p.Grad.Data[i] = (float)(r.NextDouble() * 2 - 1);
            }
            return p;
        }).ToArray();
    }

    private static void NewGradients(Parameter[] ps, int seed)
    {
        var r = new System.Random(seed);
        foreach (var p in ps)
            for (int i = 0; i < p.Grad.Length; i++) p.Grad.Data[i] = (float)(r.NextDouble() * 2 - 1);
    }

    public static IEnumerable<object[]> Optimizers()
    {
        foreach (string name in new[] { "adam", "adamw-decay", "sgd", "sgd-momentum", "sgd-nesterov-decay", "sgd-dampening" })
            foreach (int threads in new[] { 1, 2, 3 })
                yield return [name, threads];
    }

    private static Optimizer Make(string name, IReadOnlyList<Parameter> ps) => name switch
    {
        "adam" => new Adam(ps, 0.01),
        "adamw-decay" => Adam.AdamW(ps, 0.01, weightDecay: 0.1),
        "sgd" => new Sgd(ps, 0.1),
        "sgd-momentum" => new Sgd(ps, 0.1, momentum: 0.9),
        "sgd-nesterov-decay" => new Sgd(ps, 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true),
        _ => new Sgd(ps, 0.1, momentum: 0.5, dampening: 0.3, weightDecay: 0.02),
    };

    // Sizes larger than the parallel threshold (split across threads at odd places) and small
    // ones (a bias), none a multiple of the vector width; then two weight matrices.
    private static readonly (int Rows, int Cols)[] Shapes = [(0, 70_001), (0, 37), (0, 40_003), (0, 5), (300, 257), (129, 301)];

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void PartsInAnyOrderGiveTheWholeStep(string name, int threads)
    {
        using var compute = Compute.UseThreads(threads);
        var whole = Parameters(1, Shapes);
        var parts = Parameters(1, Shapes);
        var a = Make(name, whole);
        var b = Make(name, parts);
        for (int step = 0; step < 3; step++)
        {
            NewGradients(whole, 100 + step);
            NewGradients(parts, 100 + step);
            a.Step();
            b.BeginStep();
            b.Update(2, 2);       // the last layer first, as backpropagation goes
            b.Update(1, 1);
            b.EndStep();          // parameter 0, not updated yet, is updated here
            for (int k = 0; k < Shapes.Length; k++) Assert.Equal(whole[k].Value.Data, parts[k].Value.Data);
        }
        var sa = a.CaptureState();
        var sb = b.CaptureState();
        Assert.Equal(sa.Step, sb.Step);
        foreach (var (key, values) in sa.Buffers) Assert.Equal(values, sb.Buffers[key]);
    }

    /// <summary>Each thread count splits the parameters differently; every element must be updated once, the same way.</summary>
    [Theory]
    [InlineData("adam")]
    [InlineData("adamw-decay")]
    [InlineData("sgd-momentum")]
    public void EveryThreadCountGivesTheSameStep(string name)
    {
        Parameter[]? one = null;
        foreach (int threads in new[] { 1, 2, 3 })
        {
            using var compute = Compute.UseThreads(threads);
            var ps = Parameters(4, Shapes);
            var optimizer = Make(name, ps);
            for (int step = 0; step < 3; step++)
            {
                NewGradients(ps, 300 + step);
                optimizer.Step();
            }
            if (one is null) one = ps;
            else for (int k = 0; k < Shapes.Length; k++) Assert.Equal(one[k].Value.Data, ps[k].Value.Data);
        }
    }

    [Theory]
    [InlineData(1, "dampening")]
    [InlineData(2, "dampening")]
    [InlineData(3, "dampening")]
    [InlineData(2, "nesterov")]
    [InlineData(2, "plain")]
    public void SgdIsTorchsFormulaElementByElement(int threads, string kind)
    {
        using var compute = Compute.UseThreads(threads);
        var ps = Parameters(2, Shapes);
        var reference = Parameters(2, Shapes);
        float lr = 0.1f, mom = kind == "plain" ? 0f : 0.9f, wd = kind == "plain" ? 0f : 0.01f;
        float damp = kind == "dampening" ? 1 - 0.25f : 1f;
        bool nesterov = kind == "nesterov";
        var sgd = new Sgd(ps, lr, momentum: mom, dampening: kind == "dampening" ? 0.25 : 0, weightDecay: wd, nesterov: nesterov);
        var buffers = reference.Select(p => new float[p.Value.Length]).ToArray();
        for (int step = 0; step < 3; step++)
        {
            NewGradients(ps, 200 + step);
            NewGradients(reference, 200 + step);
            sgd.Step();
            // torch.optim.SGD, one element at a time.
            for (int k = 0; k < Shapes.Length; k++)
                for (int i = 0; i < buffers[k].Length; i++)
                {
                    float d = reference[k].Grad.Data[i];
                    if (wd != 0f) d += wd * reference[k].Value.Data[i];
                    if (mom != 0f)
                    {
                        float b = step == 0 ? d : buffers[k][i] * mom + damp * d;
                        buffers[k][i] = b;
                        d = nesterov ? d + mom * b : b;
                    }
                    reference[k].Value.Data[i] -= lr * d;
                }
            for (int k = 0; k < Shapes.Length; k++) Assert.Equal(reference[k].Value.Data, ps[k].Value.Data);
        }
    }

    [Fact]
    public void MisuseIsRefused()
    {
        var ps = Parameters(3, 10, 10);
        var adam = new Adam(ps, 0.01);
        Assert.Throws<InvalidOperationException>(() => adam.Update(0, 1));
        Assert.Throws<InvalidOperationException>(() => adam.EndStep());
        var reference = Parameters(3, 10, 10);
        new Adam(reference, 0.01).Step();
        adam.BeginStep();
        Assert.Throws<InvalidOperationException>(() => adam.BeginStep());
        Assert.Throws<InvalidOperationException>(() => adam.CaptureState());
        adam.Update(1, 1);
        // Refused as a whole: parameter 0 is not marked as updated, so EndStep updates it.
        Assert.Throws<InvalidOperationException>(() => adam.Update(0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.Update(1, 2));
        adam.EndStep();
        Assert.Equal(1, adam.StepCount);
        Assert.Equal(reference[0].Value.Data, ps[0].Value.Data);
        Assert.Equal(reference[1].Value.Data, ps[1].Value.Data);
        // After an abandoned step the optimizer takes steps again.
        adam.BeginStep();
        adam.AbandonStep();
        adam.Step();
        Assert.Equal(3, adam.StepCount);
        Assert.Throws<NotSupportedException>(() => new WholeStepsOnly(new Adam(ps, 0.01)).BeginStep());
    }

    /// <summary>An optimizer that takes whole steps only (the trainer then steps after backpropagation).</summary>
    private sealed class WholeStepsOnly(Optimizer inner) : Optimizer(inner.Parameters, inner.LearningRate)
    {
        public override void Step() => inner.Step();
        public override OptimizerState CaptureState() => inner.CaptureState();
        public override void RestoreState(OptimizerState state) => inner.RestoreState(state);
    }

    public static IEnumerable<object[]> Architectures() =>
    [
        ["adam", "plain"], ["sgd", "plain"], ["adam", "batchnorm"],
        // Residual blocks (with their learnable gain), dropout and LayerNorm: layers whose
        // parameters sit inside a block, and layers without parameters.
        ["adam", "residual-dropout-layernorm"],
    ];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void TrainingWithLayerByLayerUpdatesIsTrainingWithWholeSteps(string optimizer, string architecture)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, 300, 10);
        var data = MnistLoader.Load(d.Path);
        using var compute = Compute.UseThreads(2);
        Sequential Run(bool? parts)
        {
            var g = new TorchGenerator(777);
            var options = architecture switch
            {
                "batchnorm" => MlpOptions.Plain with { Norm = NormKind.Batch },
                "residual-dropout-layernorm" => MlpOptions.Plain with { Norm = NormKind.Layer, Residual = 2, ResidualGain = true, Dropout = 0.2 },
                _ => MlpOptions.Plain,
            };
            int[] sizes = architecture.StartsWith("residual") ? [784, 64, 10] : [784, 300, 200, 10];
            var model = Mlp.Create(sizes, "relu", InitPlan.Parse("he-normal"), g, options);
            if (parts is not { } p) return model;
            Optimizer opt = optimizer == "adam" ? new Adam(model.Parameters, 0.001) : new Sgd(model.Parameters, 0.05, momentum: 0.9);
            var trainer = new Trainer(model, p ? opt : new WholeStepsOnly(opt), g, new TrainingOptions { BatchSize = 50 });
            // The path under test is taken (and the reference run does not take it).
            Assert.Equal(p, trainer.UpdatesLayerByLayer);
            trainer.RunEpoch(data.Train, 1);
            return model;
        }
        var a = Run(parts: true);
        var b = Run(parts: false);
        var untrained = Run(parts: null);
        for (int k = 0; k < a.Parameters.Count; k++)
        {
            Assert.Equal(b.Parameters[k].Value.Data, a.Parameters[k].Value.Data);
            Assert.NotEqual(untrained.Parameters[k].Value.Data, a.Parameters[k].Value.Data);
        }
    }
}
