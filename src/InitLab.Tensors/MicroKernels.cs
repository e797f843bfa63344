using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.Tensors;

/// <summary>
/// Register-blocked inner kernels: C[mr x nr] = alpha * Apanel * Bpanel + beta * C over one KC
/// slice of packed strips. Full tiles store straight into C; edge tiles go through a small stack
/// tile so the kernels never read or write outside C.
/// </summary>
internal static unsafe class MicroKernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx6x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, int mr, int nr)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (mr == 6 && nr == 16)
        {
            Store256(c, va, beta, c00, c01); Store256(c + ldc, va, beta, c10, c11);
            Store256(c + 2 * ldc, va, beta, c20, c21); Store256(c + 3 * ldc, va, beta, c30, c31);
            Store256(c + 4 * ldc, va, beta, c40, c41); Store256(c + 5 * ldc, va, beta, c50, c51);
            return;
        }
        float* t = stackalloc float[6 * 16];
        (c00 * va).Store(t); (c01 * va).Store(t + 8); (c10 * va).Store(t + 16); (c11 * va).Store(t + 24);
        (c20 * va).Store(t + 32); (c21 * va).Store(t + 40); (c30 * va).Store(t + 48); (c31 * va).Store(t + 56);
        (c40 * va).Store(t + 64); (c41 * va).Store(t + 72); (c50 * va).Store(t + 80); (c51 * va).Store(t + 88);
        StoreEdge(t, 16, c, ldc, beta, mr, nr);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, Vector256<float> alpha, float beta, Vector256<float> lo, Vector256<float> hi)
    {
        if (beta == 0f)
        {
            (lo * alpha).Store(c);
            (hi * alpha).Store(c + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            Fma.MultiplyAdd(lo, alpha, Vector256.Load(c) * vb).Store(c);
            Fma.MultiplyAdd(hi, alpha, Vector256.Load(c + 8) * vb).Store(c + 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void V128x4x8(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, int mr, int nr)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var av = Vector128.Create(a[0]);
            c00 = Madd(av, b0, c00); c01 = Madd(av, b1, c01);
            av = Vector128.Create(a[1]);
            c10 = Madd(av, b0, c10); c11 = Madd(av, b1, c11);
            av = Vector128.Create(a[2]);
            c20 = Madd(av, b0, c20); c21 = Madd(av, b1, c21);
            av = Vector128.Create(a[3]);
            c30 = Madd(av, b0, c30); c31 = Madd(av, b1, c31);
            a += 4;
            b += 8;
        }
        var va = Vector128.Create(alpha);
        float* t = stackalloc float[4 * 8];
        (c00 * va).Store(t); (c01 * va).Store(t + 4); (c10 * va).Store(t + 8); (c11 * va).Store(t + 12);
        (c20 * va).Store(t + 16); (c21 * va).Store(t + 20); (c30 * va).Store(t + 24); (c31 * va).Store(t + 28);
        StoreEdge(t, 8, c, ldc, beta, mr, nr);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Madd(Vector128<float> x, Vector128<float> y, Vector128<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, acc) : acc + x * y;

    public static void Scalar4x8(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, int mr, int nr)
    {
        float* t = stackalloc float[4 * 8];
        new Span<float>(t, 32).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < 4; i++)
            {
                float av = a[i];
                float* row = t + i * 8;
                for (int j = 0; j < 8; j++) row[j] += av * b[j];
            }
            a += 4;
            b += 8;
        }
        for (int i = 0; i < 32; i++) t[i] *= alpha;
        StoreEdge(t, 8, c, ldc, beta, mr, nr);
    }

    /// <summary>Writes the top-left mr x nr of a tile (already scaled by alpha) into C.</summary>
    private static void StoreEdge(float* t, int ldt, float* c, int ldc, float beta, int mr, int nr)
    {
        for (int i = 0; i < mr; i++)
        {
            float* ci = c + (long)i * ldc;
            float* ti = t + i * ldt;
            if (beta == 0f) for (int j = 0; j < nr; j++) ci[j] = ti[j];
            else for (int j = 0; j < nr; j++) ci[j] = ti[j] + beta * ci[j];
        }
    }
}
