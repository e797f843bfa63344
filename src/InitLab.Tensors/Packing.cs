using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.Tensors;

/// <summary>
/// Copies blocks of A and B into the contiguous, zero-padded strip layout the micro-kernels read:
/// A as strips of MR rows (for each p, MR consecutive values), B as strips of NR columns (for
/// each p, NR consecutive values). Padding with zeros lets the kernels run full tiles at edges.
/// Where packing B is a transpose (B transposed), full 8x8 blocks go through an AVX register
/// transpose; at the small training shapes packing costs as much as the arithmetic.
/// </summary>
internal static unsafe class Packing
{
    /// <summary>Packs rows [ic, ic+mc) x cols [pc, pc+kc) of op(A) into <paramref name="dst"/>.</summary>
    public static void PackA(bool transA, float* a, int lda, int ic, int pc, int mc, int kc, int mr, float* dst)
    {
        for (int s = 0; s < mc; s += mr)
        {
            int rows = Math.Min(mr, mc - s);
            float* d = dst + (long)s * kc;
            if (!transA)
            {
                // op(A)[i,p] = a[i*lda + p]: a transpose of rows x kc into kc x mr. (No 8x8
                // register transpose here: the only 8-row kernel, AVX-512's, reads full strips
                // of A in place and packs just a last strip of fewer than 8 rows.)
                float* src = a + (long)(ic + s) * lda + pc;
                for (int i = 0; i < rows; i++)
                {
                    float* row = src + (long)i * lda;
                    for (int p = 0; p < kc; p++) d[p * mr + i] = row[p];
                }
            }
            else
            {
                // op(A)[i,p] = a[p*lda + i]: for each p the strip's rows are contiguous.
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(pc + p) * lda + ic + s;
                    new ReadOnlySpan<float>(src, rows).CopyTo(new Span<float>(d + p * mr, rows));
                }
            }
            if (rows < mr)
                for (int p = 0; p < kc; p++)
                    for (int i = rows; i < mr; i++) d[p * mr + i] = 0f;
        }
    }

    /// <summary>Packs rows [pc, pc+kc) x cols [jc, jc+nc) of op(B) into <paramref name="dst"/>.</summary>
    public static void PackB(bool transB, float* b, int ldb, int pc, int jc, int kc, int nc, int nr, float* dst)
    {
        for (int s = 0; s < nc; s += nr)
        {
            int cols = Math.Min(nr, nc - s);
            float* d = dst + (long)s * kc;
            if (!transB)
            {
                // op(B)[p,j] = b[p*ldb + j]: each p copies cols contiguous floats. A full strip
                // of 32 (16) is two 512-bit (256-bit) loads and stores per p, without a span copy's
                // call per 128 bytes: packing a 256x784 W on one thread took 22 µs instead of 29,
                // a 512x784 one 35 instead of 55 (measured alone).
                if (cols == 32 && nr == 32 && Vector512.IsHardwareAccelerated)
                {
                    float* src = b + (long)pc * ldb + jc + s;
                    for (int p = 0; p < kc; p++, src += ldb)
                    {
                        Vector512.Load(src).Store(d + p * 32);
                        Vector512.Load(src + 16).Store(d + p * 32 + 16);
                    }
                    continue;
                }
                if (cols == 16 && nr == 16 && Vector256.IsHardwareAccelerated)
                {
                    float* src = b + (long)pc * ldb + jc + s;
                    for (int p = 0; p < kc; p++, src += ldb)
                    {
                        Vector256.Load(src).Store(d + p * 16);
                        Vector256.Load(src + 8).Store(d + p * 16 + 8);
                    }
                    continue;
                }
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(pc + p) * ldb + jc + s;
                    float* dp = d + p * nr;
                    new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(dp, cols));
                    for (int j = cols; j < nr; j++) dp[j] = 0f;
                }
            }
            else
            {
                // op(B)[p,j] = b[j*ldb + p]: a transpose of cols x kc into kc x nr.
                float* src = b + (long)(jc + s) * ldb + pc;
                int j0 = 0;
                if (Avx.IsSupported && kc >= 8)
                {
                    int kc8 = kc & ~7;
                    for (; j0 + 8 <= cols; j0 += 8)
                    {
                        for (int p = 0; p < kc8; p += 8) Transpose8x8(src + (long)j0 * ldb + p, ldb, d + p * nr + j0, nr);
                        for (int j = j0; j < j0 + 8; j++)
                            for (int p = kc8; p < kc; p++) d[p * nr + j] = src[(long)j * ldb + p];
                    }
                }
                for (int j = j0; j < cols; j++)
                {
                    float* col = src + (long)j * ldb;
                    for (int p = 0; p < kc; p++) d[p * nr + j] = col[p];
                }
                if (cols < nr)
                    for (int p = 0; p < kc; p++)
                        for (int j = cols; j < nr; j++) d[p * nr + j] = 0f;
            }
        }
    }

    /// <summary>
    /// <see cref="PackB"/> for the AVX-512 kernel's 32-column strips of B not transposed, leaving out
    /// each strip's steps (rows) whose values are all ±0: strip s keeps counts[s] rows, one after
    /// another from dst + s·32·kc as PackB lays them out, and steps[s·kc + t] is the step p (from pc)
    /// of its t-th row. A last strip narrower than 32 is zero-padded as PackB pads it.
    /// </summary>
    public static void PackBNonzeroSteps(float* b, int ldb, int pc, int jc, int kc, int nc, float* dst, int* steps, int* counts)
    {
        float* row = stackalloc float[32];
        for (int s = 0, strip = 0; s < nc; s += 32, strip++)
        {
            int cols = Math.Min(32, nc - s), n = 0;
            float* d = dst + (long)s * kc, src = b + (long)pc * ldb + jc + s;
            int* st = steps + (long)strip * kc;
            for (int j = cols; j < 32; j++) row[j] = 0f;
            for (int p = 0; p < kc; p++, src += ldb)
            {
                // Every row is written at the next free place; a zero row is then overwritten by the next one.
                Vector512<float> v0, v1;
                if (cols == 32)
                {
                    v0 = Vector512.Load(src);
                    v1 = Vector512.Load(src + 16);
                }
                else
                {
                    for (int j = 0; j < cols; j++) row[j] = src[j];
                    v0 = Vector512.Load(row);
                    v1 = Vector512.Load(row + 16);
                }
                v0.Store(d + n * 32);
                v1.Store(d + n * 32 + 16);
                st[n] = p;
                n += Vector512.EqualsAll((v0.AsUInt32() | v1.AsUInt32()) << 1, Vector512<uint>.Zero) ? 0 : 1;
            }
            counts[strip] = n;
        }
    }

    /// <summary>dst[q*ds + r] = src[r*ss + q] for an 8x8 block, in AVX registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, int ss, float* d, int ds)
    {
        var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + ss);
        var r2 = Avx.LoadVector256(s + 2 * ss); var r3 = Avx.LoadVector256(s + 3 * ss);
        var r4 = Avx.LoadVector256(s + 4 * ss); var r5 = Avx.LoadVector256(s + 5 * ss);
        var r6 = Avx.LoadVector256(s + 6 * ss); var r7 = Avx.LoadVector256(s + 7 * ss);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ds, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ds, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ds, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ds, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ds, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ds, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ds, Avx.Permute2x128(u3, u7, 0x31));
    }
}
