namespace InitLab.Tensors;

/// <summary>
/// Where the two threads of a two-part job (<see cref="WorkerPool.Run"/> with two parts) wait for
/// each other inside the job: the second to arrive moves the generation on and both go on. A
/// part that fails calls <see cref="Fail"/>, so the other stops waiting instead of hanging (the
/// pool then reports the failure). <see cref="Reset"/> before each run: a failed run may have
/// left one thread counted.
/// </summary>
internal sealed class PairMeeting
{
    private int _arrived;
    private volatile int _generation;
    private volatile bool _failed;

    /// <summary>Clears the count and the failure, before the job's parts start.</summary>
    public void Reset() => (_failed, _arrived) = (false, 0);

    /// <summary>Marks the job failed: a thread waiting at <see cref="Meet"/> returns false.</summary>
    public void Fail() => _failed = true;

    /// <summary>Waits for the other thread; false when the other part failed (this one should then stop).</summary>
    public bool Meet()
    {
        int generation = _generation;
        if (Interlocked.Increment(ref _arrived) == 2)
        {
            _arrived = 0;
            _generation = generation + 1;
            return true;
        }
        var spin = new ShortSpin(2);
        while (_generation == generation)
        {
            if (_failed) return false;
            spin.SpinOnce();
        }
        return true;
    }
}
