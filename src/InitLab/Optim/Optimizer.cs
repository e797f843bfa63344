using InitLab.Nn;

namespace InitLab.Optim;

/// <summary>Updates parameters from their gradients, one <see cref="Step"/> per mini-batch.</summary>
public abstract class Optimizer
{
    protected Optimizer(IReadOnlyList<Parameter> parameters, double learningRate)
    {
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"Learning rate must be >= 0, got {learningRate}.");
        Parameters = parameters;
        LearningRate = learningRate;
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The learning rate (may be changed between steps by a schedule).</summary>
    public double LearningRate { get; set; }

    /// <summary>Threads an optimizer may use for its update; 0 = all cores.</summary>
    public int Threads { get; set; }

    /// <summary>Applies one update using the gradients currently in each parameter's Grad.</summary>
    public abstract void Step();

    protected static void CheckNonNegative(double value, string name)
    {
        if (!(value >= 0)) throw new ArgumentOutOfRangeException(name, $"{name} must be >= 0, got {value}.");
    }
}
