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
}
