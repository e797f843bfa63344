namespace InitLab.Tensors;

/// <summary>A unit of parallel work: part <c>index</c> of <c>count</c>.</summary>
public interface IParallelJob
{
    /// <summary>Runs part <paramref name="index"/> (0 ≤ index &lt; count) of <paramref name="count"/>; called once per part, concurrently on different threads.</summary>
    void Execute(int index, int count);
}

/// <summary>
/// Persistent worker threads that run the parts of a job without allocating. Parallel.For
/// allocates delegates and closures on every call; the training loop calls GEMM several times
/// per batch and must allocate nothing, so the engine keeps its own threads. The calling thread
/// runs part 0; worker t runs part t. Calls from different threads are serialized.
/// </summary>
public sealed class WorkerPool
{
    /// <summary>The process-wide pool.</summary>
    public static WorkerPool Shared { get; } = new();

    [ThreadStatic] private static WorkerPool? t_current;

    /// <summary>The pool the engine's kernels use on this thread: one given by <see cref="UseOwnPool"/>, else <see cref="Shared"/>.</summary>
    public static WorkerPool Current => t_current ?? Shared;

    /// <summary>
    /// Gives the calling thread a pool of its own until the returned scope is disposed, when its
    /// workers end. For callers that run several trainings at once (compare --parallel): on the
    /// shared pool their multithreaded GEMMs would take turns on its lock and its workers.
    /// </summary>
    public static IDisposable UseOwnPool()
    {
        var scope = new Scope(new WorkerPool(), t_current);
        t_current = scope.Pool;
        return scope;
    }

    private sealed class Scope(WorkerPool pool, WorkerPool? previous) : IDisposable
    {
        public WorkerPool Pool => pool;

        public void Dispose()
        {
            t_current = previous;
            pool.Stop();
        }
    }

    private volatile bool _stopped;

    /// <summary>Each worker's spin before it blocks in its current (or last) wait for a job, in Stopwatch ticks; -1 before its first wait (for tests).</summary>
    internal long[] WorkerSpinBudgets()
    {
        lock (_runLock) return _workers.Select(w => Volatile.Read(ref w.SpinBudget)).ToArray();
    }

    /// <summary>Sets every worker's recorded spin budget back to -1 (for tests: a worker that starts waiting again sets its own).</summary>
    internal void ForgetSpinBudgets()
    {
        lock (_runLock) foreach (var w in _workers) Volatile.Write(ref w.SpinBudget, -1);
    }

    private readonly object _runLock = new();
    private readonly List<Worker> _workers = new();
    private IParallelJob? _job;
    private int _pending;
    // The job's generation (high 32 bits) and part count (low 32 bits), published in one write:
    // a worker must never pair one job's generation with another job's count, or it could run a
    // part twice (see Loop).
    private long _ticket;
    private Exception? _failure;

    private static uint GenerationOf(long ticket) => (uint)(ticket >> 32);

    /// <summary>How long an idle worker spins for the next job before it blocks. GEMMs in a
    /// training step come tens of microseconds apart; waking a blocked thread costs about as much
    /// as a small GEMM, so workers stay awake briefly between them.</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 2000; // 0.5 ms

    private sealed class Worker
    {
        public readonly ManualResetEventSlim Go = new(false, spinCount: 1);
        public int Index;
        // How long the worker's current (or last) wait for a job spins before it blocks, in Stopwatch ticks (for tests).
        public long SpinBudget = -1;
#if INITLAB_PROFILE
        // When the worker started and ended its part of the last job (the profile build's per-job figures).
        public long Started, Ended;
#endif
    }

    /// <summary>
    /// Part <paramref name="index"/> of <paramref name="count"/> of <paramref name="total"/> items
    /// split as evenly as whole items allow: [Lo, Hi). The parts of one split cover the items once,
    /// in order. When they cannot be equal, the first total % count parts take one item more:
    /// part 0 is the calling thread's, which starts first (a worker starts 1-3 µs later). When the
    /// last parts took the extra items instead, a worker given the 13th of 25 strips of the seed
    /// network's first weight gradient finished its part 6-12 µs after the caller on average (the
    /// profile build's per-job figures; a GEMM on two threads now splits that strip by rows).
    /// </summary>
    public static (int Lo, int Hi) PartOf(int total, int index, int count)
    {
        int q = total / count, r = total % count;
        return (index * q + Math.Min(index, r), (index + 1) * q + Math.Min(index + 1, r));
    }

