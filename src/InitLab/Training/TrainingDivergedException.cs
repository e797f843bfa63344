namespace InitLab.Training;

/// <summary>
/// Training stopped because the loss or a parameter stopped being a finite number: every later
/// step would only spread the NaN, and a model saved from it would predict nonsense that looks
/// like a prediction. Usually the learning rate is too large for the initialization.
/// </summary>
public sealed class TrainingDivergedException : UserInputException
{
    /// <summary>Training diverged at <paramref name="epoch"/> (1-based), batch <paramref name="batch"/> (1-based; 0 when found at the epoch's end); <paramref name="what"/> says what was not finite.</summary>
    public TrainingDivergedException(int epoch, int batch, string what)
        : base($"training diverged in epoch {epoch}{(batch > 0 ? $", batch {batch}" : "")}: {what} is not a finite number; try a smaller learning rate or another initialization.")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>The epoch (1-based) in which the loss or a parameter became non-finite.</summary>
    public int Epoch { get; }

    /// <summary>The batch (1-based) whose loss was non-finite, or 0 when a parameter was found non-finite at the end of the epoch.</summary>
    public int Batch { get; }
}
