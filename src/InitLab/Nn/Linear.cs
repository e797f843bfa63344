using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// y = x Wᵀ + b, as torch.nn.Linear: W is (out, in), b is (out). Construct with
/// <see cref="Init.Initializers.TorchLinearDefault"/> to draw PyTorch's default weights.
/// </summary>
public sealed class Linear : Layer
{
    private Tensor? _input, _output, _gradInput;
    private OwnedBackward? _owned;
    private OwnedGradient? _ownedGradient;

    /// <summary>Where <see cref="OwnedBackward"/> splits this layer's units, or 0 when it does not apply.</summary>
    internal int OwnedSplit { get; }

    /// <summary>
    /// Whether a backward pass with dx goes through <see cref="OwnedBackward"/> where it applies
    /// (a blocked GEMM kernel), and one without dx through <see cref="OwnedGradient"/> (64 units or
    /// more): on two compute threads (on more, splitting each GEMM over all of them is faster) and
    /// from 2^17 multiply-adds (GEMM's own threshold for going parallel). On by default; the tests
    /// compare the two ways.
    /// </summary>
    internal bool UseOwnedBackward { get; set; } = true;

    /// <summary>How many backward passes went through <see cref="OwnedBackward"/> or <see cref="OwnedGradient"/> (for the tests).</summary>
    internal long OwnedPasses { get; private set; }

