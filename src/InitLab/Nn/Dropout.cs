using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// torch.nn.Dropout(p): in training, each element is zeroed with probability p and the survivors
/// are scaled by 1/(1-p) (inverted dropout, so evaluation needs no rescaling); in evaluation it is
/// the identity. The mask is drawn from <see cref="Generator"/> the way PyTorch 1.13's CPU
/// <c>bernoulli_(1 - p)</c> draws it on non-MKL paths (every AMD CPU, and builds without MKL such
/// as Debian's): one <c>random64</c> per element in row-major order, its low 53 bits scaled to
/// [0, 1), kept when below 1 - p. With the generator that built the network and shuffles the
/// batches (PyTorch's global generator) the masks are PyTorch's, bit for bit.
/// </summary>
public sealed class Dropout : Layer
{
    private Tensor? _mask, _output, _gradInput;
    private bool _masked;

    /// <summary>
    /// A dropout layer zeroing with probability <paramref name="p"/> in [0, 1], drawing from
    /// <paramref name="generator"/> (shared with the rest of the run, as PyTorch's global generator is).
    /// </summary>
    public Dropout(double p, TorchGenerator generator)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout probability must be in [0, 1], got {p}.");
        P = p;
        Generator = generator;
        // noise.div_(1 - p) in PyTorch: the float32 quotient 1f / (float)(1 - p).
        Scale = p < 1 ? 1f / (float)(1 - p) : 0f;
    }

    /// <summary>The probability of zeroing an element while training.</summary>
    public double P { get; }

    /// <summary>
    /// Where the masks come from. A trainer points it at its own generator (PyTorch's global one),
    /// so a network loaded from a file or checkpoint draws as the run that made it did.
    /// </summary>
    public TorchGenerator Generator { get; set; }

    /// <summary>The factor survivors are multiplied by: 1/(1-p) in float32 (0 when p = 1).</summary>
    public float Scale { get; }

    /// <inheritdoc/>
    public override int OutputFeatures(int inputFeatures) => inputFeatures;

    /// <summary>
    /// x is (batch, features). In training with 0 &lt; p: y = x·mask, mask ∈ {0, 1/(1-p)}, drawing
    /// batch·features random64 values (none for p = 0 or p = 1, as PyTorch); otherwise returns x itself.
    /// </summary>
    public override Tensor Forward(Tensor x)
    {
        _masked = Training && P > 0;
        if (!_masked) return x;
        var mask = Ensure(ref _mask, x.Rows, x.Cols);
        var y = Ensure(ref _output, x.Rows, x.Cols);
        var m = mask.Data;
        if (P >= 1) Array.Clear(m);
        else
        {
            double keep = 1 - P;
            // at::bernoulli_distribution<double>(keep): uniform_real_distribution<double>(0, 1) takes
            // random64()'s low 53 bits times 2^-53; the element is 1 when that is below keep.
            for (int i = 0; i < m.Length; i++)
                m[i] = (Generator.Random64() & ((1UL << 53) - 1)) * (1.0 / (1UL << 53)) < keep ? Scale : 0f;
        }
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Data, m, y.Data);
        return y;
    }

    /// <summary>dx = dy·mask for a training Forward, dy itself otherwise; there are no parameters.</summary>
    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true)
    {
        if (!needInputGrad) return null;
        if (!_masked) return gradOutput;
        var dx = Ensure(ref _gradInput, gradOutput.Rows, gradOutput.Cols);
        System.Numerics.Tensors.TensorPrimitives.Multiply(gradOutput.Data, _mask!.Data, dx.Data);
        return dx;
    }

    /// <summary>
    /// Advances <see cref="Generator"/> past the draws a training Forward of <paramref name="rows"/>
    /// rows of <paramref name="features"/> would make: a resumed epoch skips its finished batches
    /// this way, so the batches after them get the masks an uninterrupted run gives them.
    /// </summary>
    public void SkipDraws(int rows, int features)
    {
        if (P <= 0 || P >= 1) return;
        for (long i = (long)rows * features; i > 0; i--) Generator.Random64();
    }

    /// <summary>PyTorch's module text, e.g. <c>Dropout(p=0.3, inplace=False)</c>.</summary>
    public override string ToString() => $"Dropout(p={P.ToString(System.Globalization.CultureInfo.InvariantCulture)}, inplace=False)";
}
