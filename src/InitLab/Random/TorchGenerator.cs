namespace InitLab.Random;

/// <summary>
/// PyTorch's CPU generator (CPUGeneratorImpl): an mt19937 seeded as torch.manual_seed seeds it,
/// with PyTorch's float paths on top, so the same seed gives the same numbers as PyTorch.
/// </summary>
public sealed class TorchGenerator
{
    /// <summary>PyTorch's default seed (c10::detail::getNonDeterministicRandom is not used; this is default_rng_seed_val).</summary>
    public const ulong DefaultSeed = 67280421310721UL;

    private readonly Mt19937 _engine;

    /// <summary>A generator as torch.Generator().manual_seed(<paramref name="seed"/>): only the low 32 bits seed the engine.</summary>
    public TorchGenerator(ulong seed = DefaultSeed)
    {
        _engine = new Mt19937((uint)seed);
        InitialSeed = seed;
    }

    /// <summary>The seed last set.</summary>
    public ulong InitialSeed { get; private set; }

    /// <summary>As torch.manual_seed / Generator.manual_seed: the engine is seeded with the low 32 bits.</summary>
    public void ManualSeed(ulong seed)
    {
        _engine.Seed((uint)seed);
        _nextDoubleNormal = null;
        InitialSeed = seed;
    }

    /// <summary>
    /// Words in <see cref="GetState()"/>: the engine's 624 words and index, then a flag and the two
    /// halves (low first) of the cached double normal, then the two halves of the initial seed.
    /// </summary>
    public const int StateWords = Mt19937.StateWords + 5;

    /// <summary>The complete state, so that <see cref="SetState"/> continues the exact same sequence.</summary>
    public uint[] GetState()
    {
        var s = new uint[StateWords];
        GetState(s);
        return s;
    }

    /// <summary>As <see cref="GetState()"/>, into <paramref name="s"/> (<see cref="StateWords"/> words), without allocating.</summary>
    public void GetState(Span<uint> s)
    {
        if (s.Length != StateWords) throw new ArgumentException($"generator state is {StateWords} words, not {s.Length}.", nameof(s));
        s.Clear();
        _engine.GetState(s[..Mt19937.StateWords]);
        int k = Mt19937.StateWords;
        if (_nextDoubleNormal is { } cached)
        {
            ulong bits = BitConverter.DoubleToUInt64Bits(cached);
            (s[k], s[k + 1], s[k + 2]) = (1, (uint)bits, (uint)(bits >> 32));
        }
        (s[k + 3], s[k + 4]) = ((uint)InitialSeed, (uint)(InitialSeed >> 32));
    }

    /// <summary>Restores a state from <see cref="GetState()"/>; a malformed one is an <see cref="ArgumentException"/>.</summary>
    public void SetState(ReadOnlySpan<uint> state)
    {
        if (state.Length != StateWords) throw new ArgumentException($"generator state is {StateWords} words, not {state.Length}.", nameof(state));
        int k = Mt19937.StateWords;
        if (state[k] > 1) throw new ArgumentException($"generator state's cached-normal flag is {state[k]}, not 0 or 1.", nameof(state));
        _engine.SetState(state[..k]);
        _nextDoubleNormal = state[k] == 1 ? BitConverter.UInt64BitsToDouble(state[k + 1] | ((ulong)state[k + 2] << 32)) : null;
        InitialSeed = state[k + 3] | ((ulong)state[k + 4] << 32);
    }

    /// <summary>32 random bits (CPUGeneratorImpl::random).</summary>
    public uint Random() => _engine.Next();

    /// <summary>64 random bits from two draws, the first as the high word (CPUGeneratorImpl::random64).</summary>
    public ulong Random64()
    {
        ulong hi = _engine.Next();
        ulong lo = _engine.Next();
        return (hi << 32) | lo;
    }

    /// <summary>As torch.empty((), dtype=torch.int64).random_(): a value in [0, 2^63).</summary>
    public long RandomInt64() => (long)(Random64() % ((ulong)long.MaxValue + 1UL));

