using System.Diagnostics;
using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>The pool's wait spins without yielding only for its tight part, then yields the processor.</summary>
public class ShortSpinTests
{
    [Fact]
    public void SpinsTightFirstThenYields()
    {
        var spin = new ShortSpin();
        spin.SpinOnce();
        Assert.False(spin.Yielding);
        // Past the tight part by the clock: the next clock read (every 64 turns) switches to yielding.
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalMicroseconds < 3 * ShortSpin.TightMicroseconds) spin.SpinOnce();
        for (int i = 0; i < 64; i++) spin.SpinOnce();
        Assert.True(spin.Yielding);
    }
}
