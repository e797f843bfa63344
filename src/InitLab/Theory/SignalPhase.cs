namespace InitLab.Theory;

/// <summary>Which side of the order-to-chaos transition a (σw², σb²) lies on, by χ₁ at the fixed point q*.</summary>
public enum SignalPhase
{
    /// <summary>χ₁ &lt; 1: nearby inputs converge (c* = 1 is stable) and gradients shrink going backwards.</summary>
    Ordered,

    /// <summary>χ₁ = 1 within <see cref="MeanField.CriticalTolerance"/>: signals and gradients propagate furthest.</summary>
    Critical,

    /// <summary>χ₁ &gt; 1: nearby inputs decorrelate to a c* &lt; 1 and gradients grow going backwards.</summary>
    Chaotic,
}
