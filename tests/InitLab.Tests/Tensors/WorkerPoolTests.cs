using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>The worker pool runs every part of every job exactly once, and Run returns only when all are done.</summary>
[Collection(Training.SerialCollection.Name)]
public class WorkerPoolTests
{
    private sealed class CountingJob(int count) : IParallelJob
    {
        public readonly int[] Hits = new int[count];
        public volatile bool Returned;
        public int LateParts;

        public void Execute(int index, int count)
        {
            if (Returned) Interlocked.Increment(ref LateParts);
            Interlocked.Increment(ref Hits[index]);
            Thread.SpinWait(index * 50);  // parts of different lengths
        }
    }

    [Fact]
    public void JobsOfChangingWidthRunEachPartOnce()
    {
        // Alternating narrow and wide jobs on more workers than cores: a worker that was idle for
        // a narrow job must not run a part of the next wide job twice, or after Run returned.
        var pool = new WorkerPool();
        var jobs = new List<CountingJob>();
        for (int i = 0; i < 3000; i++)
        {
            int count = i % 3 == 0 ? 8 : i % 3 == 1 ? 2 : 5;
            var job = new CountingJob(count);
            pool.Run(job, count);
            job.Returned = true;
            Assert.All(job.Hits, h => Assert.Equal(1, h));
            jobs.Add(job);
        }
        Thread.Sleep(50);
        Assert.All(jobs, j => Assert.Equal(0, j.LateParts));
        Assert.All(jobs, j => Assert.All(j.Hits, h => Assert.Equal(1, h)));
    }

    [Fact]
    public void AThreadCanHaveItsOwnPoolUntilTheScopeEnds()
    {
        Assert.Same(WorkerPool.Shared, WorkerPool.Current);
        WorkerPool own;
        using (WorkerPool.UseOwnPool())
        {
            own = WorkerPool.Current;
            Assert.NotSame(WorkerPool.Shared, own);
            var job = new CountingJob(4);
            own.Run(job, 4);
            Assert.All(job.Hits, h => Assert.Equal(1, h));
            WorkerPool? elsewhere = null;
            var t = new Thread(() => elsewhere = WorkerPool.Current);
            t.Start();
            t.Join();
            Assert.Same(WorkerPool.Shared, elsewhere);   // other threads keep the shared pool
        }
        Assert.Same(WorkerPool.Shared, WorkerPool.Current);
        Assert.Throws<ObjectDisposedException>(() => own.Run(new CountingJob(2), 2));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(7, 3)]
    [InlineData(100, 2)]
    [InlineData(3, 5)]
    [InlineData(int.MaxValue, 7)]
    [InlineData(25, 2)]
    public void PartsCoverEveryItemOnceInOrderAndDifferByAtMostOneTheFirstLargest(int total, int count)
    {
        int next = 0, smallest = int.MaxValue, largest = 0, previous = int.MaxValue;
        for (int i = 0; i < count; i++)
        {
            var (lo, hi) = WorkerPool.PartOf(total, i, count);
            Assert.Equal(next, lo);
            Assert.True(hi >= lo);
            Assert.True(hi - lo <= previous, $"part {i} has {hi - lo} items, more than part {i - 1}'s {previous}");
            (smallest, largest, next, previous) = (Math.Min(smallest, hi - lo), Math.Max(largest, hi - lo), hi, hi - lo);
        }
        Assert.Equal(total, next);
        Assert.True(largest - smallest <= 1, $"{smallest}..{largest}");
    }

    [Fact]
    public void WorkersBlockWithoutSpinningAfterAJobOfMorePartsThanProcessors()
    {
        // A worker that spins for its next job takes a processor; with more parts than
        // processors, the one it takes may be the one a part still running needs. After such a
        // job the workers wait without spinning; after a job that fits, they spin again.
        using var scope = WorkerPool.UseOwnPool();
        var pool = WorkerPool.Current;
        int over = Environment.ProcessorCount + 1;
        long[] Budgets(int parts)
        {
            pool.ForgetSpinBudgets();
            pool.Run(new CountingJob(parts), parts);
            // Each worker of the job records its budget as it starts waiting again, after its part.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long[] b;
            while ((b = pool.WorkerSpinBudgets()).Take(parts - 1).Any(x => x == -1) && clock.ElapsedMilliseconds < 5000) Thread.Yield();
            return b.Take(parts - 1).ToArray();
        }
        // A worker records its budget only as it starts waiting. First the workers are created and
        // every one has started waiting after a job too big to spin for, so none writes late.
        pool.Run(new CountingJob(over), over);
        var settle = System.Diagnostics.Stopwatch.StartNew();
        while (pool.WorkerSpinBudgets().Any(x => x != 0) && settle.ElapsedMilliseconds < 5000) Thread.Yield();
        var first = Budgets(over);
        Assert.Equal(over - 1, first.Length);
        Assert.All(first, b => Assert.Equal(0, b));
        var fits = Budgets(2);
        // (With one processor a two-part job is too big to spin for as well.)
        if (Environment.ProcessorCount >= 2) Assert.True(fits[0] > 0, $"the worker of a two-part job spins {fits[0]} ticks before it blocks");
        else Assert.Equal(0, fits[0]);
        Assert.All(Budgets(over), b => Assert.Equal(0, b));
    }
}
