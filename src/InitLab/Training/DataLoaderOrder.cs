using InitLab.Random;

namespace InitLab.Training;

/// <summary>
/// The order in which torch.utils.data.DataLoader(shuffle=True) visits samples. Each epoch the
/// loader's iterator draws a base seed from the global generator (unused on one process), then
/// RandomSampler draws a seed, seeds a fresh generator with it and takes randperm(n).
/// </summary>
public sealed class DataLoaderOrder(TorchGenerator global)
{
    private readonly TorchGenerator _sampler = new();

    /// <summary>Fills <paramref name="order"/> with the next epoch's permutation of 0..n-1.</summary>
    public void Next(Span<int> order)
    {
        global.RandomInt64(); // _BaseDataLoaderIter._base_seed
        _sampler.ManualSeed((ulong)global.RandomInt64()); // RandomSampler's generator seed
        _sampler.RandPerm(order);
    }

    /// <summary>Advances the global generator as <paramref name="epochs"/> epochs of a loader do.</summary>
    public static void Skip(TorchGenerator global, int epochs)
    {
        for (int e = 0; e < epochs; e++)
        {
            global.RandomInt64();
            global.RandomInt64();
        }
    }
}
