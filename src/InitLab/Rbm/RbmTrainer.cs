using System.Diagnostics;
using System.Numerics.Tensors;
using InitLab.Random;
using InitLab.Tensors;
using InitLab.Training;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Rbm;

/// <summary>How an RBM is trained (defaults after Hinton's practical guide).</summary>
public sealed record RbmOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per update (&gt;= 1); the rows are reshuffled each epoch and a last partial batch is left out.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>lr (&gt; 0), the step size of each update ΔW (see <see cref="RbmTrainer"/>).</summary>
    public double LearningRate { get; init; } = 0.1;

    // Unset momentum follows Persistent (see DefaultMomentum), so that `Persistent = true` alone
    // gives the momentum-free PCD the README recommends instead of Hinton's CD schedule.
    private readonly double? _initialMomentum, _finalMomentum;

    /// <summary>
    /// Momentum before <see cref="MomentumSwitchEpoch"/> (inclusive). When not set:
    /// <see cref="DefaultMomentum"/> for <see cref="Persistent"/> (0.5 for CD, 0 for PCD).
    /// </summary>
    public double InitialMomentum { get => _initialMomentum ?? DefaultMomentum(Persistent).Initial; init => _initialMomentum = value; }

    /// <summary>Momentum after <see cref="MomentumSwitchEpoch"/>. When not set: 0.9 for CD, 0 for PCD (<see cref="DefaultMomentum"/>).</summary>
    public double FinalMomentum { get => _finalMomentum ?? DefaultMomentum(Persistent).Final; init => _finalMomentum = value; }

    /// <summary>Last epoch (1-based) trained with <see cref="InitialMomentum"/>; later epochs use <see cref="FinalMomentum"/>.</summary>
    public int MomentumSwitchEpoch { get; init; } = 5;

    /// <summary>
    /// The momentum schedule to use when none is given: Hinton's 0.5 then 0.9 for CD; none for
    /// PCD, whose persistent chains cannot follow weights that move that fast (at scikit-learn's
    /// settings momentum takes the held-out pseudo-likelihood from about -94 to -180).
    /// </summary>
    public static (double Initial, double Final) DefaultMomentum(bool persistent) => persistent ? (0, 0) : (0.5, 0.9);

    /// <summary>L2 weight decay on the weights (not the biases).</summary>
    public double WeightDecay { get; init; } = 0.0002;

    /// <summary>Gibbs steps per update (CD-k, or PCD-k).</summary>
    public int GibbsSteps { get; init; } = 1;

    /// <summary>Persistent contrastive divergence: the negative chains carry over between updates.</summary>
    public bool Persistent { get; init; }

    /// <summary>Sample the negative visibles (as scikit-learn does) instead of using their probabilities (Hinton's advice for CD). Default: sample with PCD, not with CD.</summary>
    public bool? SampleVisibles { get; init; }

    /// <summary>
    /// Polyak averaging: the trained parameters are the mean of the parameters after every
    /// update of the last this-many epochs (0: the last update's). The persistent chains and
    /// the updates themselves use the running parameters, so the algorithm is unchanged.
    /// </summary>
    public int AverageEpochs { get; init; }

    /// <summary>Seed of the trainer's sampler: shuffling, Gibbs sampling and the monitoring's feature flips all follow from it.</summary>
    public ulong Seed { get; init; } = 777;

    /// <summary>Rows of training and held-out data the per-epoch figures are computed on.</summary>
    public int MonitorRows { get; init; } = 2000;
}

/// <summary>The monitoring figures of one epoch.</summary>
/// <param name="Layer">The RBM's index in a DBN stack (0 for a single RBM).</param>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Seconds">Wall time of the epoch's training, without monitoring.</param>
/// <param name="ReconstructionError">Squared reconstruction error Σ_i (v_i - v'_i)² per row, v' the mean-field reconstruction (no sampling), averaged over the monitor rows.</param>
/// <param name="HeldOutPseudoLikelihood">Mean pseudo-likelihood (log scale, per image) of held-out rows, or null without held-out data.</param>
/// <param name="FreeEnergyGap">Mean free energy of training rows minus that of held-out rows (growing in magnitude: overfitting), or null without held-out data.</param>
public sealed record RbmEpochReport(int Layer, int Epoch, double Seconds, double ReconstructionError,
    double? HeldOutPseudoLikelihood, double? FreeEnergyGap);

