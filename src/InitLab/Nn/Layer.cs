using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// A layer with an explicit forward and backward pass over mini-batches. Inputs and outputs are
/// (batch, features). The tensors a layer returns are its own buffers, reused by the next call
/// with the same batch size, so a training step allocates nothing once warmed up.
/// </summary>
public abstract class Layer
{
    /// <summary>The layer's trainable parameters, in PyTorch's order (weight, then bias).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>
    /// The layer's state that is not trained by the optimizer but belongs in a state dict
    /// (BatchNorm's running_mean and running_var), in PyTorch's order; empty for most layers.
    /// </summary>
    public virtual IReadOnlyList<Parameter> Buffers => [];

    /// <summary>
    /// Training (true, the default, as a new torch.nn.Module) or evaluation mode (false, as
    /// module.eval()): Dropout drops only in training, BatchNorm uses and updates batch statistics
    /// only in training. Containers pass the mode to their layers. It is the model's state, as in
    /// PyTorch, not an execution setting: the same numbers come out at any thread count.
    /// </summary>
    public virtual bool Training { get; set; } = true;

    /// <summary>x is (batch, in); returns (batch, out), valid until the next Forward.</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>
    /// gradOutput is dLoss/dy, (batch, out), for the last Forward. Writes (not accumulates) the
    /// parameter gradients and returns dLoss/dx, (batch, in), or null when
    /// <paramref name="needInputGrad"/> is false.
    /// </summary>
    public abstract Tensor? Backward(Tensor gradOutput, bool needInputGrad = true);

    /// <summary>Number of output features for a given number of input features.</summary>
    public abstract int OutputFeatures(int inputFeatures);

    /// <summary>Returns <paramref name="buffer"/> if it is (rows, cols), else a new tensor of that shape.</summary>
    protected static Tensor Ensure(ref Tensor? buffer, int rows, int cols)
    {
        if (buffer is null || buffer.Rows != rows || buffer.Cols != cols) buffer = new Tensor(rows, cols);
        return buffer;
    }
}
