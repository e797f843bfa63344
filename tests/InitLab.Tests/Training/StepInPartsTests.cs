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
    private static Parameter[] Parameters(int seed, params int[] sizes)
    {
        var r = new System.Random(seed);
        return sizes.Select((n, k) =>
        {
            var p = new Parameter($"p{k}", new Tensor(n));
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
    // ones (a bias), none a multiple of the vector width.
    private static readonly int[] Sizes = [70_001, 37, 40_003, 5];

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void PartsInAnyOrderGiveTheWholeStep(string name, int threads)
    {
        using var compute = Compute.UseThreads(threads);
        var whole = Parameters(1, Sizes);
        var parts = Parameters(1, Sizes);
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
            for (int k = 0; k < Sizes.Length; k++) Assert.Equal(whole[k].Value.Data, parts[k].Value.Data);
        }
        var sa = a.CaptureState();
        var sb = b.CaptureState();
        Assert.Equal(sa.Step, sb.Step);
        foreach (var (key, values) in sa.Buffers) Assert.Equal(values, sb.Buffers[key]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SgdIsTorchsFormulaElementByElement(int threads)
    {
        using var compute = Compute.UseThreads(threads);
        var ps = Parameters(2, Sizes);
        var reference = Parameters(2, Sizes);
        const float lr = 0.1f, mom = 0.9f, wd = 0.01f, damp = 1 - 0.25f;
        var sgd = new Sgd(ps, lr, momentum: mom, dampening: 0.25, weightDecay: wd, nesterov: false);
        var buffers = Sizes.Select(n => new float[n]).ToArray();
        for (int step = 0; step < 3; step++)
        {
            NewGradients(ps, 200 + step);
            NewGradients(reference, 200 + step);
            sgd.Step();
            for (int k = 0; k < Sizes.Length; k++)
                for (int i = 0; i < Sizes[k]; i++)
                {
                    float d = reference[k].Grad.Data[i] + wd * reference[k].Value.Data[i];
                    float b = step == 0 ? d : buffers[k][i] * mom + damp * d;
                    buffers[k][i] = b;
                    reference[k].Value.Data[i] -= lr * b;
                }
            for (int k = 0; k < Sizes.Length; k++) Assert.Equal(reference[k].Value.Data, ps[k].Value.Data);
        }
    }

    [Fact]
    public void MisuseIsRefused()
    {
        var ps = Parameters(3, 10, 10);
        var adam = new Adam(ps, 0.01);
        Assert.Throws<InvalidOperationException>(() => adam.Update(0, 1));
        Assert.Throws<InvalidOperationException>(() => adam.EndStep());
        adam.BeginStep();
        Assert.Throws<InvalidOperationException>(() => adam.BeginStep());
        adam.Update(0, 1);
        Assert.Throws<InvalidOperationException>(() => adam.Update(0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.Update(1, 2));
        adam.EndStep();
        Assert.Equal(1, adam.StepCount);
        Assert.Throws<NotSupportedException>(() => new WholeStepsOnly(new Adam(ps, 0.01)).BeginStep());
    }

    /// <summary>An optimizer that takes whole steps only (the trainer then steps after backpropagation).</summary>
    private sealed class WholeStepsOnly(Optimizer inner) : Optimizer(inner.Parameters, inner.LearningRate)
    {
        public override void Step() => inner.Step();
        public override OptimizerState CaptureState() => inner.CaptureState();
        public override void RestoreState(OptimizerState state) => inner.RestoreState(state);
    }

    [Theory]
    [InlineData("adam", false)]
    [InlineData("sgd", false)]
    [InlineData("adam", true)]
    public void TrainingWithLayerByLayerUpdatesIsTrainingWithWholeSteps(string optimizer, bool norm)
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, 300, 10);
        var data = MnistLoader.Load(d.Path);
        using var compute = Compute.UseThreads(2);
        Sequential Run(bool? parts)
        {
            var g = new TorchGenerator(777);
            var options = norm ? MlpOptions.Plain with { Norm = NormKind.Batch } : MlpOptions.Plain;
            var model = Mlp.Create([784, 300, 200, 10], "relu", InitPlan.Parse("he-normal"), g, options);
            if (parts is not { } p) return model;
            Optimizer opt = optimizer == "adam" ? new Adam(model.Parameters, 0.001) : new Sgd(model.Parameters, 0.05, momentum: 0.9);
            var trainer = new Trainer(model, p ? opt : new WholeStepsOnly(opt), g, new TrainingOptions { BatchSize = 50 });
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
