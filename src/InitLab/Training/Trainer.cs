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
public sealed class Trainer
{
    private readonly Sequential _model;
    private readonly Optimizer _optimizer;
    private readonly DataLoaderOrder _shuffle;
    private readonly CrossEntropyLoss _loss = new();
    private int[] _order = [];
    private Tensor? _x;
    private int[] _y = [];

    public Trainer(Sequential model, Optimizer optimizer, TorchGenerator generator, TrainingOptions options)
    {
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"Batch size must be positive, got {options.BatchSize}.");
        if (options.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Epochs must be >= 0, got {options.Epochs}.");
        (_model, _optimizer, Options) = (model, optimizer, options);
        _shuffle = new DataLoaderOrder(generator);
        _model.SetThreads(options.Threads);
        _optimizer.Threads = options.Threads;
    }

    public TrainingOptions Options { get; }

    /// <summary>Number of batches per epoch for <paramref name="samples"/> samples.</summary>
    public int BatchesPerEpoch(int samples) =>
        Options.DropLast ? samples / Options.BatchSize : (samples + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Runs one epoch over <paramref name="train"/>; <paramref name="epoch"/> is 1-based.</summary>
    public EpochResult RunEpoch(Dataset train, int epoch, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        int n = train.Count, bs = Options.BatchSize, f = train.FeatureCount;
        int batches = BatchesPerEpoch(n);
        if (batches == 0) throw new ArgumentException($"{train.Source}: {n} samples make no full batch of {bs}.");
        NextOrder(n);
        long started = Stopwatch.GetTimestamp();
        float avgCost = 0f;
        int seen = 0;
        for (int b = 0; b < batches; b++)
        {
            cancel.ThrowIfCancellationRequested();
            int rows = Math.Min(bs, n - b * bs);
            var x = Gather(train, b * bs, rows, f);
            float cost = Step(x, _y.AsSpan(0, rows));
            // As the note: avg_cost += cost / total_batch, in float32.
            avgCost += cost / batches;
            seen += rows;
            progress?.Report(new TrainingProgress(epoch, b + 1, batches, bs, Stopwatch.GetElapsedTime(started).TotalSeconds));
        }
        return new EpochResult(epoch, avgCost, Stopwatch.GetElapsedTime(started).TotalSeconds, seen);
    }

    /// <summary>One forward, backward and optimizer step on a batch; returns the batch loss.</summary>
    public float Step(Tensor x, ReadOnlySpan<int> labels)
    {
        var logits = _model.Forward(x);
        float cost = _loss.Forward(logits, labels);
        _model.Backward(_loss.Gradient, needInputGrad: false);
        _optimizer.Step();
        return cost;
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
        if (_y.Length < rows) _y = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int idx = _order[start + r];
            data.CopyRow(idx, _x.Row(r));
            _y[r] = data.Labels[idx];
        }
        return _x;
    }
}
