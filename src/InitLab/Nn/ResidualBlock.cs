using System.Numerics.Tensors;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Nn;

/// <summary>
/// y = x + α·branch(x) on (batch, width): the residual block of a deep MLP. The branch is a
/// <see cref="Sequential"/>, normally Linear → [norm] → activation → Linear → [norm]; α is an
/// optional learnable scalar ("alpha", shape (1)) that SkipInit and ReZero start at 0, so that the
/// block starts as the identity. Without α the block is x + branch(x). In PyTorch's state dict
/// the block's own α comes first, then "branch.{i}.…", as a module with
/// <c>self.branch = nn.Sequential(...)</c> and <c>self.alpha = nn.Parameter(...)</c> lists them.
/// </summary>
public sealed class ResidualBlock : Layer
{
    private readonly Parameter[] _parameters;
    private Tensor? _branchOut, _output, _gradBranch, _gradInput;

    /// <summary>A block around <paramref name="branch"/>, which must keep the width; with <paramref name="gain"/> a learnable α starting at 1.</summary>
    public ResidualBlock(Sequential branch, bool gain = false)
    {
        Branch = branch;
        if (gain)
        {
            Alpha = new Parameter("alpha", new Tensor(1));
            Alpha.Value.Data[0] = 1f;
        }
        _parameters = Alpha is null ? [.. branch.Parameters] : [Alpha, .. branch.Parameters];
    }

    /// <summary>The residual branch.</summary>
    public Sequential Branch { get; }

    /// <summary>The scalar gain α on the branch, (1); null when the block has none.</summary>
    public Parameter? Alpha { get; }

    /// <summary>α (if any), then the branch's parameters.</summary>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The branch's buffers.</summary>
    public override IReadOnlyList<Parameter> Buffers => Branch.Buffers;

    /// <summary>Passes the mode to the branch.</summary>
    public override bool Training
    {
        get => Branch.Training;
        set => Branch.Training = value;
    }

    /// <summary>The width: the branch must map it to itself.</summary>
    public override int OutputFeatures(int inputFeatures) => inputFeatures;

    /// <summary>x and y are (batch, width); y = x + α·branch(x).</summary>
    public override Tensor Forward(Tensor x)
    {
        var b = Branch.Forward(x);
        if (b.Cols != x.Cols) throw new ArgumentException($"A residual branch must keep the width {x.Cols}, got {b.Cols}.");
        _branchOut = b;
        var y = Ensure(ref _output, x.Rows, x.Cols);
        if (Alpha is null) TensorPrimitives.Add(x.Data, b.Data, y.Data);
        else TensorPrimitives.FusedMultiplyAdd(b.Data, Alpha.Value.Data[0], x.Data, y.Data);
        return y;
    }

    /// <summary>
    /// dy is (batch, width). dα = Σ dy·branch(x); the branch receives α·dy; dx = dy + the branch's
    /// input gradient (the branch always computes it, since x feeds it).
    /// </summary>
    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true)
    {
        var b = _branchOut ?? throw new InvalidOperationException("Backward called before Forward.");
        var g = gradOutput;
        if (Alpha is not null)
        {
            double dot = 0;
            for (int i = 0; i < b.Length; i++) dot += gradOutput.Data[i] * (double)b.Data[i];
            Alpha.Grad.Data[0] = (float)dot;
            g = Ensure(ref _gradBranch, gradOutput.Rows, gradOutput.Cols);
            TensorPrimitives.Multiply(gradOutput.Data, Alpha.Value.Data[0], g.Data);
        }
        var dBranch = Branch.Backward(g, needInputGrad)!;
        if (!needInputGrad) return null;
        var dx = Ensure(ref _gradInput, gradOutput.Rows, gradOutput.Cols);
        TensorPrimitives.Add(gradOutput.Data, dBranch.Data, dx.Data);
        return dx;
    }

    /// <summary>A PyTorch-style module text with the branch indented.</summary>
    public override string ToString() =>
        $"ResidualBlock(\n  (branch): {Branch.ToString().Replace("\n", "\n  ")}\n)";
}
