using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

public class ComputeTests
{
    [Fact]
    public void ScopesNestAndRestoreTheCountInForceWhenOpened()
    {
        int outside = Compute.Threads;
        Assert.Equal(Environment.ProcessorCount, outside); // no scope: all cores
        using (Compute.UseThreads(3))
        {
            Assert.Equal(3, Compute.Threads);
            var inner = Compute.UseThreads(1);
            Assert.Equal(1, Compute.Threads);
            inner.Dispose();
            inner.Dispose(); // a second dispose must not restore anything again
            Assert.Equal(3, Compute.Threads);
            using (Compute.UseThreads(0)) Assert.Equal(Environment.ProcessorCount, Compute.Threads);
            Assert.Equal(3, Compute.Threads);
        }
        Assert.Equal(outside, Compute.Threads);
    }

    [Fact]
    public void AScopeBelongsToItsThread()
    {
        using var _ = Compute.UseThreads(1);
        int elsewhere = -1;
        var t = new Thread(() => elsewhere = Compute.Threads);
        t.Start();
        t.Join();
        Assert.Equal(Environment.ProcessorCount, elsewhere);
        Assert.Equal(1, Compute.Threads);
    }

    [Fact]
    public void OwnPoolLastsAsLongAsTheScope()
    {
        Assert.Same(WorkerPool.Shared, WorkerPool.Current);
        using (Compute.UseThreads(2, ownPool: true))
        {
            Assert.NotSame(WorkerPool.Shared, WorkerPool.Current);
            Assert.Equal(2, Compute.Threads);
        }
        Assert.Same(WorkerPool.Shared, WorkerPool.Current);
    }

    [Fact]
    public void NegativeCountsAreRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Compute.UseThreads(-1));
}
