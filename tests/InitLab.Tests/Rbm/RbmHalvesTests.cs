using InitLab.Rbm;
using InitLab.Tensors;

namespace InitLab.Tests.Rbm;

/// <summary>
/// The CD-k step by halves of the hidden units (RbmHalvesStep, taken by RbmTrainer.Step for a
/// Bernoulli RBM with the engine's sampler): the same bits on every thread count, the numbers of
/// a naive step in double with the same random streams, and no allocation per step.
/// </summary>
public class RbmHalvesTests
{
    private static BernoulliRbm Model(int visible, int hidden, ulong seed)
    {
        var rbm = new BernoulliRbm(visible, hidden);
        var g = new InitLab.Random.TorchGenerator(seed);
        g.Normal(rbm.Weights.Span, 0, 0.3);
        g.Normal(rbm.HiddenBias.Span, 0, 0.3);
        g.Normal(rbm.VisibleBias.Span, 0, 0.3);
        return rbm;
    }

    private static Tensor Batch(int rows, int cols, int seed)
    {
        var r = new System.Random(seed);
        var t = new Tensor(rows, cols);
        for (int i = 0; i < t.Data.Length; i++) t.Data[i] = r.NextDouble() < 0.4 ? 0f : (float)r.NextDouble();
        return t;
    }

    private static float[] Train(int threads, int visible, int hidden, int gibbs, bool sampleVisibles, int batch)
    {
        using var scope = Compute.UseThreads(threads);
        var rbm = Model(visible, hidden, 5);
        var trainer = new RbmTrainer(rbm, new RbmOptions
        {
            LearningRate = 0.1, GibbsSteps = gibbs, SampleVisibles = sampleVisibles, WeightDecay = 0.01,
        });
        var sampler = new FastSampler(9);
        for (int s = 0; s < 3; s++) trainer.Step(Batch(batch, visible, s), s == 0 ? 0 : 0.5, sampler);
        return [.. rbm.Weights.Data, .. rbm.HiddenBias.Data, .. rbm.VisibleBias.Data];
    }

