namespace InitLab.Tensors;

/// <summary>
/// The ambient execution settings of the calling thread: how many threads the engine's kernels
/// (GEMM, the optimizers' updates, the RBMs' products, LSUV) may split their work across.
/// A thread count is how a run executes, not what a model is, so it is not stored on layers,
/// optimizers or options records: a caller opens one scope around its work instead.
/// </summary>
/// <example><code>
/// using var _ = Compute.UseThreads(2);
/// trainer.RunEpoch(train, 1);
/// </code></example>
public static class Compute
{
    // 0 = no scope open on this thread. A [ThreadStatic] int, so the kernels' read on the hot
    // path costs no allocation and no lock.
    [ThreadStatic] private static int t_threads;

    /// <summary>Threads the kernels use on this thread: the innermost open scope's count, else all cores.</summary>
    public static int Threads => t_threads > 0 ? t_threads : Environment.ProcessorCount;

    /// <summary>
    /// Until the returned scope is disposed, kernels called on this thread use
    /// <paramref name="threads"/> threads (0 = all cores). Scopes nest; disposing one restores the
    /// count that was in force when it was opened. Other threads are unaffected. Results do not
    /// depend on the count (work is split by whole output ranges), only speed does.
    /// </summary>
    /// <param name="threads">Thread count, at least 0; 0 means all cores.</param>
    /// <param name="ownPool">
    /// Also give this thread a worker pool of its own for the scope (<see cref="WorkerPool.UseOwnPool"/>):
    /// for callers that run several trainings at once, whose GEMMs would otherwise take turns on the shared pool.
    /// </param>
    public static IDisposable UseThreads(int threads, bool ownPool = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        var scope = new Scope(t_threads, ownPool ? WorkerPool.UseOwnPool() : null);
        t_threads = threads;
        return scope;
    }

    private sealed class Scope(int previous, IDisposable? pool) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            t_threads = previous;
            pool?.Dispose();
        }
    }
}
