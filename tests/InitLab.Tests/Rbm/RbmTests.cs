using InitLab.Rbm;
using InitLab.Tensors;

namespace InitLab.Tests.Rbm;

/// <summary>A queue of given uniforms, to replay the random numbers a scikit-learn fixture used.</summary>
internal sealed class ReplaySampler(params float[][] uniforms) : ISampler
{
    private readonly Queue<float[]> _queue = new(uniforms);
    public int Calls { get; private set; }

    public void Uniform(Span<float> destination)
    {
        var next = _queue.Dequeue();
        Assert.Equal(next.Length, destination.Length);
        next.CopyTo(destination);
        Calls++;
    }

    public void Gaussian(Span<float> destination) => throw new InvalidOperationException("not used");
}

public class RbmSklearnParityTests
{
    private static readonly System.Text.Json.JsonElement F = Fixtures.Load("rbm.json");
    private const double Rel = 1e-5, Abs = 1e-6;

    private static BernoulliRbm Rbm()
    {
        var rbm = new BernoulliRbm(F.GetProperty("n_visible").GetInt32(), F.GetProperty("n_hidden").GetInt32());
        F.GetProperty("components").Floats().CopyTo(rbm.Weights.Data, 0);
        F.GetProperty("intercept_hidden").Floats().CopyTo(rbm.HiddenBias.Data, 0);
        F.GetProperty("intercept_visible").Floats().CopyTo(rbm.VisibleBias.Data, 0);
        return rbm;
    }

    private static Tensor Batch(string key) => new(F.GetProperty(key).Floats(), F.GetProperty("batch").GetInt32(), F.GetProperty("n_visible").GetInt32());

    [Theory]
    [InlineData("")]
    [InlineData("_binary")]
    public void MeanHiddensVisiblesFreeEnergyAndPseudoLikelihood(string suffix)
    {
        var rbm = Rbm();
        var v = Batch("v" + suffix);
        var h = new Tensor(v.Rows, rbm.Hidden);
        rbm.MeanHiddens(v, h);
        Close.All(F.GetProperty("mean_hiddens" + suffix).Floats(), h.Data, Rel, Abs, "mean hiddens");
        var r = new Tensor(v.Rows, rbm.Visible);
        rbm.MeanVisibles(h, r);
        Close.All(F.GetProperty("mean_visibles" + suffix).Floats(), r.Data, Rel, Abs, "mean visibles");
        var fe = new float[v.Rows];
        rbm.FreeEnergy(v, fe);
        Close.All(F.GetProperty("free_energy" + suffix).Floats(), fe, Rel, Abs, "free energy");
        var pl = rbm.PseudoLikelihood(v, F.GetProperty("flip_index" + suffix).Ints());
        Close.All(F.GetProperty("pseudo_likelihood_sklearn" + suffix).Floats(), pl, Rel, 1e-5, "pseudo-likelihood");
    }

    [Fact]
    public void OnePcdUpdateMatchesScikitLearn()
    {
        var pcd = F.GetProperty("pcd");
        using var compute = Compute.UseThreads(1);
        var rbm = Rbm();
        var v = Batch("v");
        var trainer = new RbmTrainer(rbm, new RbmOptions
        {
            LearningRate = pcd.GetProperty("learning_rate").GetDouble(), Persistent = true, GibbsSteps = 1,
            WeightDecay = 0, InitialMomentum = 0, FinalMomentum = 0, SampleVisibles = true,
        })
        {
            PersistentChain = new Tensor(pcd.GetProperty("h_samples_before").Floats(), v.Rows, rbm.Hidden),
        };
        var sampler = new ReplaySampler(pcd.GetProperty("u_visible").Floats(), pcd.GetProperty("u_hidden").Floats());
        trainer.Step(v, momentum: 0, sampler);
        Assert.Equal(2, sampler.Calls);
        Close.All(pcd.GetProperty("components_after").Floats(), rbm.Weights.Data, Rel, Abs, "components");
        Close.All(pcd.GetProperty("intercept_hidden_after").Floats(), rbm.HiddenBias.Data, Rel, Abs, "hidden intercept");
        Close.All(pcd.GetProperty("intercept_visible_after").Floats(), rbm.VisibleBias.Data, Rel, Abs, "visible intercept");
        Assert.Equal(pcd.GetProperty("h_samples_after").Floats(), trainer.PersistentChain!.Data);
    }
}