    [Theory]
    [InlineData(37, 70, 1, false, 13)] // halves of 64 and 6 hidden units
    [InlineData(37, 70, 2, true, 13)]
    [InlineData(37, 70, 1, false, 150)] // a batch over 144: the weight step as two GEMMs and a pass
    [InlineData(784, 500, 1, false, 13)] // the benchmark's shape: 256 and 244
    [InlineData(20, 20, 2, true, 13)] // one half only (fewer than 33 hidden units)
    [InlineData(9, 40, 1, true, 13)] // fewer visibles than one column range
    [InlineData(1, 1, 2, true, 13)] // one visible, one hidden unit
    public void EveryThreadCountGivesTheSameBits(int visible, int hidden, int gibbs, bool sampleVisibles, int batch)
    {
        var one = Train(1, visible, hidden, gibbs, sampleVisibles, batch);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Train(threads, visible, hidden, gibbs, sampleVisibles, batch);
            for (int i = 0; i < one.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(one[i]) == BitConverter.SingleToInt32Bits(many[i]),
                    $"{threads} threads, value {i}: {many[i]:R} against {one[i]:R} on one thread");
        }
    }

    private static void Close(double expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) < 1e-5, $"{what}: {actual:R}, the naive step in double {expected:R}");

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Theory]
    [InlineData(6)]
    [InlineData(150)] // over 144: the weight step as two GEMMs and a pass over W
    public void OneStepIsTheNaiveStepInDoubleWithTheHalvesStreams(int B)
    {
        const int V = 20, H = 40, First = 32; // halves: hidden units 0-31 and 32-39
        const double lr = 0.1, momentum = 0.5, decay = 0.01;
        var rbm = Model(V, H, 3);
        var w = rbm.Weights.Clone();
        var c = rbm.HiddenBias.Data.ToArray();
        var b = rbm.VisibleBias.Data.ToArray();
        var v0 = Batch(B, V, 1);
        var trainer = new RbmTrainer(rbm, new RbmOptions { LearningRate = lr, WeightDecay = decay });
        using (Compute.UseThreads(2)) trainer.Step(v0, momentum, new FastSampler(4));

        // The reference: the first half's hidden states from the sampler's stream, the second
        // half's from its sibling's, each a row-major block of (batch, units of the half).
        var hPos = new double[B, H];
        for (int i = 0; i < B; i++)
            for (int j = 0; j < H; j++)
            {
                double x = c[j];
                for (int k = 0; k < V; k++) x += (double)v0[i, k] * w[j, k];
                hPos[i, j] = Sigmoid(x);
            }
        var reference = new FastSampler(4);
        var s0 = new float[B * First];
        var s1 = new float[B * (H - First)];
        for (int i = 0; i < B; i++)
            for (int j = 0; j < H; j++)
                if (j < First) s0[i * First + j] = (float)hPos[i, j];
                else s1[i * (H - First) + j - First] = (float)hPos[i, j];
        reference.Bernoulli(s0);
        reference.Sibling.Bernoulli(s1);
        double State(int i, int j) => j < First ? s0[i * First + j] : s1[i * (H - First) + j - First];
        var vNeg = new double[B, V];
        for (int i = 0; i < B; i++)
            for (int k = 0; k < V; k++)
            {
                double x = b[k];
                for (int j = 0; j < H; j++) x += State(i, j) * w[j, k];
                vNeg[i, k] = Sigmoid(x);
            }
        var hNeg = new double[B, H];
        for (int i = 0; i < B; i++)
            for (int j = 0; j < H; j++)
            {
                double x = c[j];
                for (int k = 0; k < V; k++) x += vNeg[i, k] * w[j, k];
                hNeg[i, j] = Sigmoid(x);
            }
        double scale = lr / B;
        for (int j = 0; j < H; j++)
        {
            for (int k = 0; k < V; k++)
            {
                double g = 0;
                for (int i = 0; i < B; i++) g += hPos[i, j] * v0[i, k] - hNeg[i, j] * vNeg[i, k];
                double step = scale * g - lr * decay * w[j, k]; // the momentum buffer starts at zero
                Close(w[j, k] + step, rbm.Weights[j, k], $"W[{j},{k}]");
            }
            double dc = 0;
            for (int i = 0; i < B; i++) dc += hPos[i, j] - hNeg[i, j];
            Close(c[j] + scale * dc, rbm.HiddenBias.Data[j], $"c[{j}]");
        }
        for (int k = 0; k < V; k++)
        {
            double db = 0;
            for (int i = 0; i < B; i++) db += v0[i, k] - vNeg[i, k];
            Close(b[k] + scale * db, rbm.VisibleBias.Data[k], $"b[{k}]");
        }
    }

    [Fact]
    public void AStepAllocatesNothing()
    {
        using var scope = Compute.UseThreads(1);
        var rbm = Model(50, 80, 2);
        var trainer = new RbmTrainer(rbm, new RbmOptions { GibbsSteps = 2, SampleVisibles = true });
        var batch = Batch(10, 50, 3);
        var sampler = new FastSampler(1);
        trainer.Step(batch, 0.5, sampler);
        GC.Collect();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 0; s < 10; s++) trainer.Step(batch, 0.5, sampler);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"ten steps allocated {allocated} bytes");
    }

    [Fact]
    public void ABatchOfTheWrongWidthIsRefused()
    {
        var trainer = new RbmTrainer(Model(12, 40, 1), new RbmOptions());
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(new Tensor(4, 11), 0, new FastSampler(1)));
        Assert.Contains("11 features", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFailedHalfLeavesTheNextStepWorking(bool workersPrefetchFails)
    {
        // One half fails at its third prefetch (a row index past the data): the calling
        // thread's, after the other half has gone on to the first meeting, or the worker's. The
        // failure comes out as itself, and the next step must neither hang nor pair the
        // threads' meetings wrongly.
        using var scope = Compute.UseThreads(2);
        var rbm = Model(30, 70, 4);
        var step = new RbmHalvesStep(rbm);
        var dW = new Tensor(70, 30);
        float[] dc = new float[70], db = new float[30];
        var batch = Batch(8, 30, 2);
        var bad = new InitLab.Training.RowPrefetch();
        bad.Set(batch, [0, 1, 99, 99], 0, 4);
        var failed = Record.Exception(() => step.Run(batch, dW, dc, db, 0.01f, 0.5f, 0, 2, false, new FastSampler(1),
            workersPrefetchFails ? null : bad, workersPrefetchFails ? bad : null));
        Assert.NotNull(failed);
        Assert.IsNotType<OperationCanceledException>(failed);
        var next = Task.Run(() =>
        {
            using var inner = Compute.UseThreads(2);
            step.Run(batch, dW, dc, db, 0.01f, 0.5f, 0, 2, false, new FastSampler(1));
        });
        Assert.True(await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(30))) == next, "the step after a failed one hung");
        await next;
        Assert.All(rbm.Weights.Data, w => Assert.True(float.IsFinite(w)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EachThreadAsksForTheNextRowsItGathers(int threads)
    {
        // The calling thread's prefetch and the worker's both ask for all their rows in a step,
        // each on its own thread (on one thread, the one thread asks for both), and the weights
        // are those of a step with no prefetch at all, bit for bit.
        using var scope = Compute.UseThreads(threads);
        var batch = Batch(8, 30, 2);
        int[] Stepped(InitLab.Training.RowPrefetch? first, InitLab.Training.RowPrefetch? second)
        {
            var rbm = Model(30, 70, 4);
            new RbmHalvesStep(rbm).Run(batch, new Tensor(70, 30), new float[70], new float[30], 0.01f, 0.5f, 0, 2, false, new FastSampler(1), first, second);
            return rbm.Weights.Data.Select(BitConverter.SingleToInt32Bits).ToArray();
        }
        var (mine, workers) = (new InitLab.Training.RowPrefetch(), new InitLab.Training.RowPrefetch());
        mine.Set(batch, [0, 1, 2, 3, 4, 5, 6, 7], 0, 4);
        workers.Set(batch, [0, 1, 2, 3, 4, 5, 6, 7], 4, 8);
        Assert.Equal(Stepped(null, null), Stepped(mine, workers));
        Assert.Equal(4, mine.Asked);
        Assert.Equal(4, workers.Asked);
        int me = Environment.CurrentManagedThreadId;
        Assert.Equal(me, mine.AskedOn);
        if (threads == 1) Assert.Equal(me, workers.AskedOn);
        else Assert.NotEqual(me, workers.AskedOn);
    }

    [Fact]
    public void TheNextBatchIsSplitOnlyWhenTwoThreadsGatherItAndTheStepRunsByHalves()
    {
        // Each thread asks for its own share of the next batch only where the worker will both
        // gather its share and ask for it in its half of the step; else the calling thread asks
        // for all of it (a worker share nobody asked for would reach memory cold).
        bool Splits(int threads, RestrictedBoltzmannMachine rbm, bool persistent, int rows)
        {
            using var scope = Compute.UseThreads(threads);
            return new RbmTrainer(rbm, new RbmOptions { Persistent = persistent }).SplitsNextBatch(rows, rbm.Visible);
        }
        Assert.True(Splits(2, new BernoulliRbm(784, 50), false, 100));
        Assert.False(Splits(1, new BernoulliRbm(784, 50), false, 100));
        Assert.False(Splits(3, new BernoulliRbm(784, 50), false, 100));
        Assert.False(Splits(2, new BernoulliRbm(784, 50), true, 100));          // PCD: one thread's step
        Assert.False(Splits(2, new GaussianBernoulliRbm(784, 50), false, 100)); // not by halves
        Assert.False(Splits(2, new BernoulliRbm(784, 50), false, 20));          // 15,680 values: gathered on one thread
        Assert.True(Splits(2, new BernoulliRbm(784, 50), false, 21));           // 16,464: on two
        Assert.False(Splits(2, new BernoulliRbm(784, 32), false, 100));         // 32 units: one half, one thread
        Assert.True(Splits(2, new BernoulliRbm(784, 33), false, 100));
    }

    [Fact]
    public void AnEmptyBatchIsRefusedBeforeAnythingChanges()
    {
        foreach (var options in new[] { new RbmOptions(), new RbmOptions { Persistent = true } })
        {
            var rbm = Model(12, 40, 1);
            var before = rbm.HiddenBias.Data.ToArray();
            var trainer = new RbmTrainer(rbm, options);
            var e = Assert.Throws<ArgumentException>(() => trainer.Step(new Tensor(0, 12), 0.5, new FastSampler(1)));
            Assert.Contains("empty", e.Message);
            Assert.Equal(before, rbm.HiddenBias.Data);
        }
    }
}
