using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Nn;

/// <summary>
/// torch.nn.SELU (Klambauer et al. 2017): scale·x for x &gt; 0, scale·α·(eˣ − 1) otherwise, with
/// the paper's α ≈ 1.6733 and scale ≈ 1.0507, which keep activations near mean 0 and variance 1
/// under LeCun-normal weights.
/// </summary>
public sealed class Selu : Activation
{
    /// <summary>α of the paper (PyTorch's SELU alpha).</summary>
    public const float Alpha = 1.6732632423543772848170429916717f;

    /// <summary>λ of the paper (PyTorch's SELU scale).</summary>
    public const float Scale = 1.0507009873554804934193349852946f;

    /// <summary>"saturated": outputs at the negative limit −scale·α pass almost no gradient.</summary>
    public override string? DeadOrSaturatedLabel => "saturated";

    /// <summary>Fraction of outputs within 1% of the negative limit −scale·α.</summary>
    public override double DeadOrSaturated(Tensor output) => Fraction(output, v => v < -0.99f * Scale * Alpha);

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        // PyTorch's elu kernel: x <= 0 ? (exp(x) - 1)·(α·scale) : x·scale, in float32.
        const float neg = Alpha * Scale;
        for (int i = 0; i < x.Length; i++) y[i] = x[i] <= 0 ? (MathF.Exp(x[i]) - 1) * neg : x[i] * Scale;
    }

    /// <inheritdoc/>
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx)
    {
        const float neg = Alpha * Scale;
        var x = Input!.Data;
        for (int i = 0; i < dy.Length; i++) dx[i] = x[i] <= 0 ? dy[i] * neg * MathF.Exp(x[i]) : dy[i] * Scale;
    }

    /// <summary>PyTorch's module text, <c>SELU()</c>.</summary>
    public override string ToString() => "SELU()";
}

/// <summary>
/// torch.nn.PReLU() (He et al. 2015): x for x &gt; 0, a·x otherwise, with one learnable slope a
/// shared by all units ("weight", shape (1), PyTorch's initial 0.25).
/// </summary>
public sealed class PRelu : Activation
{
    /// <summary>PyTorch's initial slope.</summary>
    public const float DefaultInit = 0.25f;

    /// <summary>A PReLU with one slope starting at <paramref name="init"/>.</summary>
    public PRelu(float init = DefaultInit)
    {
        Weight = new Parameter("weight", new Tensor(1));
        Weight.Value.Data[0] = init;
        Parameters = [Weight];
    }

    /// <summary>The slope a, (1), "weight" in the state dict.</summary>
    public Parameter Weight { get; }

    /// <summary>[weight].</summary>
    public override IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>"dead": counted as for ReLU (never positive), though the slope still passes gradient.</summary>
    public override string? DeadOrSaturatedLabel => "dead";

    /// <summary>Fraction of units whose output is &lt;= 0 for every sample in the batch.</summary>
    public override double DeadOrSaturated(Tensor output) => DeadUnits(output);

    /// <summary>Writes da = Σ dy·x over x ≤ 0 (even without <paramref name="needInputGrad"/>), then dx = dy·(x &gt; 0 ? 1 : a).</summary>
    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true)
    {
        var x = Input?.Data ?? throw new InvalidOperationException("Backward called before Forward.");
        var dy = gradOutput.Data;
        double sum = 0;
        for (int i = 0; i < x.Length; i++) if (x[i] <= 0) sum += dy[i] * (double)x[i];
        Weight.Grad.Data[0] = (float)sum;
        return base.Backward(gradOutput, needInputGrad);
    }

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        float a = Weight.Value.Data[0];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : a * x[i];
    }

    /// <inheritdoc/>
    protected override void Derive(ReadOnlySpan<float> dy, Span<float> dx)
    {
        float a = Weight.Value.Data[0];
        var x = Input!.Data;
        for (int i = 0; i < dy.Length; i++) dx[i] = x[i] > 0 ? dy[i] : a * dy[i];
    }

    /// <summary>PyTorch's module text, <c>PReLU(num_parameters=1)</c>.</summary>
    public override string ToString() => "PReLU(num_parameters=1)";
}
