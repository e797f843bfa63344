using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>The pool's wait spins without yielding only for its tight part, then yields the processor.</summary>
public class ShortSpinTests
{
    [Fact]
    public void SpinsTightForItsWholeTightPart()
    {
        // A tight part longer than the test: thousands of turns (each a clock check every 64) and
        // still not yielding.
        var spin = new ShortSpin(1, long.MaxValue);
        for (int i = 0; i < 10_000; i++) spin.SpinOnce();
        Assert.False(spin.Yielding);
    }

    [Fact]
    public void YieldsAtTheFirstClockCheckPastItsTightPart()
    {
        // A tight part of no time: the clock is started at the first turn and checked at the 65th.
        var spin = new ShortSpin(1, 0);
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
