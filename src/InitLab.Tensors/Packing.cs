namespace InitLab.Tensors;

/// <summary>
/// Copies blocks of A and B into the contiguous, zero-padded strip layout the micro-kernels read:
/// A as strips of MR rows (for each p, MR consecutive values), B as strips of NR columns (for
/// each p, NR consecutive values). Padding with zeros lets the kernels run full tiles at edges.
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
                // op(A)[i,p] = a[i*lda + p]: read each row contiguously, write with stride mr.
                for (int i = 0; i < rows; i++)
                {
                    float* src = a + (long)(ic + s + i) * lda + pc;
                    for (int p = 0; p < kc; p++) d[p * mr + i] = src[p];
                }
            }
            else
            {
                // op(A)[i,p] = a[p*lda + i]: for each p the strip's rows are contiguous.
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(pc + p) * lda + ic + s;
                    for (int i = 0; i < rows; i++) d[p * mr + i] = src[i];
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
                // op(B)[p,j] = b[p*ldb + j]: each p copies cols contiguous floats.
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(pc + p) * ldb + jc + s;
                    float* dp = d + p * nr;
                    if (cols == nr) new ReadOnlySpan<float>(src, nr).CopyTo(new Span<float>(dp, nr));
                    else
                    {
                        for (int j = 0; j < cols; j++) dp[j] = src[j];
                        for (int j = cols; j < nr; j++) dp[j] = 0f;
                    }
                }
            }
            else
            {
                // op(B)[p,j] = b[j*ldb + p]: read each column's row of storage contiguously.
                for (int j = 0; j < cols; j++)
                {
                    float* src = b + (long)(jc + s + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) d[p * nr + j] = src[p];
                }
                if (cols < nr)
                    for (int p = 0; p < kc; p++)
                        for (int j = cols; j < nr; j++) d[p * nr + j] = 0f;
            }
        }
    }
}
