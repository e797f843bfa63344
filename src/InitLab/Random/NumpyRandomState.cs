namespace InitLab.Random;

/// <summary>
/// numpy's legacy RandomState for the one call InitLab needs from it: randint, as
/// scikit-learn's BernoulliRBM.score_samples uses it to pick the feature it flips. With the
/// same seed, InitLab's pseudo-likelihood uses exactly scikit-learn's flips.
/// </summary>
public sealed class NumpyRandomState(uint seed)
{
    private readonly Mt19937 _mt = new(seed); // RandomState(int) seeds with init_genrand

    /// <summary>randint(low, high): masked rejection sampling on 32-bit draws.</summary>
    public int RandInt(int low, int high)
    {
        uint range = (uint)(high - low - 1);
        if (range == 0) return low;
        uint mask = range;
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16;
        uint r;
        do r = _mt.Next() & mask; while (r > range);
        return low + (int)r;
    }
}
