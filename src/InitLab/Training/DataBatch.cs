using InitLab.Data;
using InitLab.Tensors;

namespace InitLab.Training;

/// <summary>Fixed batches of real data, for initializers and diagnostics that look at data.</summary>
public static class DataBatch
{
    /// <summary>The first <paramref name="count"/> images (at most all of them) as a (count, features) tensor, with their labels.</summary>
    public static (Tensor X, int[] Labels) First(Dataset data, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"A batch needs at least one row, got {count}.");
        int n = Math.Min(count, data.Count);
        var x = new Tensor(n, data.FeatureCount);
        for (int i = 0; i < n; i++) data.CopyRow(i, x.Row(i));
        return (x, data.Labels[..n]);
    }
}
