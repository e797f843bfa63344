namespace InitLab.Tensors;

/// <summary>A unit of parallel work: part <c>index</c> of <c>count</c>.</summary>
public interface IParallelJob
{
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
    /// <summary>The process-wide pool the engine's kernels use.</summary>
    public static WorkerPool Shared { get; } = new();

    private readonly object _runLock = new();
    private readonly List<Worker> _workers = new();
    private IParallelJob? _job;
    private int _count;
    private int _pending;
    private Exception? _failure;

    private sealed class Worker
    {
        public readonly ManualResetEventSlim Go = new(false, spinCount: 2000);
        public int Index;
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
            EnsureWorkers(count - 1);
            _job = job;
            _count = count;
            _failure = null;
            Volatile.Write(ref _pending, count - 1);
            for (int t = 0; t < count - 1; t++) _workers[t].Go.Set();
            try
            {
                job.Execute(0, count);
            }
            finally
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
                _job = null;
            }
            if (_failure is { } f) throw new AggregateException("A worker thread failed.", f);
        }
    }

    private void EnsureWorkers(int n)
    {
        while (_workers.Count < n)
        {
            var w = new Worker { Index = _workers.Count + 1 };
            _workers.Add(w);
            var thread = new Thread(() => Loop(w)) { IsBackground = true, Name = $"initlab-worker-{w.Index}" };
            thread.Start();
        }
    }

    private void Loop(Worker w)
    {
        while (true)
        {
            w.Go.Wait();
            w.Go.Reset();
            try
            {
                _job!.Execute(w.Index, _count);
            }
            catch (Exception e)
            {
                _failure = e;
            }
            Interlocked.Decrement(ref _pending);
        }
    }
}
