namespace InitLab.Init;

/// <summary>
/// The settings of LSUV (<see cref="Lsuv"/>), typed: what <c>lsuv:tol=…,iters=…,batch=…</c>
/// means. The defaults are the registry's (those <c>initlab inits</c> lists).
/// </summary>
public sealed record LsuvOptions
{
    /// <summary>A layer is done when its output variance is within this of 1 (above 0).</summary>
    public double Tolerance { get; init; } = InitRegistry.Default<double>("lsuv", "tol");

    /// <summary>At most this many rescalings per layer (at least 1).</summary>
    public int MaxIterations { get; init; } = InitRegistry.Default<int>("lsuv", "iters");

    /// <summary>Rows of training data (the first ones) the variances are measured on (at least 1).</summary>
    public int BatchSize { get; init; } = InitRegistry.Default<int>("lsuv", "batch");

    /// <summary>The options an <c>lsuv</c> spec stands for.</summary>
    public static LsuvOptions Of(InitSpec spec) => spec.IsLsuv
        ? new() { Tolerance = spec.Real("tol"), MaxIterations = spec.Integer("iters"), BatchSize = spec.Integer("batch") }
        : throw new ArgumentException($"'{spec}' is not lsuv.");

    /// <summary>
    /// The <c>lsuv</c> spec these options stand for, listing the values that differ from the
    /// defaults; throws <see cref="ArgumentException"/> for a value the registry refuses.
    /// </summary>
    public InitSpec ToSpec()
    {
        var d = new LsuvOptions();
        var args = new List<(string, object)>();
        if (Tolerance != d.Tolerance) args.Add(("tol", Tolerance));
        if (MaxIterations != d.MaxIterations) args.Add(("iters", MaxIterations));
        if (BatchSize != d.BatchSize) args.Add(("batch", BatchSize));
        return InitSpec.Create("lsuv", [.. args]);
    }
}
