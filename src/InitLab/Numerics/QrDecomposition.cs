namespace InitLab.Numerics;

/// <summary>Householder QR of a tall matrix, in double precision.</summary>
public static class QrDecomposition
{
    /// <summary>
    /// For A (m x n, m &gt;= n, row-major) returns the reduced Q (m x n, orthonormal columns) and
    /// the diagonal of R, so that A = Q R. The signs follow LAPACK's geqrf (R's diagonal may be
    /// negative); callers fix them as they need.
    /// </summary>
    public static (double[] Q, double[] RDiagonal) Reduced(ReadOnlySpan<double> a, int m, int n)
    {
        if (m < n) throw new ArgumentException($"QR needs a tall matrix; got {m}x{n}.");
        var r = a.ToArray();
        var vs = new double[n][];
        var diag = new double[n];
        for (int k = 0; k < n; k++)
        {
            // Householder vector v for column k below the diagonal: (I - 2 v vᵀ) x = -sign(x0)|x| e1.
            double norm = 0;
            for (int i = k; i < m; i++) norm += r[i * n + k] * r[i * n + k];
            norm = Math.Sqrt(norm);
            var v = new double[m - k];
            if (norm == 0)
            {
                vs[k] = v;
                diag[k] = 0;
                continue;
            }
            double x0 = r[k * n + k];
            double alpha = x0 >= 0 ? -norm : norm;
            for (int i = k; i < m; i++) v[i - k] = r[i * n + k];
            v[0] -= alpha;
            double vnorm = 0;
            foreach (double e in v) vnorm += e * e;
            vnorm = Math.Sqrt(vnorm);
            for (int i = 0; i < v.Length; i++) v[i] /= vnorm;
            vs[k] = v;
            for (int j = k; j < n; j++)
            {
                double dot = 0;
                for (int i = k; i < m; i++) dot += v[i - k] * r[i * n + j];
                for (int i = k; i < m; i++) r[i * n + j] -= 2 * v[i - k] * dot;
            }
            diag[k] = r[k * n + k];
        }
        // Q = H0 H1 ... H(n-1) applied to the first n columns of the identity.
        var q = new double[m * n];
        for (int j = 0; j < n; j++) q[j * n + j] = 1;
        for (int k = n - 1; k >= 0; k--)
        {
            var v = vs[k];
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int i = k; i < m; i++) dot += v[i - k] * q[i * n + j];
                if (dot == 0) continue;
                for (int i = k; i < m; i++) q[i * n + j] -= 2 * v[i - k] * dot;
            }
        }
        return (q, diag);
    }
}
