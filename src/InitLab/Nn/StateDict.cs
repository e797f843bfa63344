using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// One entry of a network's state dict: a float tensor (a parameter or a running statistic), or
/// a BatchNorm's batch counter (num_batches_tracked, an int64 scalar in PyTorch).
/// </summary>
/// <param name="Name">PyTorch's name, e.g. "0.weight", "1.running_mean", "4.branch.0.bias", "4.alpha".</param>
/// <param name="Tensor">The values, shared with the layer (not copied); null for a batch counter.</param>
/// <param name="Counter">The BatchNorm whose <see cref="BatchNorm1d.NumBatchesTracked"/> this entry is; null otherwise.</param>
public sealed record StateEntry(string Name, Tensor? Tensor, BatchNorm1d? Counter);

/// <summary>
/// The names and order of PyTorch's state_dict() for the equivalent nn.Sequential: each module's
/// own parameters, then its buffers, then its children's, prefixed by the index ("2.weight"); a
/// residual block is a module with its gain "alpha" and a child "branch". Model files and
/// checkpoints are written in this order, so PyTorch loads them with strict=True.
/// </summary>
public static class StateDict
{
    /// <summary>Every entry of <paramref name="model"/>, in PyTorch's order.</summary>
    public static IReadOnlyList<StateEntry> Of(Sequential model)
    {
        var list = new List<StateEntry>();
        Add(model, "", list);
        return list;
    }

    private static void Add(Sequential model, string prefix, List<StateEntry> list)
    {
        for (int i = 0; i < model.Layers.Count; i++)
        {
            string p = $"{prefix}{i}.";
            var layer = model.Layers[i];
            if (layer is ResidualBlock block)
            {
                if (block.Alpha is not null) list.Add(new($"{p}alpha", block.Alpha.Value, null));
                Add(block.Branch, p + "branch.", list);
                continue;
            }
            foreach (var param in layer.Parameters) list.Add(new(p + param.Name, param.Value, null));
            foreach (var buffer in layer.Buffers) list.Add(new(p + buffer.Name, buffer.Value, null));
            if (layer is BatchNorm1d bn) list.Add(new(p + "num_batches_tracked", null, bn));
        }
    }
}