    /// <summary>
    /// One float in [from, to) as PyTorch's uniform_ kernel draws it: 24 random bits scaled to
    /// [0, 1), times (to - from) in float32, plus from in double, rounded to float32.
    /// </summary>
    public float NextUniform(float from, float to)
    {
        double x = (Random() & ((1u << 24) - 1)) * (1.0 / (1 << 24));
        return (float)(x * (to - from) + from);
    }

    /// <summary>As tensor.uniform_(from, to) on a float32 tensor: one draw per element, in order.</summary>
    public void Uniform(Span<float> destination, double from, double to)
    {
        float f = (float)from, t = (float)to;
        for (int i = 0; i < destination.Length; i++) destination[i] = NextUniform(f, t);
    }

    /// <summary>
    /// As tensor.normal_(mean, std) on a contiguous float32 tensor. Below 16 elements PyTorch
    /// draws double-precision Box-Muller pairs; from 16 on it fills the tensor with uniforms, then
    /// transforms blocks of 16 (pairs i, i+8), and a tail that is not a multiple of 16 redraws
    /// and transforms the last 16 elements. The transform is PyTorch's AVX2 one (x86-64 builds
    /// on CPUs with AVX2), reproduced bit for bit.
    /// </summary>
    public void Normal(Span<float> destination, double mean, double std)
    {
        float m = (float)mean, s = (float)std;
        int n = destination.Length;
        if (n < 16)
        {
            for (int i = 0; i < n; i++) destination[i] = (float)NextNormalDouble(mean, std);
            return;
        }
        for (int i = 0; i < n; i++) destination[i] = NextUniform(0f, 1f);
        for (int i = 0; i + 16 <= n; i += 16) NormalFill16(destination.Slice(i, 16), m, s);
        if (n % 16 != 0)
        {
            var tail = destination[(n - 16)..];
            for (int i = 0; i < 16; i++) tail[i] = NextUniform(0f, 1f);
            NormalFill16(tail, m, s);
        }
    }

    /// <summary>
    /// Box-Muller on 16 uniforms, lanes j and j+8, as PyTorch's AVX2 build computes it
    /// (normal_fill_16_AVX2 with avx_mathfun.h's log256_ps and sincos256_ps, compiled with
    /// fused multiply-adds), emulated lane by lane so the results are bit-identical.
    /// </summary>
    private static void NormalFill16(Span<float> data, float mean, float std)
    {
        const float twoPi = (float)(2.0 * Math.PI);
        for (int j = 0; j < 8; j++)
        {
            float u1 = 1 - data[j];
            float u2 = data[j + 8];
            float radius = MathF.Sqrt(-2f * AvxMath.Log(u1));
            var (sin, cos) = AvxMath.SinCos(twoPi * u2);
            data[j] = MathF.FusedMultiplyAdd(radius * cos, std, mean);
            data[j + 8] = MathF.FusedMultiplyAdd(radius * sin, std, mean);
        }
    }

    private double? _nextDoubleNormal;

    /// <summary>at::normal_distribution&lt;double&gt;: Box-Muller on two 53-bit uniforms, caching the second value.</summary>
    public double NextNormalDouble(double mean, double std)
    {
        if (_nextDoubleNormal is { } cached)
        {
            _nextDoubleNormal = null;
            return cached * std + mean;
        }
        double u1 = NextUniformDouble();
        double u2 = NextUniformDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        _nextDoubleNormal = r * Math.Sin(theta);
        return r * Math.Cos(theta) * std + mean;
    }

    private double NextUniformDouble() => (Random64() & ((1UL << 53) - 1)) * (1.0 / (1UL << 53));

    /// <summary>As torch.randperm(n, generator=this) on the CPU: a Fisher-Yates shuffle of 0..n-1.</summary>
    public void RandPerm(Span<int> destination)
    {
        int n = destination.Length;
        for (int i = 0; i < n; i++) destination[i] = i;
        for (int i = 0; i < n - 1; i++)
        {
            int z = (int)(Random() % (uint)(n - i));
            (destination[i], destination[z + i]) = (destination[z + i], destination[i]);
        }
    }
}
