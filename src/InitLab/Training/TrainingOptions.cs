namespace InitLab.Training;

/// <summary>How batches are drawn: mini-batches as torch's DataLoader(shuffle=True, drop_last=True).</summary>
public sealed record TrainingOptions
{
    /// <summary>Samples per mini-batch.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Drop the last incomplete batch (the note's DataLoader does).</summary>
    public bool DropLast { get; init; } = true;

    /// <summary>Visit the samples in a new random order each epoch, drawn as DataLoader(shuffle=True) draws it.</summary>
    public bool Shuffle { get; init; } = true;
}

/// <summary>What one epoch of <see cref="Trainer.RunEpoch"/> produced. Cost is the mean batch loss accumulated as the note does.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Cost">Mean batch loss, accumulated in float32 as the note does.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
/// <param name="Samples">Training samples visited.</param>
public sealed record EpochResult(int Epoch, float Cost, double Seconds, int Samples)
{
    /// <summary>Training samples per second of wall time.</summary>
    public double SamplesPerSecond => Samples / Math.Max(Seconds, 1e-9);
}

/// <summary>
/// Progress inside an epoch, reported after every batch: <paramref name="Batch"/> of
/// <paramref name="Batches"/> done, <paramref name="ElapsedSeconds"/> since this run started the
/// epoch at <paramref name="FirstBatch"/> (not 0 when it resumed a checkpoint mid-epoch),
/// <paramref name="RunningCost"/>, the mean loss of the epoch's batches so far, and
/// <paramref name="Cost"/>, the loss of the batch just done (each NaN when the reporter does not know it).
/// </summary>
public readonly record struct TrainingProgress(int Epoch, int Batch, int Batches, int BatchSize, double ElapsedSeconds, int FirstBatch = 0,
    double RunningCost = double.NaN, double Cost = double.NaN)
{
    private int BatchesThisRun => Batch - FirstBatch;

    /// <summary>Samples per second over the batches this run did in this epoch.</summary>
    public double SamplesPerSecond => BatchesThisRun * BatchSize / Math.Max(ElapsedSeconds, 1e-9);

    /// <summary>Seconds until the epoch ends at the rate so far (NaN before the first batch).</summary>
    public double RemainingSeconds => BatchesThisRun <= 0 ? double.NaN : ElapsedSeconds / BatchesThisRun * (Batches - Batch);
}

/// <summary>
/// A place in training: <paramref name="Epoch"/> (1-based) in progress or next to start,
/// <paramref name="Batch"/> batches of it done, <paramref name="Cost"/> the float32 cost sum so far
/// and the generator state (<see cref="Random.TorchGenerator.GetState()"/>) at the start of the epoch.
/// </summary>
public sealed record TrainingPosition(int Epoch, int Batch, float Cost, uint[] EpochStartGenerator)
{
    /// <summary>Epochs completed before this position.</summary>
    public int EpochsCompleted => Epoch - 1;
}
