using System.Numerics.Tensors;
using InitLab.Random;
using InitLab.Tensors;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Rbm;

/// <summary>
/// A restricted Boltzmann machine with binary hidden units, in the small verbs of
/// scikit-learn's _rbm.py. Weights is (hidden, visible) like sklearn's components_ and like a
/// Linear layer's weight, so a trained RBM's weights and hidden biases become a Linear layer.
/// Batches are (batch, units) tensors.
/// </summary>
public abstract class RestrictedBoltzmannMachine
{
    /// <summary>An RBM of <paramref name="visible"/> and <paramref name="hidden"/> units (both &gt;= 1), weights and biases zero until trained or set.</summary>
    protected RestrictedBoltzmannMachine(int visible, int hidden)
    {
        if (visible < 1 || hidden < 1) throw new ArgumentOutOfRangeException(nameof(visible), $"An RBM needs positive sizes, got {visible} visible and {hidden} hidden.");
        Weights = new Tensor(hidden, visible);
        HiddenBias = new Tensor(hidden);
        VisibleBias = new Tensor(visible);
    }

    /// <summary>Number of visible units: the features of a data row (784 for MNIST).</summary>
    public int Visible => Weights.Cols;

    /// <summary>Number of hidden units: the output features of the Linear layer this RBM becomes.</summary>
    public int Hidden => Weights.Rows;

    /// <summary>W, (hidden, visible).</summary>
    public Tensor Weights { get; }

    /// <summary>c, (hidden): the hidden units' bias, which becomes the Linear layer's bias when unrolled.</summary>
    public Tensor HiddenBias { get; }

    /// <summary>b, (visible): used to reconstruct visibles and in the free energy; an unrolled network drops it.</summary>
    public Tensor VisibleBias { get; }

    /// <summary>P(h = 1 | v) = sigmoid(v Wᵀ + c). v is (batch, visible), h (batch, hidden).</summary>
    public void MeanHiddens(Tensor v, Tensor h)
    {
        MeanHiddens(v, h, null);
    }

    /// <summary>
    /// <see cref="MeanHiddens(Tensor, Tensor)"/> with Wᵀ already packed for GEMM (the same
    /// numbers, bit for bit), or packing it itself when <paramref name="packedWeightsT"/> is null.
    /// </summary>
    internal void MeanHiddens(Tensor v, Tensor h, PackedMatrix? packedWeightsT)
    {
        var epilogue = new GemmEpilogue { ColumnBias = HiddenBias.Data, Sigmoid = true };
        if (packedWeightsT is null) Gemm.Multiply(v, false, Weights, true, h, epilogue: epilogue);
        else Gemm.Multiply(v, false, packedWeightsT, h, epilogue: epilogue);
    }

    /// <summary>Binary hiddens drawn from P(h | v).</summary>
    public void SampleHiddens(Tensor v, Tensor h, ISampler random)
    {
        MeanHiddens(v, h);
        random.Bernoulli(h.Span);
    }

    /// <summary>E[v | h]: sigmoid(h W + b) for binary visibles, h W + b for Gaussian ones.</summary>
    public abstract void MeanVisibles(Tensor h, Tensor v);

    /// <summary>Visibles drawn from P(v | h).</summary>
    public abstract void SampleVisibles(Tensor h, Tensor v, ISampler random);

    /// <summary>The free energy F(v) of each row: -log Σ_h e^{-E(v,h)}.</summary>
    public void FreeEnergy(Tensor v, Span<float> result)
    {
        var x = new Tensor(v.Rows, Hidden);
        Gemm.Multiply(v, false, Weights, true, x, epilogue: new GemmEpilogue { ColumnBias = HiddenBias.Data });
        for (int i = 0; i < v.Rows; i++)
        {
            double softplus = 0;
            foreach (float xj in x.Row(i)) softplus += Math.Max(xj, 0) + Math.Log(1 + Math.Exp(-Math.Abs(xj)));
            result[i] = (float)(VisibleTerm(v.Row(i)) - softplus);
        }
    }

    /// <summary>The part of the free energy that depends on the visibles alone.</summary>
    protected abstract double VisibleTerm(ReadOnlySpan<float> v);

    /// <summary>One Gibbs step v → h → v', sampling both layers.</summary>
    public void Gibbs(Tensor v, Tensor vNext, ISampler random)
    {
        var h = new Tensor(v.Rows, Hidden);
        SampleHiddens(v, h, random);
        SampleVisibles(h, vNext, random);
    }

    /// <summary>
    /// Runs one Gibbs chain per row of <paramref name="start"/> for <paramref name="steps"/>
    /// steps (sampling hiddens and visibles) and returns E[v | h] of the last step: what the
    /// model dreams from those starting points.
    /// </summary>
    public Tensor Dream(Tensor start, int steps, ISampler sampler)
    {
        var v = start.Clone();
        var h = new Tensor(v.Rows, Hidden);
        for (int s = 0; s < steps; s++)
        {
            SampleHiddens(v, h, sampler);
            if (s + 1 < steps) SampleVisibles(h, v, sampler);
        }
        MeanVisibles(h, v);
        return v;
    }

    /// <summary>Hidden probabilities for a batch (what a DBN feeds the next layer).</summary>
    public Tensor Transform(Tensor v)
    {
        var h = new Tensor(v.Rows, Hidden);
        MeanHiddens(v, h);
        return h;
    }

    /// <summary>
    /// Mean squared reconstruction error per row, Σ_i (v_i - v'_i)² with v' = E[v | P(h | v)]
    /// (mean-field, no sampling), averaged over the batch.
    /// </summary>
    public double ReconstructionError(Tensor v)
    {
        var h = new Tensor(v.Rows, Hidden);
        var r = new Tensor(v.Rows, Visible);
        MeanHiddens(v, h);
        MeanVisibles(h, r);
        double sum = 0;
        for (int i = 0; i < v.Length; i++)
        {
            double d = v.Data[i] - r.Data[i];
            sum += d * d;
        }
        return sum / v.Rows;
    }
}
