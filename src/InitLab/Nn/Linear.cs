using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// y = x Wᵀ + b, as torch.nn.Linear: W is (out, in), b is (out). Construct with
/// <see cref="Init.Initializers.TorchLinearDefault"/> to draw PyTorch's default weights.
/// </summary>
public sealed class Linear : Layer
{
    private Tensor? _input, _output, _gradInput;

    public Linear(int inFeatures, int outFeatures, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear needs positive sizes, got {inFeatures} -> {outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter("weight", new Tensor(outFeatures, inFeatures));
        Bias = bias ? new Parameter("bias", new Tensor(outFeatures)) : null;
        Parameters = Bias is null ? [Weight] : [Weight, Bias];
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public override IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Apply ReLU to the output inside the GEMM (set by <see cref="Sequential"/> when a ReLU follows).</summary>
    internal bool FuseRelu { get; set; }

    /// <summary>The input is a ReLU's output whose backward this layer performs: dx is zeroed where the input is 0.</summary>
    internal bool MaskInputGradient { get; set; }

    public override int OutputFeatures(int inputFeatures) => OutFeatures;

    public override Tensor Forward(Tensor x)
    {
        if (x.Cols != InFeatures) throw new ArgumentException($"Linear expects {InFeatures} input features, got {x.Cols}.");
        _input = x;
        var y = Ensure(ref _output, x.Rows, OutFeatures);
        // (batch,in)·(in,out), then + b (and ReLU when fused) on each tile as it is computed.
        Gemm.Multiply(x, false, Weight.Value, true, y, threads: Threads,
            epilogue: new GemmEpilogue { ColumnBias = Bias?.Value.Data, Relu = FuseRelu });
        return y;
    }

    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true)
    {
        var x = _input ?? throw new InvalidOperationException("Backward called before Forward.");
        // dW (out,in) = dyᵀ (out,batch) · x (batch,in)
        Gemm.Multiply(gradOutput, true, x, false, Weight.Grad, threads: Threads);
        if (Bias is not null) Ops.SumRows(gradOutput.Data, gradOutput.Rows, OutFeatures, Bias.Grad.Data);
        if (!needInputGrad) return null;
        // dx (batch,in) = dy (batch,out) · W (out,in)
        var dx = Ensure(ref _gradInput, x.Rows, InFeatures);
        Gemm.Multiply(gradOutput, false, Weight.Value, false, dx, threads: Threads,
            epilogue: new GemmEpilogue { Mask = MaskInputGradient ? x.Data : null });
        return dx;
    }

    public override string ToString() => $"Linear({InFeatures}, {OutFeatures}, bias={Bias is not null})";
}
