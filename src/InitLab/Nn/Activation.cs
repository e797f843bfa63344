using System.Numerics.Tensors;
using Tensor = InitLab.Tensors.Tensor;
using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>An elementwise activation; the output has the input's shape.</summary>
public abstract class Activation : Layer
{
    private Tensor? _gradInput;
    /// <summary>The last Forward's input x and output y, both (batch, features): Derive needs one or the other (ReLU y, LeakyReLU x).</summary>
    protected Tensor? Input, Output;
    private Tensor? _outputBuffer;

    /// <inheritdoc/>
    public override int OutputFeatures(int inputFeatures) => inputFeatures;

    /// <summary>y = f(x) elementwise: x and y are (batch, features); y is this layer's buffer, valid until the next Forward.</summary>
    public override Tensor Forward(Tensor x)
    {
        Input = x;
        Output = Ensure(ref _outputBuffer, x.Rows, x.Cols);
        Apply(x.Data, Output.Data);
        Output.Zeros = OutputZeros;
        return Output;
    }

    /// <summary>
    /// dx = dy · f'(x), all (batch, features), for the last Forward. An activation has no
    /// parameters, so with <paramref name="needInputGrad"/> false there is nothing to do and null is returned.
    /// </summary>
    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true)
    {
        if (!needInputGrad) return null;
        if (Output is null || Input is null) throw new InvalidOperationException("Backward called before Forward.");
        var dx = Ensure(ref _gradInput, gradOutput.Rows, gradOutput.Cols);
        Derive(gradOutput.Data, dx.Data);
        // Zero where the output is (a ReLU's backward): as the masked gradient a fused ReLU leaves.
        dx.Zeros = OutputZeros != ZeroHint.None ? ZeroHint.Columns | ZeroHint.RowStrips : ZeroHint.None;
        return dx;
    }

    /// <summary>Where this activation's outputs are zero (a hint for the products that read them; none but ReLU's).</summary>
    internal virtual ZeroHint OutputZeros => ZeroHint.None;

    /// <summary>y = f(x).</summary>
    protected abstract void Apply(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>dx = dy · f'(·), from the saved Input and Output.</summary>
    protected abstract void Derive(ReadOnlySpan<float> dy, Span<float> dx);

    /// <summary>
    /// The preceding layer already applied this activation to <paramref name="y"/> (a fused
    /// epilogue): keep y as the output for <see cref="Backward"/> and pass it on unchanged.
    /// </summary>
    internal Tensor ForwardApplied(Tensor y)
    {
        Input = Output = y;
        return y;
    }

    /// <summary>
    /// Which way this activation stops passing signal, naming the column of <see cref="DeadOrSaturated"/>:
    /// "dead" (units that never turn on) or "saturated" (outputs stuck near a limit); null if it has no such notion.
    /// </summary>
    public virtual string? DeadOrSaturatedLabel => null;

    /// <summary>
    /// The fraction, in [0, 1], of <paramref name="output"/> (batch, units), this activation's output,
    /// that is dead or saturated in the sense of <see cref="DeadOrSaturatedLabel"/>; NaN if it has no such notion.
    /// </summary>
    public virtual double DeadOrSaturated(Tensor output) => double.NaN;

    /// <summary>Fraction of units (columns) whose output is &lt;= 0 for every sample (row) of the batch.</summary>
    protected static double DeadUnits(Tensor output)
    {
        int rows = output.Rows, cols = output.Cols, dead = 0;
        for (int j = 0; j < cols; j++)
        {
            bool alive = false;
            for (int i = 0; i < rows && !alive; i++) alive = output[i, j] > 0f;
            if (!alive) dead++;
        }
        return dead / (double)cols;
    }

    /// <summary>Fraction of all values that <paramref name="saturated"/> holds for.</summary>
    protected static double Fraction(Tensor output, Func<float, bool> saturated) =>
        output.Data.Count(saturated) / (double)output.Length;
}

/// <summary>max(x, 0).</summary>
public sealed class Relu : Activation
{
    /// <summary>"dead": a ReLU unit that is 0 for every sample passes no gradient.</summary>
    public override string? DeadOrSaturatedLabel => "dead";

    /// <summary>Fraction of units whose output is 0 for every sample in the batch.</summary>
    public override double DeadOrSaturated(Tensor output) => DeadUnits(output);

    /// <summary>A unit is often off for several samples running (see <see cref="Tensor.Zeros"/>).</summary>
    internal override ZeroHint OutputZeros => ZeroHint.Columns;

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => Ops.Relu(x, y);
    /// <inheritdoc/>
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx) => Ops.ReluBackward(Output!.Data, dy, dx);
    /// <summary>PyTorch's module text, <c>ReLU()</c>, as in a printed nn.Sequential.</summary>
    public override string ToString() => "ReLU()";
}

/// <summary>x for x &gt; 0, slope·x otherwise (torch.nn.LeakyReLU, default slope 0.01).</summary>
public sealed class LeakyRelu(float negativeSlope = 0.01f) : Activation
{
    /// <summary>The slope applied to negative inputs (dimensionless; torch's default 0.01). Also the <c>a</c> that Kaiming init's gain expects for this activation.</summary>
    public float NegativeSlope { get; } = negativeSlope;

    /// <summary>"dead": counted as for ReLU (never positive), though the small slope still passes some gradient.</summary>
    public override string? DeadOrSaturatedLabel => "dead";

    /// <summary>Fraction of units whose output is &lt;= 0 for every sample in the batch.</summary>
    public override double DeadOrSaturated(Tensor output) => DeadUnits(output);

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => Ops.LeakyRelu(x, NegativeSlope, y);
    /// <inheritdoc/>
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx) => Ops.LeakyReluBackward(Input!.Data, dy, NegativeSlope, dx);
    /// <summary>The module text with its slope, e.g. <c>LeakyReLU(0.01)</c>.</summary>
    public override string ToString() => $"LeakyReLU({NegativeSlope})";
}

/// <summary>1 / (1 + e^-x).</summary>
public sealed class Sigmoid : Activation
{
    /// <summary>"saturated": near 0 or 1 the derivative y(1-y) all but vanishes.</summary>
    public override string? DeadOrSaturatedLabel => "saturated";

    /// <summary>Fraction of outputs within 0.01 of 0 or 1.</summary>
    public override double DeadOrSaturated(Tensor output) => Fraction(output, v => v < 0.01f || v > 0.99f);

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);
    /// <inheritdoc/>
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx) => Ops.SigmoidBackward(Output!.Data, dy, dx);
    /// <summary>PyTorch's module text, <c>Sigmoid()</c>.</summary>
    public override string ToString() => "Sigmoid()";
}

/// <summary>tanh(x).</summary>
public sealed class Tanh : Activation
{
    /// <summary>"saturated": near ±1 the derivative 1-y² all but vanishes.</summary>
    public override string? DeadOrSaturatedLabel => "saturated";

    /// <summary>Fraction of outputs within 0.01 of -1 or 1.</summary>
    public override double DeadOrSaturated(Tensor output) => Fraction(output, v => MathF.Abs(v) > 0.99f);

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => Ops.Tanh(x, y);
    /// <inheritdoc/>
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx) => Ops.TanhBackward(Output!.Data, dy, dx);
    /// <summary>PyTorch's module text, <c>Tanh()</c>.</summary>
    public override string ToString() => "Tanh()";
}
