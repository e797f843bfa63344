using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>A trainable tensor and its gradient, which has the same shape.</summary>
public sealed class Parameter(string name, Tensor value)
{
    public string Name { get; } = name;
    public Tensor Value { get; } = value;
    public Tensor Grad { get; } = new(value.Shape);
}
