using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.Tensors;

/// <summary>Which inner kernel GEMM runs. <see cref="Auto"/> picks the fastest the CPU supports.</summary>
public enum GemmKernel
{
    /// <summary>Resolve to <see cref="GemmKernels.Default"/> at call time: the best the CPU runs, or INITLAB_GEMM_KERNEL's choice.</summary>
    Auto,
    /// <summary>8x32 register tile, Vector512 with FMA (x86 AVX-512F).</summary>
    Avx512,
    /// <summary>6x16 register tile, Vector256 with FMA (x86 AVX2+FMA).</summary>
    Avx2Fma,
    /// <summary>4x8 register tile, Vector128 (SSE, NEON); FMA where the CPU has it.</summary>
    Vector128,
    /// <summary>4x8 register tile in plain scalar code, for CPUs without SIMD acceleration.</summary>
    Scalar,
    /// <summary>The triple loop with double accumulation: the test oracle, never picked by Auto.</summary>
    Naive,
}

/// <summary>
/// Whose all-zero steps a GEMM skips (see <see cref="MicroKernels.IZeroSkip"/>): none, A's (a
/// step p whose values of A for a tile's rows are all zero) or B's (whose values for a strip's 32
/// columns are). Chosen by <see cref="Gemm.ZerosOf"/> from the operands' <see cref="Tensor.Zeros"/>;
/// the same bits as the full product for finite operands.
/// </summary>
internal enum GemmZeros
{
    /// <summary>Every step computed.</summary>
    None,
    /// <summary>Steps whose values of A are all zero skipped.</summary>
    A,
    /// <summary>Steps whose values of B are all zero left out when B is packed.</summary>
    B,
}

/// <summary>Where a tensor's zeros are expected (<see cref="Tensor.Zeros"/>), as the GEMM can use them.</summary>
[Flags]
internal enum ZeroHint
{
    /// <summary>No hint: every step computed.</summary>
    None = 0,
    /// <summary>A column is often zero in 8 rows running: images' background pixels over a batch, a ReLU unit off for several samples (skipped as A).</summary>
    Columns = 1,
    /// <summary>A row is often zero in several columns running: an image's blank lines, a sample for which neighbouring ReLU units are off (skipped as A transposed, 8 columns; left out as B, not transposed, 32).</summary>
    RowStrips = 2,
}

/// <summary>Choosing and describing the GEMM kernel: what the CPU supports and which one <see cref="GemmKernel.Auto"/> means.</summary>
public static class GemmKernels
{
    /// <summary>
    /// The kernel Auto resolves to. The environment variable INITLAB_GEMM_KERNEL
    /// (avx2fma, vector128, scalar, naive) overrides the choice, for comparisons and debugging.
    /// </summary>
    public static GemmKernel Default { get; } = Resolve(Environment.GetEnvironmentVariable("INITLAB_GEMM_KERNEL"));

    /// <summary>The fastest kernel this CPU supports (AVX-512, then AVX2+FMA, then Vector128, then scalar), ignoring the environment variable.</summary>
    public static GemmKernel Best =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? GemmKernel.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? GemmKernel.Avx2Fma
        : Vector128.IsHardwareAccelerated ? GemmKernel.Vector128
        : GemmKernel.Scalar;

    /// <summary>True when this CPU can run <paramref name="kernel"/>.</summary>
    public static bool IsSupported(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Avx512 => Avx512F.IsSupported,
        GemmKernel.Avx2Fma => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    private static GemmKernel Resolve(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return Best;
        if (Enum.TryParse<GemmKernel>(name, ignoreCase: true, out var k) && k != GemmKernel.Auto && IsSupported(k))
            return k;
        return Best;
    }

    /// <summary>A one-line description of the active backend, for reports.</summary>
    public static string Describe() =>
        $"managed GEMM, kernel {Default}, Vector512 {(Vector512.IsHardwareAccelerated ? "yes" : "no")}, Vector256 {(Vector256.IsHardwareAccelerated ? "yes" : "no")}, " +
        $"FMA {(Fma.IsSupported ? "yes" : "no")}, {Environment.ProcessorCount} logical cores";
}
