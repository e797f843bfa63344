using System.Numerics.Tensors;
using InitLab.Random;
using InitLab.Tensors;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Rbm;

/// <summary>
/// Real-valued visible units with unit variance and binary hiddens, for standardized inputs
/// (zero mean, unit variance per feature). E(v, h) = ½‖v - b‖² - cᵀh - vᵀWᵀh. It needs a
/// smaller learning rate than a Bernoulli RBM (Hinton's guide: one or two orders of magnitude).
/// </summary>
public sealed class GaussianBernoulliRbm(int visible, int hidden) : RestrictedBoltzmannMachine(visible, hidden)
{
    private float[] _noise = [];

    public override void MeanVisibles(Tensor h, Tensor v) =>
        Gemm.Multiply(h, false, Weights, false, v, threads: Threads, epilogue: new GemmEpilogue { ColumnBias = VisibleBias.Data });

    public override void SampleVisibles(Tensor h, Tensor v, ISampler random)
    {
        MeanVisibles(h, v);
        if (_noise.Length < v.Length) _noise = new float[v.Length];
        var noise = _noise.AsSpan(0, v.Length);
        random.Gaussian(noise);
        TensorPrimitives.Add(v.Span, noise, v.Span);
    }

    protected override double VisibleTerm(ReadOnlySpan<float> v)
    {
        double s = 0;
        var b = VisibleBias.Span;
        for (int i = 0; i < v.Length; i++)
        {
            double d = v[i] - b[i];
            s += d * d;
        }
        return 0.5 * s;
    }
}