/// <summary>
/// Trains an RBM by CD-k or PCD on mini-batches, with momentum and weight decay:
/// ΔW ← m·ΔW + lr·(⟨v hᵀ⟩data − ⟨v hᵀ⟩model − wd·W). Deterministic for a seed; CD by halves
/// of the hidden units (see <see cref="Step"/>) gives the same bits on every thread count.
/// </summary>
public sealed class RbmTrainer
{
    private readonly RestrictedBoltzmannMachine _rbm;
    private readonly RbmOptions _o;
    private readonly FastSampler _sampler;
    private readonly Tensor _dW;
    private readonly float[] _dc, _db;
    private Tensor? _chain;
    private Tensor? _hPos, _hState, _vNeg, _hNeg;
    private float[] _sumPos = [], _sumNeg = [];
    private readonly PackedMatrix _packedWt = new();
    private RbmHalvesStep? _halves;
    private readonly GatherJob _gather = new();

    /// <summary>Rows order[start..] of the data into the batch, split between the compute threads (each row a few scattered cache lines to wait for).</summary>
    private sealed class GatherJob : IParallelJob
    {
        private Tensor _data = null!, _batch = null!;
        private int[] _order = [];
        private int _start;

        public void Set(Tensor data, int[] order, int start, Tensor batch) => (_data, _order, _start, _batch) = (data, order, start, batch);

        public void Execute(int index, int count)
        {
            var (lo, hi) = WorkerPool.PartOf(_batch.Rows, index, count);
            for (int r = lo; r < hi; r++) _data.Row(_order[_start + r]).CopyTo(_batch.Row(r));
        }
    }

    private readonly RowPrefetch _next = new();
    private readonly RowPrefetch _nextWorker = new(); // the worker's rows of the next batch, on two threads

    /// <summary>The share of the data's values that are exactly zero (for <see cref="Gemm.ImageZeros"/>).</summary>
    internal static float ZeroShareOf(Tensor data) =>
        data.Length == 0 ? 0f : (float)((double)data.Data.AsSpan().Count(0f) / data.Length);

    private static Tensor Buffer(ref Tensor? t, int rows, int cols)
    {
        if (t is null || t.Rows != rows || t.Cols != cols) t = new Tensor(rows, cols);
        return t;
    }

    /// <summary>The persistent chains' hidden states (batch, hidden) for PCD; null until the first update.</summary>
    public Tensor? PersistentChain
    {
        get => _chain;
        set => _chain = value;
    }

    /// <summary>A trainer that updates <paramref name="rbm"/> in place with <paramref name="options"/> (checked here: batch, Gibbs steps, averaging, learning rate).</summary>
    public RbmTrainer(RestrictedBoltzmannMachine rbm, RbmOptions options)
    {
        if (options.BatchSize < 1) throw new ArgumentException($"Batch size must be positive, got {options.BatchSize}.");
        if (options.GibbsSteps < 1) throw new ArgumentException($"CD needs at least one Gibbs step, got {options.GibbsSteps}.");
        if (options.AverageEpochs < 0) throw new ArgumentException($"Averaging needs a number of epochs >= 0, got {options.AverageEpochs}.");
        if (!(options.LearningRate > 0)) throw new ArgumentException($"The learning rate must be positive, got {options.LearningRate}.");
        _rbm = rbm;
        _o = options;
        _sampler = new FastSampler(options.Seed);
        _dW = new Tensor(rbm.Hidden, rbm.Visible);
        _dc = new float[rbm.Hidden];
        _db = new float[rbm.Visible];
    }

    /// <summary>
    /// Hinton's initialization: W ~ N(0, 0.01²) from PyTorch's generator, hidden biases 0,
    /// visible biases log(p/(1-p)) from the training data's means for binary visibles (0 for
    /// Gaussian, or when <paramref name="visibleBiasFromData"/> is false, as scikit-learn does).
    /// </summary>
    public static void Initialize(RestrictedBoltzmannMachine rbm, Tensor data, ulong seed, bool visibleBiasFromData = true)
    {
        new TorchGenerator(seed).Normal(rbm.Weights.Span, 0, 0.01);
        rbm.HiddenBias.Span.Clear();
        rbm.VisibleBias.Span.Clear();
        if (rbm is not BernoulliRbm || !visibleBiasFromData) return;
        var mean = new double[rbm.Visible];
        for (int i = 0; i < data.Rows; i++)
        {
            var row = data.Row(i);
            for (int j = 0; j < mean.Length; j++) mean[j] += row[j];
        }
        for (int j = 0; j < mean.Length; j++)
        {
            double p = Math.Clamp(mean[j] / data.Rows, 1e-3, 1 - 1e-3);
            rbm.VisibleBias.Data[j] = (float)Math.Log(p / (1 - p));
        }
    }