public class RbmSamplingTests
{
    private static BernoulliRbm Tiny(int visible, int hidden, ulong seed, double scale)
    {
        var rbm = new BernoulliRbm(visible, hidden);
        var g = new InitLab.Random.TorchGenerator(seed);
        g.Normal(rbm.Weights.Span, 0, scale);
        g.Normal(rbm.HiddenBias.Span, 0, scale);
        g.Normal(rbm.VisibleBias.Span, 0, scale);
        return rbm;
    }

    [Fact]
    public void SampledHiddensAverageToTheirProbabilities()
    {
        var rbm = Tiny(8, 5, 1, 0.7);
        const int n = 40_000;
        var v = new Tensor(n, 8);
        var basis = new float[] { 1, 0, 1, 1, 0, 0.5f, 0.2f, 1 };
        for (int i = 0; i < n; i++) basis.CopyTo(v.Row(i));
        var p = new Tensor(n, 5);
        rbm.MeanHiddens(v, p);
        var h = new Tensor(n, 5);
        rbm.SampleHiddens(v, h, new FastSampler(2));
        for (int j = 0; j < 5; j++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += h[i, j];
            mean /= n;
            double prob = p[0, j], se = Math.Sqrt(prob * (1 - prob) / n);
            // 5 standard errors: a false failure has probability below 1e-6.
            Assert.True(Math.Abs(mean - prob) <= 5 * se, $"unit {j}: sampled mean {mean:F4}, probability {prob:F4} (se {se:E2})");
        }
    }

    /// <summary>
    /// The exact gradient of the mean log-likelihood, by enumerating all 2^(V+H) joint states:
    /// ⟨v hᵀ⟩data - ⟨v hᵀ⟩model for W, returned as (hidden, visible) like the weights.
    /// </summary>
    private static double[,] ExactWeightGradient(BernoulliRbm rbm, float[][] data)
    {
        int V = rbm.Visible, H = rbm.Hidden;
        var grad = new double[H, V];
        foreach (var v in data)
            for (int j = 0; j < H; j++)
            {
                double x = rbm.HiddenBias.Data[j];
                for (int i = 0; i < V; i++) x += rbm.Weights[j, i] * v[i];
                double ph = 1 / (1 + Math.Exp(-x));
                for (int i = 0; i < V; i++) grad[j, i] += ph * v[i] / data.Length;
            }
        double z = 0;
        var model = new double[H, V];
        for (int vs = 0; vs < 1 << V; vs++)
            for (int hs = 0; hs < 1 << H; hs++)
            {
                double negE = 0;
                for (int i = 0; i < V; i++) if ((vs >> i & 1) == 1) negE += rbm.VisibleBias.Data[i];
                for (int j = 0; j < H; j++)
                {
                    if ((hs >> j & 1) == 0) continue;
                    negE += rbm.HiddenBias.Data[j];
                    for (int i = 0; i < V; i++) if ((vs >> i & 1) == 1) negE += rbm.Weights[j, i];
                }
                double w = Math.Exp(negE);
                z += w;
                for (int j = 0; j < H; j++)
                    for (int i = 0; i < V; i++)
                        if ((hs >> j & 1) == 1 && (vs >> i & 1) == 1) model[j, i] += w;
            }
        for (int j = 0; j < H; j++)
            for (int i = 0; i < V; i++) grad[j, i] -= model[j, i] / z;
        return grad;
    }

    [Fact]
    public void CdWithManyGibbsStepsMatchesTheExactGradient()
    {
        var rbm = Tiny(4, 3, 7, 0.8);
        float[][] data = [[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 1], [1, 1, 1, 0]];
        var exact = ExactWeightGradient(rbm, data);
        // CD-k's expected update approaches the likelihood gradient as k grows; average it over
        // many chains (each data vector replicated) in one batch. With lr = 1, no momentum and no
        // decay, the weight change is the gradient estimate.
        const int copies = 6000;
        var batch = new Tensor(data.Length * copies, 4);
        for (int i = 0; i < batch.Rows; i++) data[i % data.Length].CopyTo(batch.Row(i));
        var before = rbm.Weights.Clone();
        var trainer = new RbmTrainer(rbm, new RbmOptions
        {
            LearningRate = 1, GibbsSteps = 100, SampleVisibles = true, InitialMomentum = 0, FinalMomentum = 0, WeightDecay = 0,
        });
        trainer.Step(batch, 0, new FastSampler(11));
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 4; i++)
            {
                double estimate = rbm.Weights[j, i] - before[j, i];
                // Each entry is a mean of 36,000 terms in [-1, 1]: standard error below 0.006; 5 of them is 0.03.
                Assert.True(Math.Abs(estimate - exact[j, i]) < 0.03, $"W[{j},{i}]: CD-100 {estimate:F4}, exact {exact[j, i]:F4}");
            }
    }
}