    /// <summary>Runs job.Execute(i, count) for i in [0, count) on count threads and waits for all.</summary>
    public void Run(IParallelJob job, int count)
    {
        if (count <= 1)
        {
            job.Execute(0, 1);
            return;
        }
        lock (_runLock)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            EnsureWorkers(count - 1);
            _job = job;
            _failure = null;
            Volatile.Write(ref _pending, count - 1);
            uint generation = unchecked(GenerationOf(_ticket) + 1);
#if INITLAB_PROFILE
            // Before the ticket: a spinning worker may start as soon as it is written.
            long published = System.Diagnostics.Stopwatch.GetTimestamp(), callerPart = 0;
#endif
            Volatile.Write(ref _ticket, (long)generation << 32 | (uint)count);
            for (int t = 0; t < count - 1; t++) _workers[t].Go.Set();
            try
            {
                job.Execute(0, count);
#if INITLAB_PROFILE
                callerPart = System.Diagnostics.Stopwatch.GetTimestamp() - published;
#endif
            }
            finally
            {
                long t = Profile.Now();
                var spin = new ShortSpin(count);
                while (Volatile.Read(ref _pending) != 0) spin.SpinOnce();
                _job = null;
                Profile.Add(Profile.PoolWait, t);
#if INITLAB_PROFILE
                long run = System.Diagnostics.Stopwatch.GetTimestamp() - published, delay = 0, part = 0, lastEnd = callerPart;
                for (int w = 0; w < count - 1; w++)
                {
                    var worker = _workers[w];
                    (delay, part) = (Math.Max(delay, worker.Started - published), Math.Max(part, worker.Ended - worker.Started));
                    lastEnd = Math.Max(lastEnd, worker.Ended - published);
                }
                Profile.AddJob(job, run, callerPart, delay, part, lastEnd);
#endif
            }
            if (_failure is { } f) throw new AggregateException("A worker thread failed.", f);
        }
    }

    /// <summary>Ends the worker threads (after any job in progress); the pool must not be used afterwards.</summary>
    private void Stop()
    {
        lock (_runLock)
        {
            _stopped = true;
            Volatile.Write(ref _ticket, (long)unchecked(GenerationOf(_ticket) + 1) << 32);
            foreach (var w in _workers) w.Go.Set();
        }
    }

    private void EnsureWorkers(int n)
    {
        while (_workers.Count < n)
        {
            var w = new Worker { Index = _workers.Count + 1 };
            _workers.Add(w);
            uint generation = GenerationOf(Volatile.Read(ref _ticket)); // read before this job's ticket
            var thread = new Thread(() => Loop(w, generation)) { IsBackground = true, Name = $"initlab-worker-{w.Index}" };
            thread.Start();
        }
    }

    private void Loop(Worker w, uint seen)
    {
        int count = 0;
        while (true)
        {
            // The count comes from the same ticket as the generation. A worker this job does not
            // need goes back to waiting; one it needs holds the job open (Run waits for its
            // decrement), so _job cannot change under it. After a job of more parts than the
            // machine has processors, a worker blocks at once instead of spinning: its spin would
            // take a processor from a thread that still has a part to finish (three threads on
            // two cores made a training epoch five times slower).
            long ticket = WaitForNextJob(w, seen, spin: ShortSpin.MaySpin(count));
            if (_stopped) return;
            seen = GenerationOf(ticket);
            count = (int)ticket;
            if (w.Index >= count) continue;
            try
            {
#if INITLAB_PROFILE
                w.Started = System.Diagnostics.Stopwatch.GetTimestamp();
#endif
                _job!.Execute(w.Index, count);
            }
            catch (Exception e)
            {
                _failure = e;
            }
#if INITLAB_PROFILE
            w.Ended = System.Diagnostics.Stopwatch.GetTimestamp();
#endif
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>Spins briefly (when <paramref name="spin"/>), then blocks, until a ticket of a generation past <paramref name="seen"/> is published; returns it.</summary>
    private long WaitForNextJob(Worker w, uint seen, bool spin)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp(), now = start, budget = spin ? SpinTicks : 0;
        if (w.SpinBudget != budget) Volatile.Write(ref w.SpinBudget, budget); // a write only when it changes: the caller reads this object every job
        long ticket;
        int turns = 0;
        while (GenerationOf(ticket = Volatile.Read(ref _ticket)) == seen)
        {
            // One PAUSE a turn and the clock every 64 turns: Thread.SpinWait(20) took about 1 µs
            // here, so a worker saw a new job up to a microsecond late.
            if ((++turns & 63) == 0) now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (now - start < budget)
            {
                if (System.Runtime.Intrinsics.X86.X86Base.IsSupported) System.Runtime.Intrinsics.X86.X86Base.Pause();
                else Thread.SpinWait(1);
                continue;
            }
            // Reset, re-check, then wait: a Set after the re-check still wakes us.
            w.Go.Reset();
            if (GenerationOf(Volatile.Read(ref _ticket)) == seen) w.Go.Wait();
        }
        return ticket;
    }
}
