using InitLab.Random;

namespace InitLab.Rbm;

/// <summary>Where Gibbs sampling gets its randomness: uniforms in [0, 1) and standard normals.</summary>
public interface ISampler
{
    /// <summary>Fills <paramref name="destination"/> with independent draws from U[0, 1).</summary>
    void Uniform(Span<float> destination);

    /// <summary>Fills <paramref name="destination"/> with independent draws from N(0, 1).</summary>
    void Gaussian(Span<float> destination);
}

/// <summary>The engine's sampler: <see cref="FastRandom"/> seeded once per run.</summary>
public sealed class FastSampler(ulong seed) : ISampler
{
    /// <summary>The generator behind the draws, exposed so a caller can take other numbers from the same stream.</summary>
    public FastRandom Random { get; } = new(seed);

    /// <inheritdoc/>
    public void Uniform(Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = Random.NextFloat();
    }

    /// <inheritdoc/>
    public void Gaussian(Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = Random.NextGaussian();
    }
}

/// <summary>Sampling helpers shared by the RBMs and their trainer.</summary>
internal static class Sampling
{
    [ThreadStatic] private static float[]? _u;

    /// <summary>p ← 1 where u &lt; p, else 0, with u drawn from <paramref name="sampler"/> (binomial sampling in place).</summary>
    public static void Bernoulli(Span<float> p, ISampler sampler)
    {
        if (_u is null || _u.Length < p.Length) _u = new float[p.Length];
        var u = _u.AsSpan(0, p.Length);
        sampler.Uniform(u);
        for (int i = 0; i < p.Length; i++) p[i] = u[i] < p[i] ? 1f : 0f;
    }
}
