using InitLab.Nn;
using InitLab.Optim;

namespace InitLab.Training;

/// <summary>
/// Which optimizer a run uses and its settings, as torch.optim names them. A null
/// <see cref="WeightDecay"/> means the optimizer's PyTorch default (0, 0.01 for AdamW);
/// <see cref="Canonical"/> resolves it, so that "default" and the default's value are one setting.
/// </summary>
public sealed record OptimizerConfig
{
    /// <summary>adam, adamw or sgd (<see cref="Optimizers.Names"/>).</summary>
    public string Name { get; init; } = "adam";

    /// <summary>The learning rate; positive and finite.</summary>
    public double LearningRate { get; init; } = 0.001;

    /// <summary>SGD momentum (0: none); only for sgd.</summary>
    public double Momentum { get; init; }

    /// <summary>SGD Nesterov momentum; needs sgd and a momentum above 0.</summary>
    public bool Nesterov { get; init; }

    /// <summary>L2 weight decay for sgd/adam, decoupled for adamw; null: the optimizer's default.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>Adam with learning rate <paramref name="learningRate"/>, as the study note trains.</summary>
    public static OptimizerConfig Adam(double learningRate = 0.001) => new() { Name = "adam", LearningRate = learningRate };

    /// <summary>SGD with optional (Nesterov) momentum.</summary>
    public static OptimizerConfig Sgd(double learningRate, double momentum = 0, bool nesterov = false) =>
        new() { Name = "sgd", LearningRate = learningRate, Momentum = momentum, Nesterov = nesterov };

    /// <summary>The same settings with the name in lower case and the weight decay resolved to its value.</summary>
    public OptimizerConfig Canonical
    {
        get
        {
            string name = Name.Trim().ToLowerInvariant();
            return this with { Name = name, WeightDecay = WeightDecay ?? (name == "adamw" ? 0.01 : 0) };
        }
    }

    /// <summary>Throws <see cref="UserInputException"/> naming the setting when the combination makes no sense.</summary>
    public void Validate()
    {
        string name = Name.Trim().ToLowerInvariant();
        if (name is not ("adam" or "adamw" or "sgd")) throw new UserInputException($"optimizer: '{Name}' is not known; use {Optimizers.Names}.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new UserInputException($"lr: the learning rate must be a positive number, got {LearningRate}.");
        if (!(Momentum >= 0) || double.IsInfinity(Momentum)) throw new UserInputException($"momentum must be a finite number >= 0, got {Momentum}.");
        if (WeightDecay is { } wd && (!(wd >= 0) || double.IsInfinity(wd))) throw new UserInputException($"weight_decay must be a finite number >= 0, got {wd}.");
        if (Momentum > 0 && name != "sgd") throw new UserInputException($"momentum is for sgd; {name} has its own moment estimates.");
        if (Nesterov && !(name == "sgd" && Momentum > 0))
            throw new UserInputException("nesterov needs sgd and a momentum above 0 (Nesterov momentum is a form of SGD momentum).");
    }

    /// <summary>The optimizer over <paramref name="parameters"/>.</summary>
    public Optimizer Create(IReadOnlyList<Parameter> parameters)
    {
        Validate();
        return Optimizers.Create(Name, parameters, LearningRate, Momentum, WeightDecay, Nesterov);
    }
}
