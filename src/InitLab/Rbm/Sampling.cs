using InitLab.Random;

namespace InitLab.Rbm;

/// <summary>Where Gibbs sampling gets its randomness: uniforms in [0, 1) and standard normals.</summary>
public interface ISampler
{
    /// <summary>Fills <paramref name="destination"/> with independent draws from U[0, 1).</summary>
    void Uniform(Span<float> destination);

    /// <summary>Fills <paramref name="destination"/> with independent draws from N(0, 1).</summary>
    void Gaussian(Span<float> destination);

    /// <summary>
    /// Binomial sampling in place: p[i] ← 1 where a uniform u[i] &lt; p[i], else 0. The default
    /// draws the uniforms with <see cref="Uniform"/> (so a sampler that replays given uniforms
    /// replays the samples too); a sampler may fuse drawing and comparing.
    /// </summary>
    void Bernoulli(Span<float> p) => Sampling.BernoulliFromUniforms(p, this);
}

/// <summary>
/// The engine's sampler, seeded once per run: uniforms and Bernoulli samples from eight
/// xoshiro256** generators in one vector (InitLab.Random.VectorRandom, seeded from the seed
/// with its top bit flipped), Gaussians and the caller's other numbers (the shuffles) from
/// <see cref="Random"/>.
/// </summary>
public sealed class FastSampler(ulong seed) : ISampler
{
    private readonly VectorRandom _vector = new(seed ^ (1UL << 63));
    private FastSampler? _sibling;

    /// <summary>
    /// A second sampler that follows from this one's seed (made on first use), for work split in
    /// two fixed halves: each half draws from its own stream, whichever thread computes it.
    /// </summary>
    internal FastSampler Sibling => _sibling ??= new FastSampler(Mix(seed ^ 0x5851F42D4C957F2DUL));

    /// <summary>SplitMix64's finalizer: a sibling seed that shares no generator state with this one's.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The scalar generator for Gaussians, exposed so a caller can take other numbers (e.g. shuffles) from it.</summary>
    public FastRandom Random { get; } = new(seed);

    /// <inheritdoc/>
    public void Uniform(Span<float> destination) => _vector.Fill(destination);

    /// <inheritdoc/>
    public void Bernoulli(Span<float> p) => _vector.Bernoulli(p);

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

    /// <summary><see cref="ISampler.Bernoulli"/> by way of <see cref="ISampler.Uniform"/>.</summary>
    internal static void BernoulliFromUniforms(Span<float> p, ISampler sampler)
    {
        if (_u is null || _u.Length < p.Length) _u = new float[p.Length];
        var u = _u.AsSpan(0, p.Length);
        sampler.Uniform(u);
        for (int i = 0; i < p.Length; i++) p[i] = u[i] < p[i] ? 1f : 0f;
    }
}
