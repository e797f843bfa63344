using System.Diagnostics;
using InitLab.Data;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Training;

/// <summary>
/// Mini-batch training of a classifier with cross-entropy. Batches are visited in the order
/// torch.utils.data.DataLoader(shuffle=True) visits them with the same global generator: each
/// epoch draws a base seed and a sampler seed (two int64 random_ calls), and the sampler
/// permutes with a fresh generator seeded with the second. After the first batch, a training
/// step allocates nothing.
/// </summary>
public sealed partial class Trainer
{
    private readonly Sequential _model;
    private readonly Optimizer _optimizer;
    private readonly DataLoaderOrder _shuffle;
    private readonly TorchGenerator _generator;
    // Where training stands (see Position), kept in fields so a batch allocates nothing:
    // the epoch in progress or next (0 before any), batches of it done, their cost sum, and
    // the generator's state at the epoch's start.
    private int _epoch, _batch;
    private float _cost;
    private bool _inEpoch;
    private readonly uint[] _epochStart = new uint[TorchGenerator.StateWords];
    private readonly CrossEntropyLoss _loss = new();
    private int[] _order = [];
    private Tensor? _x;
    private int[] _y = [];
    private Tensor? _evalX;
    private int[] _predictions = [];

    /// <summary>
    /// A trainer of <paramref name="model"/> with <paramref name="optimizer"/>, drawing the batch
    /// order from <paramref name="generator"/>. <see cref="Create"/> builds all three from a
    /// <see cref="TrainConfig"/>; this constructor is for programs that build their own.
    /// </summary>
    public Trainer(Sequential model, Optimizer optimizer, TorchGenerator generator, TrainingOptions options)
    {
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"Batch size must be positive, got {options.BatchSize}.");
        (_model, _optimizer, Options) = (model, optimizer, options);
        _shuffle = new DataLoaderOrder(generator);
        _generator = generator;
    }

    /// <summary>How batches are drawn.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The network being trained.</summary>
    public Sequential Model => _model;

    /// <summary>The optimizer updating <see cref="Model"/>.</summary>
    public Optimizer Optimizer => _optimizer;

    /// <summary>Number of batches per epoch for <paramref name="samples"/> samples.</summary>
    public int BatchesPerEpoch(int samples) =>
        Options.DropLast ? samples / Options.BatchSize : (samples + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>
    /// Where training stands, for a checkpoint: the epoch in progress (or next to start), the batches
    /// of it already done, the cost accumulated over them, and the generator's state at that
    /// epoch's start. Before the first epoch it is epoch 1, batch 0 and the generator as it is now.
    /// Together with the model and optimizer state it is all that an exact resume needs.
    /// </summary>
    public TrainingPosition Position => _inEpoch
        ? new TrainingPosition(_epoch, _batch, _cost, (uint[])_epochStart.Clone())
        : new TrainingPosition(Math.Max(_epoch, 1), 0, 0f, _generator.GetState());

    /// <summary>
    /// Continues from <paramref name="position"/> (restore the model's weights and the optimizer's
    /// state separately): the generator goes back to the state at the start of that epoch, so the
    /// next <see cref="RunEpoch"/>, which must be for <see cref="TrainingPosition.Epoch"/>,
    /// redraws the same permutation, skips the batches already done and continues the cost.
    /// </summary>
    public void Restore(TrainingPosition position)
    {
        if (position.Epoch < 1 || position.Batch < 0) throw new ArgumentException($"Training position epoch {position.Epoch}, batch {position.Batch} is not a valid place to resume.");
        _generator.SetState(position.EpochStartGenerator);
        position.EpochStartGenerator.CopyTo(_epochStart, 0);
        (_epoch, _batch, _cost, _inEpoch) = (position.Epoch, position.Batch, position.Batch == 0 ? 0f : position.Cost, position.Batch > 0);
    }

    /// <summary>
    /// Runs one epoch over <paramref name="train"/>; <paramref name="epoch"/> is 1-based. A cancelled
    /// token stops it between batches with an <see cref="OperationCanceledException"/>, leaving
    /// <see cref="Position"/> at the batch boundary so a checkpoint taken then resumes exactly.
    /// </summary>
    public EpochResult RunEpoch(Dataset train, int epoch, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        int n = train.Count, bs = Options.BatchSize, f = train.FeatureCount;
        int batches = BatchesPerEpoch(n);
        if (batches == 0) throw new UserInputException($"{train.Source}: {n} samples make no full batch of {bs}.");
        if (_inEpoch)
        {
            if (_epoch != epoch) throw new InvalidOperationException($"Training stopped inside epoch {_epoch} (after batch {_batch}); that epoch must run next, not epoch {epoch}.");
            if (_batch > batches) throw new ArgumentException($"Cannot resume after batch {_batch} of epoch {epoch}: an epoch of {train.Source} has {batches} batches.");
            // Back to the epoch's start, so the permutation is drawn again as it was.
            _generator.SetState(_epochStart);
        }
        else
        {
            _generator.GetState(_epochStart);
            (_epoch, _batch, _cost, _inEpoch) = (epoch, 0, 0f, true);
        }
        NextOrder(n);
        SkipDropoutDraws(_batch, bs, n, f);
        long started = Stopwatch.GetTimestamp(), profileStart = Profile.Now();
        // As the note: avg_cost += cost / total_batch, in float32; a resumed epoch continues its sum.
        float avgCost = _cost;
        int seen = 0, first = _batch;
        for (int b = _batch; b < batches; b++)
        {
            (_batch, _cost) = (b, avgCost);
            cancel.ThrowIfCancellationRequested();
            int rows = Math.Min(bs, n - b * bs);
            long t0 = Profile.Now();
            var x = Gather(train, b * bs, rows, f);
            Profile.Add(Profile.Gather, t0);
            float cost;
            try { cost = Step(x, _y.AsSpan(0, rows)); }
            finally { _next.Clear(); }
            // One float comparison per batch: a NaN or infinite loss stops training at once.
            if (!float.IsFinite(cost)) throw new TrainingDivergedException(epoch, b + 1, $"the loss ({cost})");
            avgCost += cost / batches;
            seen += rows;
            // The running mean comes from the sum the epoch's cost already keeps: avgCost · batches / batches done.
            progress?.Report(new TrainingProgress(epoch, b + 1, batches, bs, Stopwatch.GetElapsedTime(started).TotalSeconds, first, (double)avgCost * batches / (b + 1), cost));
        }
        CheckParameters(epoch);
        Profile.Add(Profile.Epoch, profileStart);
        (_epoch, _batch, _cost, _inEpoch) = (epoch + 1, 0, 0f, false);
        return new EpochResult(epoch, avgCost, Stopwatch.GetElapsedTime(started).TotalSeconds, seen);
    }

    /// <summary>One forward, backward and optimizer step on a batch; returns the batch loss.</summary>
    public float Step(Tensor x, ReadOnlySpan<int> labels)
    {
        _next.Upto(1, 3);
        long t = Profile.Now();
        var logits = _model.Forward(x);
        Profile.Add(Profile.Forward, t);
        t = Profile.Now();
        float cost = _loss.Forward(logits, labels);
        Profile.Add(Profile.Loss, t);
        _next.Upto(2, 3);
        if (LayerRanges() is { } ranges)
        {
            // Each layer's parameters are updated as backpropagation leaves the layer, while its
            // weights (just read for dx) and gradients (just written) are in cache; the next
            // forward then finds the first layers' weights, updated last, in cache too.
            _optimizer.BeginStep();
            try
            {
                _model.Backward(_loss.Gradient, needInputGrad: false, _layerDone ??= UpdateLayer);
            }
            catch
            {
                _optimizer.AbandonStep();
                throw;
            }
            _next.Upto(3, 3);
            t = Profile.Now();
            _optimizer.EndStep();
        }
        else
        {
            _model.Backward(_loss.Gradient, needInputGrad: false);
            _next.Upto(3, 3);
            t = Profile.Now();
            _optimizer.Step();
        }
        Profile.Add(Profile.Optimizer, t);
        return cost;
    }

    /// <summary>Whether each layer's parameters are updated as backpropagation leaves the layer (else the whole step runs after it).</summary>
    internal bool UpdatesLayerByLayer => LayerRanges() is not null;

    private Action<int>? _layerDone;
    private (int First, int Count)[]? _layerRanges;
    private bool _rangesChecked;

    /// <summary>
    /// Where each layer's parameters sit in the optimizer's list, when the optimizer can step in
    /// parts and updates exactly the model's parameters in the model's order; null otherwise
    /// (then the whole step runs after backpropagation, as before).
    /// </summary>
    private (int First, int Count)[]? LayerRanges()
    {
        if (_rangesChecked) return _layerRanges;
        _rangesChecked = true;
        var own = _model.Parameters;
        var updated = _optimizer.Parameters;
        if (!_optimizer.StepsInParts || own.Count != updated.Count) return null;
        for (int k = 0; k < own.Count; k++)
            if (!ReferenceEquals(own[k], updated[k])) return null;
        var ranges = new (int, int)[_model.Layers.Count];
        int first = 0;
        for (int i = 0; i < ranges.Length; i++)
        {
            int count = _model.Layers[i].Parameters.Count;
            ranges[i] = (first, count);
            first += count;
        }
        return _layerRanges = first == own.Count ? ranges : null;
    }

    private void UpdateLayer(int layer)
    {
        var (first, count) = _layerRanges![layer];
        if (count > 0)
        {
            long t = Profile.Now();
            _optimizer.Update(first, count);
            Profile.Add(Profile.Optimizer, t);
        }
    }

    /// <summary>
    /// Once per epoch, one pass over the parameters (as cheap as one optimizer step): a weight can
    /// become infinite while the loss is still finite (e.g. behind a saturated sigmoid). Checked
    /// before the epoch counts as done, so no checkpoint or model is written from it.
    /// </summary>
    private void CheckParameters(int epoch)
    {
        var parameters = _model.Parameters;
        for (int k = 0; k < parameters.Count; k++)
        {
            int bad = Io.ModelFile.FirstNonFinite(parameters[k].Value.Data);
            if (bad >= 0) throw new TrainingDivergedException(epoch, 0, $"parameter {k} (value {parameters[k].Value.Data[bad]} at index {bad})");
        }
    }

    /// <summary>
    /// A resumed epoch skips the batches already done; their Dropout masks were drawn from the
    /// generator after the permutation, so the generator is advanced past them here, and the
    /// remaining batches get the masks an uninterrupted run gives them.
    /// </summary>
    private void SkipDropoutDraws(int batchesDone, int batchSize, int samples, int inputFeatures)
    {
        if (batchesDone == 0) return;
        int features = inputFeatures;
        foreach (var layer in _model.Layers)
        {
            if (layer is Dropout d)
                for (int b = 0; b < batchesDone; b++) d.SkipDraws(Math.Min(batchSize, samples - b * batchSize), features);
            features = layer.OutputFeatures(features);
        }
    }

    /// <summary>
    /// The per-epoch test accuracy, as <see cref="Evaluator.Accuracy(Layer, Dataset, int)"/>
    /// computes it, with the input batch and the predictions kept from one epoch to the next.
    /// </summary>
    private float EvaluateTest(Dataset test)
    {
        if (_predictions.Length != test.Count) _predictions = new int[test.Count];
        Evaluator.Predict(_model, test, 1000, ref _evalX, _predictions);
        return Evaluator.Accuracy(test.Labels, _predictions).Accuracy;
    }

    private void NextOrder(int n)
    {
        if (_order.Length != n) _order = new int[n];
        if (!Options.Shuffle)
        {
            for (int i = 0; i < n; i++) _order[i] = i;
            return;
        }
        _shuffle.Next(_order);
    }

    private Tensor Gather(Dataset data, int start, int rows, int f)
    {
        if (_x is null || _x.Rows != rows) _x = new Tensor(rows, f);
        _x.Zeros = Gemm.ImageZeros(data.ZeroShare); // the first layer's products skip all-zero steps of the batch
        if (_y.Length < rows) _y = new int[rows];
        // The rows are split between the compute threads: each row is a few scattered cache
        // lines to wait for and bytes to convert. In a step, with the next batch's rows
        // prefetched, 100 rows of Fashion-MNIST take 40-47 µs on two threads (profile build,
        // docs/results.md rounds six and seven): writing the batch's lines, which the other core
        // read in the last step, costs more than the conversion (3.5 µs for rows in cache).
        int parts = GatherParts(rows, f);
        int nextStart = start + rows, nextRows = Math.Max(Math.Min(start + 2 * rows, _order.Length) - nextStart, 0);
        // The next batch's rows are asked for during this batch's step, to arrive while it
        // computes: the calling thread's share in parts between the step's GEMMs (Step), each
        // worker's share by that worker at the end of its part of this gather (a worker that
        // gathered rows the calling thread had asked for took 40 µs against 29, profile build).
        // A next batch gathered in fewer parts (the epoch's last, shorter one) is asked for by
        // the calling thread alone.
        bool split = parts > 1 && GatherParts(nextRows, f) == parts;
        _gather.Set(this, data, start, rows, nextStart, split ? nextRows : 0);
        WorkerPool.Current.Run(_gather, parts); // one part: Run's own shortcut runs it here
        _next.Set(data, _order, nextStart, nextStart + (split ? WorkerPool.PartOf(nextRows, 0, parts).Hi : nextRows));
        return _x;
    }

    /// <summary>How many parts a batch of this many rows of f values is gathered in: one per compute thread when it is large enough, else one.</summary>
    internal static int GatherParts(int rows, int f) =>
        (long)rows * f < ParallelGatherValues || Compute.Threads <= 1 ? 1 : Math.Min(Compute.Threads, rows);

    private readonly GatherJob _gather = new();
    private readonly RowPrefetch _next = new();

    /// <summary>The last batch gathered (for tests): it carries its dataset's zeros (<see cref="Dataset.ZeroShare"/>).</summary>
    internal Tensor? Batch => _x;

    /// <summary>The positions in the epoch's order of the next batch's rows the calling thread asks for during a step (for tests).</summary>
    internal (int From, int To) CallerNextRows => _next.Range;

    /// <summary>How many of the next batch's rows the gather's workers ask for, between them, at the end of their parts (for tests).</summary>
    internal int WorkersNextRows => _gather.NextRows;

    /// <summary>A batch of at least this many values is gathered on all the compute threads (the trainer's and the RBM's), a smaller one on the calling thread.</summary>
    internal const long ParallelGatherValues = 1 << 14;

    /// <summary>Rows [start, start + rows) of the epoch's order into the batch, a contiguous share of them per part.</summary>
    private sealed class GatherJob : IParallelJob
    {
        private Trainer _trainer = null!;
        private Dataset _data = null!;
        private int _start, _rows, _nextStart, _nextRows;

        public int NextRows => _nextRows;

        public void Set(Trainer trainer, Dataset data, int start, int rows, int nextStart, int nextRows) =>
            (_trainer, _data, _start, _rows, _nextStart, _nextRows) = (trainer, data, start, rows, nextStart, nextRows);

        public void Execute(int index, int count)
        {
            var (lo, hi) = WorkerPool.PartOf(_rows, index, count);
            for (int r = lo; r < hi; r++)
            {
                int idx = _trainer._order[_start + r];
                _data.CopyRow(idx, _trainer._x!.Row(r));
                _trainer._y[r] = _data.Labels[idx];
            }
            if (index == 0 || _nextRows <= 0) return;
            // A worker's share of the next batch (the calling thread asks for its own during the step).
            var (nextLo, nextHi) = WorkerPool.PartOf(_nextRows, index, count);
            for (int r = nextLo; r < nextHi; r++) Ops.Prefetch(_data.Pixels(_trainer._order[_nextStart + r]));
        }
    }
}
