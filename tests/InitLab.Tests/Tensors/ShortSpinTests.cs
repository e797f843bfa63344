using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>The pool's wait spins without yielding only for its tight part, then yields the processor.</summary>
public class ShortSpinTests
{
    [Fact]
    public void SpinsTightForItsWholeTightPart()
    {
        // A tight part longer than the test: turns for three times the usual tight part by the
        // clock (a clock check every 64) and still not yielding.
        var spin = new ShortSpin(1, long.MaxValue);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed.TotalMicroseconds < 3 * ShortSpin.TightMicroseconds) spin.SpinOnce();
        for (int i = 0; i < 64; i++) spin.SpinOnce();
        Assert.False(spin.Yielding);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheUsualTightPartEndsAfterItsTime(bool byDefault)
    {
        // The public constructors and default(ShortSpin) have the usual tight part: not over at
        // once, over three times its length later (at the next clock check).
        var spin = byDefault ? default : new ShortSpin(1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 65; i++) spin.SpinOnce();
        // (Unless this thread was descheduled for the whole tight part meanwhile.)
        if (clock.Elapsed.TotalMicroseconds < ShortSpin.TightMicroseconds) Assert.False(spin.Yielding);
        clock.Restart();
        while (clock.Elapsed.TotalMicroseconds < 3 * ShortSpin.TightMicroseconds) spin.SpinOnce();
        for (int i = 0; i < 64; i++) spin.SpinOnce();
        Assert.True(spin.Yielding);
    }

    [Fact]
    public void YieldsAtTheFirstClockCheckPastItsTightPart()
    {
        // A tight part of no time: the clock is started at the first turn and checked at the 65th.
        var spin = new ShortSpin(1, -1);
        for (int i = 0; i < 64; i++) spin.SpinOnce();
        Assert.False(spin.Yielding);
        spin.SpinOnce();
        Assert.True(spin.Yielding);
    }

    [Fact]
    public void YieldsFromTheStartWhenMoreThreadsWaitThanTheMachineHasProcessors()
    {
        Assert.True(new ShortSpin(Environment.ProcessorCount + 1).Yielding);
        Assert.False(new ShortSpin(Environment.ProcessorCount).Yielding);
    }
}
