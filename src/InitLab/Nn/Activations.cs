using System.Numerics.Tensors;
using Tensor = InitLab.Tensors.Tensor;
using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>An elementwise activation; the output has the input's shape.</summary>
public abstract class Activation : Layer
{
    private Tensor? _gradInput;
    protected Tensor? Input, Output;
    private Tensor? _outputBuffer;

    public override int OutputFeatures(int inputFeatures) => inputFeatures;

    public override Tensor Forward(Tensor x)
    {
        Input = x;
        Output = Ensure(ref _outputBuffer, x.Rows, x.Cols);
        Apply(x.Data, Output.Data);
        return Output;
    }

    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true)
    {
        if (!needInputGrad) return null;
        if (Output is null || Input is null) throw new InvalidOperationException("Backward called before Forward.");
        var dx = Ensure(ref _gradInput, gradOutput.Rows, gradOutput.Cols);
        Derive(gradOutput.Data, dx.Data);
        return dx;
    }

    /// <summary>y = f(x).</summary>
    protected abstract void Apply(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>dx = dy · f'(·), from the saved Input and Output.</summary>
    protected abstract void Derive(ReadOnlySpan<float> dy, Span<float> dx);
}

/// <summary>max(x, 0).</summary>
public sealed class Relu : Activation
{
    /// <summary>The preceding Linear already applied max(·, 0): forward passes its input through.</summary>
    internal bool FusedForward { get; set; }

    /// <summary>The following Linear masks its input gradient: backward passes the gradient through.</summary>
    internal bool FusedBackward { get; set; }

    public override Tensor Forward(Tensor x)
    {
        if (!FusedForward) return base.Forward(x);
        Input = Output = x;
        return x;
    }

    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true) =>
        !FusedBackward ? base.Backward(gradOutput, needInputGrad) : needInputGrad ? gradOutput : null;

    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => Ops.Relu(x, y);
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx) => Ops.ReluBackward(Output!.Data, dy, dx);
    public override string ToString() => "ReLU()";
}

/// <summary>x for x &gt; 0, slope·x otherwise (torch.nn.LeakyReLU, default slope 0.01).</summary>
public sealed class LeakyRelu(float negativeSlope = 0.01f) : Activation
{
    public float NegativeSlope { get; } = negativeSlope;
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => Ops.LeakyRelu(x, NegativeSlope, y);
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx) => Ops.LeakyReluBackward(Input!.Data, dy, NegativeSlope, dx);
    public override string ToString() => $"LeakyReLU({NegativeSlope})";
}

/// <summary>1 / (1 + e^-x).</summary>
public sealed class Sigmoid : Activation
{
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx) => Ops.SigmoidBackward(Output!.Data, dy, dx);
    public override string ToString() => "Sigmoid()";
}

/// <summary>tanh(x).</summary>
public sealed class Tanh : Activation
{
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => Ops.Tanh(x, y);
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx) => Ops.TanhBackward(Output!.Data, dy, dx);
    public override string ToString() => "Tanh()";
}
