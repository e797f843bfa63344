using System.Numerics.Tensors;
using InitLab.Random;
using InitLab.Tensors;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Rbm;

/// <summary>Binary visible and hidden units (scikit-learn's BernoulliRBM). Visibles may be probabilities in [0, 1].</summary>
public sealed class BernoulliRbm(int visible, int hidden) : RestrictedBoltzmannMachine(visible, hidden)
{
    /// <inheritdoc/>
    public override void MeanVisibles(Tensor h, Tensor v)
    {
        Gemm.Multiply(h, false, Weights, false, v, epilogue: new GemmEpilogue { ColumnBias = VisibleBias.Data, Sigmoid = true });
    }

    /// <inheritdoc/>
    public override void SampleVisibles(Tensor h, Tensor v, ISampler random)
    {
        MeanVisibles(h, v);
        random.Bernoulli(v.Span);
    }

    /// <inheritdoc/>
    protected override double VisibleTerm(ReadOnlySpan<float> v) => -TensorPrimitives.Dot(v, VisibleBias.Span);

    /// <summary>
    /// Pseudo-likelihood of each row as scikit-learn's score_samples defines it: with feature
    /// flip[i] of row i inverted (v' = 1 - v there), n_visible · log σ(F(v') - F(v)).
    /// </summary>
    public float[] PseudoLikelihood(Tensor v, ReadOnlySpan<int> flip)
    {
        if (flip.Length != v.Rows) throw new ArgumentException($"{flip.Length} flip indices for {v.Rows} rows.");
        var flipped = v.Clone();
        for (int i = 0; i < v.Rows; i++) flipped[i, flip[i]] = 1 - flipped[i, flip[i]];
        var fe = new float[v.Rows];
        var feFlipped = new float[v.Rows];
        FreeEnergy(v, fe);
        FreeEnergy(flipped, feFlipped);
        var result = new float[v.Rows];
        for (int i = 0; i < v.Rows; i++)
        {
            // -n · logaddexp(0, -(F' - F)) = -n · softplus(F - F')
            double z = fe[i] - (double)feFlipped[i];
            result[i] = (float)(-Visible * (Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)))));
        }
        return result;
    }

    /// <summary>
    /// Mean pseudo-likelihood with the features flipped that scikit-learn's score_samples flips
    /// for random_state=<paramref name="sklearnSeed"/>: the same estimate, noise and all.
    /// </summary>
    public double PseudoLikelihood(Tensor v, uint sklearnSeed)
    {
        var rs = new NumpyRandomState(sklearnSeed);
        var flip = new int[v.Rows];
        for (int i = 0; i < flip.Length; i++) flip[i] = rs.RandInt(0, Visible);
        return PseudoLikelihood(v, flip).Average(x => (double)x);
    }

    /// <summary>Pseudo-likelihood with a random feature flipped in every row; its mean over the rows.</summary>
    public double PseudoLikelihood(Tensor v, FastRandom random)
    {
        var flip = new int[v.Rows];
        for (int i = 0; i < flip.Length; i++) flip[i] = random.NextInt(Visible);
        return PseudoLikelihood(v, flip).Average(x => (double)x);
    }
}
