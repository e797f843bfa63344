using System.Diagnostics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.Tensors;

/// <summary>
/// A wait for another thread that is about to finish (the parts of one job): at first one PAUSE a
/// turn, so the wait ends within about a cache line's trip between the cores of the moment the
/// other thread is done; after <see cref="TightMicroseconds"/> it falls back to
/// <see cref="SpinWait.SpinOnce(int)"/>, which yields the processor (to a worker that is not
/// running, when more threads than cores are busy). <see cref="SpinWait"/> alone yields after ten
/// turns of about 0.3 µs: on these machines a yield is a system call of 1.5-3.5 µs, so a wait of
/// a few microseconds ended 5-9 µs late on average (the profile build's per-job "in Run" against
/// "last part's end"), on each of the nine parallel calls of a training step. With more threads
/// waiting for each other than the machine has processors there is no tight part: the thread
/// waited for may need this one's processor to finish.
/// </summary>
internal struct ShortSpin
{
    /// <summary>How long the wait spins without yielding.</summary>
    internal const long TightMicroseconds = 100;
    private static readonly long TightTicks = Stopwatch.Frequency * TightMicroseconds / 1_000_000;

    private readonly long _tightTicks; // 0: TightTicks (so default(ShortSpin) has the usual tight part)
    private long _start;
    private int _turns;
    private SpinWait _fallback;

    /// <summary>A wait between two threads (the waiting one and one other).</summary>
    public ShortSpin() : this(2) { }

    /// <summary>A wait among <paramref name="threads"/> threads (the waiting one included).</summary>
    public ShortSpin(int threads) : this(threads, 0) { }

    /// <summary>A wait whose tight part lasts <paramref name="tightTicks"/> Stopwatch ticks, 0 for the usual <see cref="TightMicroseconds"/>, negative for none past the first clock check (for tests).</summary>
    internal ShortSpin(int threads, long tightTicks)
    {
        _tightTicks = tightTicks;
        if (!MaySpin(threads)) _turns = -1;
    }

    /// <summary>
    /// Whether a thread waiting among <paramref name="threads"/> threads (itself included) may
    /// spin without yielding: only when they are no more than the machine's processors.
    /// </summary>
    internal static bool MaySpin(int threads) => threads <= Environment.ProcessorCount;

    /// <summary>Whether the wait has passed its tight part and now yields (for tests).</summary>
    internal readonly bool Yielding => _turns < 0;

    /// <summary>One turn of the wait: call it in the loop that checks what is waited for.</summary>
    public void SpinOnce()
    {
        if (_turns >= 0)
        {
            // The clock is read every 64 turns: a read costs about as much as a PAUSE.
            if ((_turns & 63) == 0)
            {
                long now = Stopwatch.GetTimestamp();
                if (_turns == 0) _start = now;
                else if (now - _start > (_tightTicks == 0 ? TightTicks : _tightTicks)) _turns = -1;
            }
            if (_turns >= 0)
            {
                _turns++;
                if (X86Base.IsSupported) X86Base.Pause();
                else Thread.SpinWait(1);
                return;
            }
        }
        _fallback.SpinOnce(sleep1Threshold: -1);
    }
}
