using System.Diagnostics;

namespace InitLab.Tensors;

/// <summary>
/// Where a training epoch's time goes: Stopwatch counters around the parts of a step (see
/// docs/results.md, "Where an epoch's time goes"). The calls are compiled only with
/// <c>-p:InitLabProfile=true</c> (the symbol INITLAB_PROFILE); otherwise the compiler removes
/// every call, arguments included, so a normal build pays nothing. The totals are printed to
/// stderr when the process exits. Counters are for the calling thread of the training loop.
/// </summary>
internal static class Profile
{
    internal const int Gather = 0, Forward = 1, Loss = 2, BackwardDw = 3, BiasSum = 4, BackwardDwDx = 5,
        Optimizer = 6, Evaluate = 7, PoolWait = 8, Epoch = 9,
        RbmGather = 10, RbmPositive = 11, RbmSample = 12, RbmNegative = 13, RbmUpdateGemm = 14, RbmUpdateRest = 15,
        RbmMonitor = 16, RbmEpoch = 17, EvalGather = 18, EvalForward = 19, RbmHalves = 20, Count = 21;
    private static readonly string[] Names = ["gather", "forward (GEMMs + epilogues)", "loss + softmax", "backward dW GEMMs (layers without dx; by halves of the units on 2 threads)",
        "bias sums", "backward dW + dx GEMMs (one parallel call, or by halves of the units)", "optimizer", "per-epoch evaluation", "  of which pool wait (caller)", "epoch total (train)",
        "rbm gather", "rbm h+ = sigmoid(vW+c) (GEMM+sigmoid)", "rbm Bernoulli samples", "rbm v-, h- (GEMMs+sigmoid)",
        "rbm dW GEMM (both products; decay, W += dW fused)", "rbm bias updates", "rbm monitor", "rbm epoch total", "  evaluation: gather", "  evaluation: forward",
        "rbm step by hidden halves (GEMMs, samples, updates)"];
    private static readonly long[] s_ticks = new long[Count];
    private static readonly long[] s_calls = new long[Count];

#if INITLAB_PROFILE
    static Profile() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Report();
#endif

    [Conditional("INITLAB_PROFILE")]
    internal static void Add(int section, long startTimestamp)
    {
        s_ticks[section] += Now() - startTimestamp;
        s_calls[section]++;
    }

#if INITLAB_PROFILE
    // INITLAB_PROFILE_CLOCK=thread: the counters read the calling thread's CPU time instead of
    // the wall clock. With --threads 1 all of a step runs on that thread, so the figures hold
    // on a machine busy with other work (wall-clock ones then measure the other work too).
    private static readonly bool s_threadClock = Environment.GetEnvironmentVariable("INITLAB_PROFILE_CLOCK") == "thread";
    private const long NanosecondsPerSecond = 1_000_000_000;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static long ThreadCpuTicks()
    {
        ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var t);
        return (t.Seconds * NanosecondsPerSecond + t.Nanoseconds) * Stopwatch.Frequency / NanosecondsPerSecond;
    }
#endif

    /// <summary>A timestamp for <see cref="Add"/>; 0 (and no clock read) in a normal build.</summary>
    internal static long Now()
    {
#if INITLAB_PROFILE
        return s_threadClock ? ThreadCpuTicks() : Stopwatch.GetTimestamp();
#else
        return 0;
#endif
    }

#if INITLAB_PROFILE
    /// <summary>Per parallel job (by its description): calls, and wall-clock ticks in total, the caller's part, the workers' start and their part, and the last part's end.</summary>
    private static readonly Dictionary<string, (long Calls, long Run, long Caller, long Delay, long Part, long End)> s_jobs = new();
#endif

    /// <summary>
    /// One <see cref="WorkerPool.Run"/> of <paramref name="job"/>, in ticks from publishing it:
    /// to the caller's return (<paramref name="run"/>), the calling thread's own part, the latest
    /// worker's start (<paramref name="workerDelay"/>), the longest worker part, and the end of
    /// the last part to end (<paramref name="lastEnd"/>). The caller waits lastEnd - caller for the
    /// workers and sees the end run - lastEnd after it. GEMM jobs describe their shape without
    /// allocating after the first call of each shape.
    /// </summary>
    [Conditional("INITLAB_PROFILE")]
    internal static void AddJob(IParallelJob job, long run, long caller, long workerDelay, long workerPart, long lastEnd)
    {
#if INITLAB_PROFILE
        string name = job.ToString() is { } s && s != job.GetType().FullName ? s : job.GetType().Name;
        lock (s_jobs)
        {
            s_jobs.TryGetValue(name, out var e);
            s_jobs[name] = (e.Calls + 1, e.Run + run, e.Caller + caller, e.Delay + workerDelay, e.Part + workerPart, e.End + lastEnd);
        }
#endif
    }

    [Conditional("INITLAB_PROFILE")]
    internal static void Reset()
    {
        Array.Clear(s_ticks);
        Array.Clear(s_calls);
#if INITLAB_PROFILE
        lock (s_jobs) s_jobs.Clear();
#endif
    }

    [Conditional("INITLAB_PROFILE")]
    internal static void Report()
    {
        for (int i = 0; i < Count; i++)
            if (s_calls[i] > 0)
                Console.Error.WriteLine($"profile\t{Names[i]}\t{s_ticks[i] * 1000.0 / Stopwatch.Frequency:F1} ms\t{s_calls[i]} calls");
#if INITLAB_PROFILE
        lock (s_jobs)
        {
            if (s_jobs.Count > 0)
                Console.Error.WriteLine("profile job\tdescription\tcalls\ttotal ms\tper call, us: in Run\tcaller's part\tworker start\tworker's part\tlast part's end");
            double us = 1e6 / Stopwatch.Frequency;
            foreach (var (name, e) in s_jobs.OrderByDescending(j => j.Value.Run))
                Console.Error.WriteLine($"profile job\t{name}\t{e.Calls}\t{e.Run * us / 1000:F1}\t{e.Run * us / e.Calls:F1}\t{e.Caller * us / e.Calls:F1}\t{e.Delay * us / e.Calls:F1}\t{e.Part * us / e.Calls:F1}\t{e.End * us / e.Calls:F1}");
        }
#endif
    }
}