public class NumpyFlipTests
{
    [Theory]
    [InlineData("")]
    [InlineData("_binary")]
    public void FlipsAreScikitLearnsForTheSameRandomState(string suffix)
    {
        var f = Fixtures.Load("rbm.json");
        var rs = new InitLab.Random.NumpyRandomState(f.GetProperty("score_seed" + suffix).GetUInt32());
        var expected = f.GetProperty("flip_index" + suffix).Ints();
        Assert.Equal(expected, expected.Select(_ => rs.RandInt(0, f.GetProperty("n_visible").GetInt32())).ToArray());
    }
}

public class RbmAveragingTests
{
    /// <summary>Calls back synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Now<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }

    private static (BernoulliRbm, Tensor) Setup()
    {
        var rbm = new BernoulliRbm(6, 4);
        var data = new Tensor(10, 6);
        var r = new InitLab.Random.FastRandom(3);
        for (int i = 0; i < data.Data.Length; i++) data.Data[i] = r.NextInt(2);
        RbmTrainer.Initialize(rbm, data, 5);
        return (rbm, data);
    }

    private static RbmOptions Options(int average) => new()
    {
        Epochs = 4, BatchSize = 10, LearningRate = 0.5, Persistent = true, InitialMomentum = 0, FinalMomentum = 0, Seed = 9, AverageEpochs = average,
    };

    [Fact]
    public void AveragingReturnsTheMeanOfTheLastEpochsIterates()
    {
        // One update per epoch (batch = all 10 rows), so epoch e's parameters are iterate e.
        var (plain, data) = Setup();
        var iterates = new List<(float[] W, float[] C, float[] B)>();
        new RbmTrainer(plain, Options(0)).Fit(data, progress: new Now<RbmEpochReport>(_ =>
            iterates.Add((plain.Weights.Data.ToArray(), plain.HiddenBias.Data.ToArray(), plain.VisibleBias.Data.ToArray()))));
        var (averaged, _) = Setup();
        new RbmTrainer(averaged, Options(2)).Fit(data);

        static float[] Mean(float[] a, float[] b) => a.Select((x, i) => (x + b[i]) / 2).ToArray();
        Assert.Equal(4, iterates.Count);
        Assert.NotEqual(iterates[2].W, iterates[3].W);
        var expectW = Mean(iterates[2].W, iterates[3].W);
        for (int i = 0; i < expectW.Length; i++) Assert.Equal(expectW[i], averaged.Weights.Data[i], 1e-6f);
        var expectC = Mean(iterates[2].C, iterates[3].C);
        for (int i = 0; i < expectC.Length; i++) Assert.Equal(expectC[i], averaged.HiddenBias.Data[i], 1e-6f);
        var expectB = Mean(iterates[2].B, iterates[3].B);
        for (int i = 0; i < expectB.Length; i++) Assert.Equal(expectB[i], averaged.VisibleBias.Data[i], 1e-6f);
    }

    [Fact]
    public void AveragingRejectsANegativeCount() =>
        Assert.Throws<ArgumentException>(() => new RbmTrainer(new BernoulliRbm(2, 2), Options(-1)));
}

public class StandardizeTests
{
    [Fact]
    public void FeaturesGetZeroMeanAndUnitVarianceFromTheTrainingSet()
    {
        // Column 0: 1, 3, 5, 7 (mean 4, sd sqrt(5)); column 1 constant 2 (sd floored at 0.01).
        var train = new Tensor([1, 2, 3, 2, 5, 2, 7, 2], 4, 2);
        var held = new Tensor([4, 2.5f], 1, 2);
        GaussianBernoulliRbm.Standardize(train, held);
        double sd = Math.Sqrt(5);
        float[] expected = [(float)(-3 / sd), 0, (float)(-1 / sd), 0, (float)(1 / sd), 0, (float)(3 / sd), 0];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], train.Data[i], 6);
        Assert.Equal(0f, held[0, 0], 6);
        Assert.Equal(50f, held[0, 1], 3);   // (2.5 - 2) / 0.01
    }
}