    /// <summary>
    /// A layer from <paramref name="inFeatures"/> to <paramref name="outFeatures"/> units, with a bias
    /// vector unless <paramref name="bias"/> is false. W and b start at zero: an initializer (or
    /// <see cref="Init.Initializers.TorchLinearDefault"/>) fills them.
    /// </summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear needs positive sizes, got {inFeatures} -> {outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter("weight", new Tensor(outFeatures, inFeatures));
        Bias = bias ? new Parameter("bias", new Tensor(outFeatures)) : null;
        Parameters = Bias is null ? [Weight] : [Weight, Bias];
        OwnedSplit = OwnedBackward.SplitOf(outFeatures);
    }

    /// <summary>Input features per sample: the columns of x and of W (fan_in).</summary>
    public int InFeatures { get; }

    /// <summary>Output features per sample: the columns of y and the rows of W (fan_out).</summary>
    public int OutFeatures { get; }

    /// <summary>W, (out, in), named "weight" as in PyTorch's state dict.</summary>
    public Parameter Weight { get; }

    /// <summary>b, (out), named "bias"; null for a layer built with bias: false.</summary>
    public Parameter? Bias { get; }

    /// <summary>[Weight] or [Weight, Bias]: PyTorch's parameter order, which optimizer states and files follow.</summary>
    public override IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Always <see cref="OutFeatures"/>; the input size is checked by Forward, not here.</summary>
    public override int OutputFeatures(int inputFeatures) => OutFeatures;

    /// <summary>y = x Wᵀ + b: x is (batch, in), y (batch, out), the pre-activation whatever layer follows.</summary>
    public override Tensor Forward(Tensor x) => Forward(x, relu: false);

    /// <summary>
    /// As <see cref="Forward(Tensor)"/>, with max(·, 0) applied to each output tile inside the GEMM
    /// when <paramref name="relu"/>: a <see cref="Sequential"/> fuses a following ReLU this way and
    /// saves a pass over y.
    /// </summary>
    internal Tensor Forward(Tensor x, bool relu)
    {
        if (x.Cols != InFeatures) throw new ArgumentException($"Linear expects {InFeatures} input features, got {x.Cols}.");
        _input = x;
        var y = Ensure(ref _output, x.Rows, OutFeatures);
        // y (batch,out) = x (batch,in) · Wᵀ (in,out), then + b (and ReLU when fused) on each tile as it is computed.
        Gemm.Multiply(x, false, Weight.Value, true, y,
            epilogue: new GemmEpilogue { ColumnBias = Bias?.Value.Data, Relu = relu });
        // A ReLU's output: a unit is often off for several samples running, so the next layer's
        // product skips those all-zero steps (the same bits).
        y.Zeros = relu ? ZeroHint.Columns : ZeroHint.None;
        return y;
    }

    /// <summary>
    /// dy is (batch, out) for the last Forward: writes dW (out, in) and db (out); returns dx (batch, in)
    /// = dy W, or null when <paramref name="needInputGrad"/> is false.
    /// </summary>
    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true) =>
        Backward(gradOutput, needInputGrad, maskByInput: false);

    /// <summary>
    /// As <see cref="Backward(Tensor, bool)"/>; with <paramref name="maskByInput"/> dx is also zeroed
    /// where the input was &lt;= 0. When the input is a ReLU's output, that is the ReLU's backward,
    /// done inside this GEMM instead of in a pass of its own (a <see cref="Sequential"/> does this).
    /// </summary>
    internal Tensor? Backward(Tensor gradOutput, bool needInputGrad, bool maskByInput)
    {
        var x = _input ?? throw new InvalidOperationException("Backward called before Forward.");
        if (gradOutput.Rows != x.Rows || gradOutput.Cols != OutFeatures || gradOutput.Data.Length < x.Rows * OutFeatures)
            throw new ArgumentException($"Linear backward: the output gradient is {gradOutput.Rows}x{gradOutput.Cols}, the output was {x.Rows}x{OutFeatures}.");
        long t = Profile.Now();
        if (Bias is not null) Ops.SumRows(gradOutput.Data, gradOutput.Rows, OutFeatures, Bias.Grad.Data);
        Profile.Add(Profile.BiasSum, t);
        t = Profile.Now();
        // dW (out,in) = dyᵀ (out,batch) · x (batch,in)
        if (!needInputGrad)
        {
            // By halves of the units on two threads (OwnedGradient): the same numbers, and the
            // gradient's rows land on the core whose Adam step reads them.
            if (ByHalves(x.Rows) && OutFeatures >= 64)
            {
                (_ownedGradient ??= new OwnedGradient()).Run(x, gradOutput, Weight.Grad);
                OwnedPasses++;
            }
            else Gemm.Multiply(gradOutput, true, x, false, Weight.Grad);
            Profile.Add(Profile.BackwardDw, t);
            return null;
        }
        // and dx (batch,in) = dy (batch,out) · W (out,in): by halves of the units where the GEMM
        // sums them in two blocks (see OwnedBackward), else in the same parallel call: the threads
        // meet once instead of twice (3-7 µs a layer in the profile build)
        var dx = Ensure(ref _gradInput, x.Rows, InFeatures);
        // Masked by a ReLU's input, dx is zero where that ReLU's unit was off: the layer below's
        // products skip those steps, its dx product's (a unit off for 8 samples running) and its
        // dW product's (8 units running off for a sample).
        dx.Zeros = maskByInput ? ZeroHint.Columns | ZeroHint.RowStrips : ZeroHint.None;
        if (OwnedSplit > 0 && ByHalves(x.Rows) && GemmKernels.Default != GemmKernel.Naive)
        {
            (_owned ??= new OwnedBackward()).Run(x, gradOutput, Weight.Value, Weight.Grad, dx, maskByInput ? x.Data : null, OwnedSplit);
            OwnedPasses++;
            Profile.Add(Profile.BackwardDwDx, t);
            return dx;
        }
        Gemm.MultiplyPair(gradOutput, true, x, false, Weight.Grad, default,
            gradOutput, false, Weight.Value, false, dx, new GemmEpilogue { Mask = maskByInput ? x.Data : null });
        Profile.Add(Profile.BackwardDwDx, t);
        return dx;
    }

    /// <summary>Whether this pass goes by halves of the units: allowed, exactly two compute threads, and enough work for GEMM to go parallel.</summary>
    private bool ByHalves(int rows) =>
        UseOwnedBackward && Compute.Threads == 2 && (long)rows * InFeatures * OutFeatures >= Gemm.ParallelThreshold;

    /// <summary>The module text, e.g. <c>Linear(784, 256, bias=True)</c> in the style of PyTorch's repr.</summary>
    public override string ToString() => $"Linear({InFeatures}, {OutFeatures}, bias={Bias is not null})";
}
