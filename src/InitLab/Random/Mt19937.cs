namespace InitLab.Random;

/// <summary>
/// The 32-bit Mersenne Twister (Matsumoto and Nishimura), the engine behind both PyTorch's CPU
/// generator and Python's <c>random</c> module. Only the seeding differs between them.
/// </summary>
public sealed class Mt19937
{
    private const int N = 624, M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _index = N;

    /// <summary>Seeds as std::mt19937(seed) and PyTorch's at::mt19937 do (init_genrand).</summary>
    public Mt19937(uint seed) => Seed(seed);

    private Mt19937() { }

    /// <summary>Restarts the sequence from <paramref name="seed"/> (init_genrand), as the constructor does.</summary>
    public void Seed(uint seed)
    {
        _mt[0] = seed;
        for (int i = 1; i < N; i++) _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    /// <summary>Seeds from a key array (init_by_array), as CPython's random.seed does.</summary>
    public static Mt19937 FromKey(ReadOnlySpan<uint> key)
    {
        var g = new Mt19937();
        g.Seed(19650218u);
        uint[] mt = g._mt;
        int i = 1, j = 0;
        int k = Math.Max(N, key.Length);
        for (; k > 0; k--)
        {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (k = N - 1; k > 0; k--)
        {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
        }
        mt[0] = 0x80000000u;
        g._index = N;
        return g;
    }

    /// <summary>Words of state: the 624 words of the twister, then the index of the next word to temper.</summary>
    public const int StateWords = N + 1;

    /// <summary>Copies the whole state into <paramref name="destination"/> (<see cref="StateWords"/> words).</summary>
    public void GetState(Span<uint> destination)
    {
        if (destination.Length != StateWords) throw new ArgumentException($"Mersenne Twister state is {StateWords} words, not {destination.Length}.", nameof(destination));
        _mt.CopyTo(destination);
        destination[N] = (uint)_index;
    }

    /// <summary>Restores a state taken by <see cref="GetState"/>; the index must be in 0..624.</summary>
    public void SetState(ReadOnlySpan<uint> state)
    {
        if (state.Length != StateWords) throw new ArgumentException($"Mersenne Twister state is {StateWords} words, not {state.Length}.", nameof(state));
        if (state[N] > N) throw new ArgumentException($"Mersenne Twister index {state[N]} is outside 0..{N}.", nameof(state));
        state[..N].CopyTo(_mt);
        _index = (int)state[N];
    }

    /// <summary>The next 32 random bits.</summary>
    public uint Next()
    {
        if (_index >= N) Twist();
        uint y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_mt[i] & 0x80000000u) | (_mt[(i + 1) % N] & 0x7fffffffu);
            uint v = _mt[(i + M) % N] ^ (y >> 1);
            if ((y & 1) != 0) v ^= 0x9908b0dfu;
            _mt[i] = v;
        }
        _index = 0;
    }
}
