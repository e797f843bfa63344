namespace InitLab.Random;

/// <summary>
/// CPython's <c>random</c> module for the calls the study note makes (random.seed(int),
/// random.randint), so InitLab picks the same "random test digit" as the note.
/// </summary>
public sealed class PythonRandom
{
    private readonly Mt19937 _engine;

    /// <summary>As random.seed(seed) for a non-negative integer seed: its 32-bit words as the key.</summary>
    public PythonRandom(ulong seed)
    {
        uint lo = (uint)seed, hi = (uint)(seed >> 32);
        _engine = hi == 0 ? Mt19937.FromKey([lo]) : Mt19937.FromKey([lo, hi]);
    }

    /// <summary>random.getrandbits(k) for 0 &lt; k &lt;= 32.</summary>
    public uint GetRandBits(int k) => _engine.Next() >> (32 - k);

    /// <summary>random.randint(a, b): uniform in [a, b] by rejection on getrandbits.</summary>
    public int RandInt(int a, int b)
    {
        uint n = (uint)(b - a + 1);
        int k = 32 - (int)uint.LeadingZeroCount(n);
        uint r = GetRandBits(k);
        while (r >= n) r = GetRandBits(k);
        return a + (int)r;
    }
}