    /// <summary>Trains for the configured epochs on data (rows, visible); reports each epoch.</summary>
    public IReadOnlyList<RbmEpochReport> Fit(Tensor data, Tensor? heldOut = null, int layer = 1,
        IProgress<RbmEpochReport>? progress = null, CancellationToken cancel = default)
    {
        if (data.Cols != _rbm.Visible) throw new ArgumentException($"Data has {data.Cols} features; the RBM has {_rbm.Visible} visible units.");
        int n = data.Rows, bs = Math.Min(_o.BatchSize, n);
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // Images with many zero pixels: the products reading the batch skip their all-zero steps (same bits).
        var batch = new Tensor(bs, _rbm.Visible) { Zeros = Gemm.ImageZeros(ZeroShareOf(data)) };
        var reports = new List<RbmEpochReport>();
        var monitor = MonitorRows.Take(data, heldOut, _o.MonitorRows);
        var average = _o.AverageEpochs > 0 ? new ParameterAverage(_rbm) : null;
        bool parallelGather = Trainer.GatherParts(bs, data.Cols) > 1; // the trainer's rule for a batch this size
        bool splitPrefetch = SplitsNextBatch(bs, data.Cols);
        for (int epoch = 1; epoch <= _o.Epochs; epoch++)
        {
            bool averaging = average is not null && epoch > _o.Epochs - _o.AverageEpochs;
            long start = Stopwatch.GetTimestamp(), profileStart = Profile.Now();
            double momentum = epoch <= _o.MomentumSwitchEpoch ? _o.InitialMomentum : _o.FinalMomentum;
            for (int i = n - 1; i > 0; i--)
            {
                int j = _sampler.Random.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            for (int b = 0; b + bs <= n; b += bs)
            {
                cancel.ThrowIfCancellationRequested();
                long tg = Profile.Now();
                _gather.Set(data, order, b, batch);
                if (parallelGather) WorkerPool.Current.Run(_gather, Compute.Threads);
                else _gather.Execute(0, 1);
                // The next batch's rows start on their way to the cache during this step, to arrive
                // while it computes. When two threads gather it and the step runs by halves (where
                // the worker asks for its rows), each asks for the rows it will gather (the worker
                // gathering rows the calling thread had asked for took 60 µs against 32); else the
                // calling thread asks for them all.
                int nextEnd = Math.Min(b + 2 * bs, n);
                if (splitPrefetch)
                {
                    var (_, mid) = WorkerPool.PartOf(nextEnd - (b + bs), 0, 2);
                    _next.Set(data, order, b + bs, b + bs + mid);
                    _nextWorker.Set(data, order, b + bs + mid, nextEnd);
                }
                else _next.Set(data, order, b + bs, nextEnd);
                Profile.Add(Profile.RbmGather, tg);
                try { Step(batch, momentum, _sampler); }
                finally { _next.Clear(); _nextWorker.Clear(); }
                if (averaging) average!.Add();
            }
            if (epoch == _o.Epochs) average?.CopyTo();
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            Profile.Add(Profile.RbmEpoch, profileStart);
            long tm = Profile.Now();
            var report = Monitor(layer, epoch, seconds, monitor);
            Profile.Add(Profile.RbmMonitor, tm);
            reports.Add(report);
            progress?.Report(report);
        }
        return reports;
    }

    /// <summary>Whether a step with this sampler runs by halves of the hidden units (<see cref="RbmHalvesStep"/>): CD on a Bernoulli RBM with a <see cref="FastSampler"/>.</summary>
    private bool StepsByHalves(ISampler sampler) => sampler is FastSampler && _rbm is BernoulliRbm && !_o.Persistent;

    /// <summary>
    /// Whether the next batch's rows are asked for by the two threads that will gather them, each
    /// its own (the worker's in its half of the step), rather than all by the calling thread:
    /// on two threads, for a batch gathered in parallel, when the step runs by halves on both
    /// (more than 32 hidden units: with fewer the second half is empty and one thread runs it).
    /// </summary>
    internal bool SplitsNextBatch(int rows, int cols) =>
        Compute.Threads == 2 && Trainer.GatherParts(rows, cols) == 2 && StepsByHalves(_sampler)
        && RbmHalvesStep.FirstHalf(_rbm.Hidden) < _rbm.Hidden;

    /// <summary>
    /// One update on a mini-batch v0 (batch, visible): the positive phase on the data, k Gibbs
    /// steps for the negative phase (from the data for CD, from the persistent chains for PCD),
    /// then the momentum update. With momentum 0, weight decay 0 and sampled visibles this is
    /// exactly scikit-learn's BernoulliRBM._fit. CD on a Bernoulli RBM with a
    /// <see cref="FastSampler"/> runs by two fixed halves of the hidden units, one per thread
    /// (<see cref="RbmHalvesStep"/>: the second half samples from the sampler's sibling stream,
    /// and the visibles' input is summed half by half); the same bits on every thread count.
    /// </summary>
    public void Step(Tensor v0, double momentum, ISampler sampler)
    {
        int bs = v0.Rows;
        if (bs == 0) throw new ArgumentException("The batch is empty: an update needs at least one row.");
        if (StepsByHalves(sampler))
        {
            var fast = (FastSampler)sampler;
            // CD-k with the engine's sampler: by halves of the hidden units (RbmHalvesStep).
            if (v0.Cols != _rbm.Visible) throw new ArgumentException($"The batch has {v0.Cols} features; the RBM has {_rbm.Visible} visible units.");
            (_halves ??= new RbmHalvesStep(_rbm)).Run(v0, _dW, _dc, _db, (float)(_o.LearningRate / bs), (float)momentum,
                (float)(_o.LearningRate * _o.WeightDecay), _o.GibbsSteps, _o.SampleVisibles ?? _o.Persistent, fast, _next, _nextWorker);
            return;
        }
        var hPos = Buffer(ref _hPos, bs, _rbm.Hidden);
        long t = Profile.Now();
        // Wᵀ packed once for the positive and every negative phase of the step (the weights
        // change only in the update at its end).
        _packedWt.Pack(_rbm.Weights, transB: true);
        _next.Upto(1, 4);
        _rbm.MeanHiddens(v0, hPos, _packedWt);
        Profile.Add(Profile.RbmPositive, t);
        // The state the negative chain starts from: the persistent chains (PCD; sklearn starts
        // them at h = 0), or hiddens sampled from the data (CD).
        var hState = _o.Persistent ? Buffer(ref _chain, bs, _rbm.Hidden) : Buffer(ref _hState, bs, _rbm.Hidden);
        if (!_o.Persistent)
        {
            t = Profile.Now();
            hPos.Span.CopyTo(hState.Span);
            sampler.Bernoulli(hState.Span);
            Profile.Add(Profile.RbmSample, t);
        }
        bool sampleVisibles = _o.SampleVisibles ?? _o.Persistent;
        var vNeg = Buffer(ref _vNeg, bs, _rbm.Visible);
        var hNeg = Buffer(ref _hNeg, bs, _rbm.Hidden);
        for (int s = 0; s < _o.GibbsSteps; s++)
        {
            t = Profile.Now();
            _next.Upto(2, 4);
            if (sampleVisibles) _rbm.SampleVisibles(hState, vNeg, sampler);
            else _rbm.MeanVisibles(hState, vNeg);
            _next.Upto(3, 4);
            _rbm.MeanHiddens(vNeg, hNeg, _packedWt);
            Profile.Add(Profile.RbmNegative, t);
            if (s + 1 < _o.GibbsSteps || _o.Persistent)
            {
                hNeg.Span.CopyTo(hState.Span);
                sampler.Bernoulli(hState.Span);
            }
        }
        ApplyUpdate(v0, hPos, vNeg, hNeg, momentum);
    }

    private void ApplyUpdate(Tensor v0, Tensor hPos, Tensor vNeg, Tensor hNeg, double momentum)
    {
        int bs = v0.Rows;
        float lr = (float)(_o.LearningRate / bs), m = (float)momentum, decay = (float)(_o.LearningRate * _o.WeightDecay);
        // dW ← m·dW + lr/B·(hPosᵀ v0 − hNegᵀ vNeg), both products in one GEMM (each tile of dW
        // takes both while in L1), whose epilogue then takes the decay and the step on each tile:
        // dW ← dW − lr·wd·W, W ← W + dW. The same numbers as two GEMMs and a pass over W.
        _next.Upto(4, 4);
        long t = Profile.Now();
        Gemm.MultiplySum(hPos, v0, lr, hNeg, vNeg, -lr, transA: true, _dW, beta: m,
            epilogue: new GemmEpilogue { StepTarget = _rbm.Weights.Data, StepDecay = decay });
        Profile.Add(Profile.RbmUpdateGemm, t);
        t = Profile.Now();
        BiasUpdate(_dc, hPos, hNeg, lr, m, _rbm.HiddenBias.Span);
        BiasUpdate(_db, v0, vNeg, lr, m, _rbm.VisibleBias.Span);
        Profile.Add(Profile.RbmUpdateRest, t);
    }

    private void BiasUpdate(float[] delta, Tensor pos, Tensor neg, float lr, float m, Span<float> bias)
    {
        if (_sumPos.Length < pos.Cols) (_sumPos, _sumNeg) = (new float[pos.Cols], new float[pos.Cols]);
        var sum = _sumPos.AsSpan(0, pos.Cols);
        var sumNeg = _sumNeg.AsSpan(0, pos.Cols);
        Ops.SumRows(pos.Data, pos.Rows, pos.Cols, sum);
        Ops.SumRows(neg.Data, neg.Rows, neg.Cols, sumNeg);
        TensorPrimitives.Subtract(sum, sumNeg, sum);
        TensorPrimitives.Multiply(delta, m, delta);
        TensorPrimitives.MultiplyAdd(sum, lr, delta, delta);
        TensorPrimitives.Add(bias, delta, bias);
    }

    /// <summary>
    /// The rows the per-epoch figures are computed on, taken once per <see cref="Fit"/>: the first
    /// MonitorRows of the training data, of the held-out data, and as many training rows as
    /// held-out ones for the free-energy gap (the same tensor when the counts agree).
    /// </summary>
    private sealed record MonitorRows(Tensor Train, Tensor? Held, Tensor? TrainLikeHeld)
    {
        public static MonitorRows Take(Tensor data, Tensor? heldOut, int rows)
        {
            var train = Head(data, rows);
            if (heldOut is null || heldOut.Rows == 0) return new(train, null, null);
            var held = Head(heldOut, rows);
            return new(train, held, held.Rows == train.Rows ? train : Head(data, held.Rows));
        }
    }

    private RbmEpochReport Monitor(int layer, int epoch, double seconds, MonitorRows rows)
    {
        double recon = _rbm.ReconstructionError(rows.Train);
        double? pl = null, gap = null;
        if (rows.Held is { } held)
        {
            if (_rbm is BernoulliRbm b) pl = b.PseudoLikelihood(held, new FastRandom(_o.Seed ^ 0x5EED));
            var trainSame = rows.TrainLikeHeld!;
            var feTrain = new float[trainSame.Rows];
            var feHeld = new float[held.Rows];
            _rbm.FreeEnergy(trainSame, feTrain);
            _rbm.FreeEnergy(held, feHeld);
            gap = feTrain.Average(x => (double)x) - feHeld.Average(x => (double)x);
        }
        return new RbmEpochReport(layer, epoch, seconds, recon, pl, gap);
    }

    /// <summary>A running mean of an RBM's parameters.</summary>
    private sealed class ParameterAverage(RestrictedBoltzmannMachine rbm)
    {
        private readonly float[] _w = new float[rbm.Weights.Data.Length], _c = new float[rbm.Hidden], _b = new float[rbm.Visible];
        private int _count;

        public void Add()
        {
            float t = 1f / ++_count;
            TensorPrimitives.Lerp(_w, rbm.Weights.Span, t, _w);
            TensorPrimitives.Lerp(_c, rbm.HiddenBias.Span, t, _c);
            TensorPrimitives.Lerp(_b, rbm.VisibleBias.Span, t, _b);
        }

        /// <summary>Replaces the RBM's parameters with the mean (if anything was averaged).</summary>
        public void CopyTo()
        {
            if (_count == 0) return;
            _w.CopyTo(rbm.Weights.Span);
            _c.CopyTo(rbm.HiddenBias.Span);
            _b.CopyTo(rbm.VisibleBias.Span);
        }
    }

    private static Tensor Head(Tensor t, int rows)
    {
        rows = Math.Min(rows, t.Rows);
        if (rows == t.Rows) return t;
        return t.CopyRows(0, rows);
    }
}
