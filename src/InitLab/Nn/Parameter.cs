using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>A trainable tensor and its gradient, which has the same shape.</summary>
/// <param name="name">The parameter's name inside its layer ("weight", "bias"), as in a PyTorch state dict.</param>
/// <param name="value">The tensor trained in place (not copied).</param>
public sealed class Parameter(string name, Tensor value)
{
    /// <summary>Name inside its layer ("weight" or "bias"); files prefix it with the layer's index ("0.weight").</summary>
    public string Name { get; } = name;

    /// <summary>The values the optimizer updates in place.</summary>
    public Tensor Value { get; } = value;

    /// <summary>dLoss/dValue, same shape as <see cref="Value"/>; overwritten (not accumulated) by each Backward.</summary>
    public Tensor Grad { get; } = new(value.Shape);
}
