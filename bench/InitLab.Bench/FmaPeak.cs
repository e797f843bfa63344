using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace InitLab.Bench;

/// <summary>
/// `fma-peak`: the floating-point peak of one core, by twelve independent chains of 512-bit
/// fused multiply-adds (enough to cover the FMA latency on the machines here), timed on the
/// calling thread: the ceiling a GEMM's GFLOP/s is measured against. Prints the best of five
/// runs. Two generations of AVX-512 cores differ twofold here (one 512-bit FMA a cycle on
/// 256-bit units against two), which the CPU's model name in a virtual machine may not tell.
/// </summary>
internal static class FmaPeak
{
    public static void Run()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            Console.WriteLine("fma peak: .NET does not accelerate 512-bit vectors on this CPU (not measured)");
            return;
        }
        const long turns = 20_000_000;
        double best = 0;
        Chains(1000); // compiled and warm before it is timed
        for (int run = 0; run < 5; run++)
        {
            long start = Stopwatch.GetTimestamp();
            float sink = Chains(turns);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (float.IsNaN(sink)) Console.Write(""); // keeps the result alive
            best = Math.Max(best, turns * 12.0 * 32 / seconds / 1e9);
        }
        Console.WriteLine($"fma peak: {best:F1} GFLOP/s on one core (12 chains of 512-bit FMAs, best of 5 runs)");
    }

    private static float Chains(long turns)
    {
        var b = Vector512.Create(1.0000001f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(0f), a1 = Vector512.Create(1f), a2 = Vector512.Create(2f), a3 = Vector512.Create(3f);
        Vector512<float> a4 = Vector512.Create(4f), a5 = Vector512.Create(5f), a6 = Vector512.Create(6f), a7 = Vector512.Create(7f);
        Vector512<float> a8 = Vector512.Create(8f), a9 = Vector512.Create(9f), a10 = Vector512.Create(10f), a11 = Vector512.Create(11f);
        for (long t = 0; t < turns; t++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, b, c); a1 = Vector512.FusedMultiplyAdd(a1, b, c);
            a2 = Vector512.FusedMultiplyAdd(a2, b, c); a3 = Vector512.FusedMultiplyAdd(a3, b, c);
            a4 = Vector512.FusedMultiplyAdd(a4, b, c); a5 = Vector512.FusedMultiplyAdd(a5, b, c);
            a6 = Vector512.FusedMultiplyAdd(a6, b, c); a7 = Vector512.FusedMultiplyAdd(a7, b, c);
            a8 = Vector512.FusedMultiplyAdd(a8, b, c); a9 = Vector512.FusedMultiplyAdd(a9, b, c);
            a10 = Vector512.FusedMultiplyAdd(a10, b, c); a11 = Vector512.FusedMultiplyAdd(a11, b, c);
        }
        var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return Vector512.Sum(sum);
    }
}
