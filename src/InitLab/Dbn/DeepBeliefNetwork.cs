using InitLab.Nn;
using InitLab.Rbm;
using InitLab.Tensors;

namespace InitLab.Dbn;

/// <summary>
/// A deep belief network as a way to initialize a sigmoid network: RBMs pretrained greedily,
/// one layer at a time, each on the hidden probabilities of the one below, then unrolled into
/// Linear layers (an RBM's weights and hidden biases) for fine-tuning with labels.
/// </summary>
public static class DeepBeliefNetwork
{
    /// <summary>
    /// Pretrains RBMs for sizes[0]→sizes[1], sizes[1]→sizes[2], ... on <paramref name="data"/>
    /// (rows, sizes[0]) with values in [0, 1]. Layer i is seeded with options.Seed + i.
    /// </summary>
    public static IReadOnlyList<BernoulliRbm> Pretrain(IReadOnlyList<int> sizes, Tensor data, Tensor? heldOut, RbmOptions options,
        IProgress<RbmEpochReport>? progress = null, CancellationToken cancel = default)
    {
        if (sizes.Count < 2) throw new ArgumentException("A DBN needs at least one hidden layer.");
        if (data.Cols != sizes[0]) throw new ArgumentException($"The data has {data.Cols} features but the DBN's first layer has {sizes[0]} visible units.");
        var rbms = new List<BernoulliRbm>();
        Tensor input = data, held = heldOut ?? new Tensor(0, data.Cols);
        for (int i = 0; i + 1 < sizes.Count; i++)
        {
            var rbm = new BernoulliRbm(sizes[i], sizes[i + 1]);
            var layerOptions = options with { Seed = options.Seed + (ulong)i };
            RbmTrainer.Initialize(rbm, input, layerOptions.Seed);
            new RbmTrainer(rbm, layerOptions).Fit(input, held.Rows > 0 ? held : null, i + 1, progress, cancel);
            rbms.Add(rbm);
            if (i + 2 < sizes.Count)
            {
                input = TransformAll(rbm, input);
                if (held.Rows > 0) held = TransformAll(rbm, held);
            }
        }
        return rbms;
    }

    /// <summary>Copies each RBM's weights (hidden, visible) and hidden biases into the matching Linear (out, in).</summary>
    public static void Unroll(IReadOnlyList<RestrictedBoltzmannMachine> rbms, IReadOnlyList<Linear> linears)
    {
        for (int i = 0; i < rbms.Count; i++)
        {
            var (rbm, linear) = (rbms[i], linears[i]);
            if (linear.InFeatures != rbm.Visible || linear.OutFeatures != rbm.Hidden)
                throw new ArgumentException($"Layer {i + 1} is {linear.InFeatures}->{linear.OutFeatures} but its RBM is {rbm.Visible}->{rbm.Hidden}.");
            rbm.Weights.Span.CopyTo(linear.Weight.Value.Span);
            if (linear.Bias is not null) rbm.HiddenBias.Span.CopyTo(linear.Bias.Value.Span);
        }
    }

    /// <summary>Hidden probabilities of every row, computed in blocks.</summary>
    private static Tensor TransformAll(RestrictedBoltzmannMachine rbm, Tensor data)
    {
        var result = new Tensor(data.Rows, rbm.Hidden);
        const int block = 1000;
        for (int start = 0; start < data.Rows; start += block)
        {
            int rows = Math.Min(block, data.Rows - start);
            var x = data.CopyRows(start, rows);
            var h = rbm.Transform(x);
            h.Span.CopyTo(result.Data.AsSpan(start * rbm.Hidden, rows * rbm.Hidden));
        }
        return result;
    }
}
