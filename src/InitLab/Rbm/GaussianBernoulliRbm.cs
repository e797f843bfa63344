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

    /// <inheritdoc/>
    public override void MeanVisibles(Tensor h, Tensor v) =>
        Gemm.Multiply(h, false, Weights, false, v, epilogue: new GemmEpilogue { ColumnBias = VisibleBias.Data });

    /// <inheritdoc/>
    public override void SampleVisibles(Tensor h, Tensor v, ISampler random)
    {
        MeanVisibles(h, v);
        if (_noise.Length < v.Length) _noise = new float[v.Length];
        var noise = _noise.AsSpan(0, v.Length);
        random.Gaussian(noise);
        TensorPrimitives.Add(v.Span, noise, v.Span);
    }

    /// <summary>
    /// Standardizes the inputs this RBM wants: each feature of <paramref name="train"/> and of
    /// <paramref name="others"/> gets the training set's mean subtracted and is divided by its
    /// standard deviation (at least 0.01, so constant pixels do not blow up). In place.
    /// </summary>
    public static void Standardize(Tensor train, params Tensor[] others)
    {
        int f = train.Cols;
        var mean = new double[f];
        var sq = new double[f];
        for (int i = 0; i < train.Rows; i++)
            for (int j = 0; j < f; j++)
            {
                double v = train[i, j];
                mean[j] += v;
                sq[j] += v * v;
            }
        var std = new double[f];
        for (int j = 0; j < f; j++)
        {
            mean[j] /= train.Rows;
            std[j] = Math.Max(Math.Sqrt(Math.Max(0, sq[j] / train.Rows - mean[j] * mean[j])), 1e-2);
        }
        foreach (var t in others.Prepend(train))
        {
            if (t.Cols != f) throw new ArgumentException($"Cannot standardize {t.Cols} features with statistics of {f}.");
            for (int i = 0; i < t.Rows; i++)
                for (int j = 0; j < f; j++) t[i, j] = (float)((t[i, j] - mean[j]) / std[j]);
        }
    }

    /// <inheritdoc/>
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
