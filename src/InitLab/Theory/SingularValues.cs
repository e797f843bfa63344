using System.Numerics.Tensors;

namespace InitLab.Theory;

/// <summary>
/// Singular values of a real matrix in double precision by one-sided Jacobi (Hestenes): plane
/// rotations make the rows of a copy pairwise orthogonal, and the singular values are then the
/// rows' norms. Written by hand because it is ~50 lines and computes small singular values to
/// high relative accuracy (each is a norm, never the square root of an eigenvalue of AᵀA, where
/// values below √ε·σmax are lost), which a Jacobian spectrum spanning many decades needs; a
/// general linear-algebra package would be a large dependency for this one routine.
/// </summary>
public static class SingularValues
{
    /// <summary>
    /// The min(rows, cols) singular values of <paramref name="a"/> (rows, cols), row-major, in
    /// descending order. Cost: O(min² · max) per sweep, usually 6–12 sweeps.
    /// </summary>
    /// <param name="a">The matrix, row-major; not changed.</param>
    /// <param name="rows">Its rows, ≥ 1.</param>
    /// <param name="cols">Its columns, ≥ 1.</param>
    public static double[] Of(ReadOnlySpan<double> a, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        if (a.Length != (long)rows * cols) throw new ArgumentException($"{a.Length} values are not a {rows}×{cols} matrix.", nameof(a));
        foreach (double v in a)
            if (!double.IsFinite(v)) throw new ArgumentException("The matrix has a NaN or infinite entry.", nameof(a));
        // Orthogonalize the shorter side: k rows of length n (k ≤ n), A or Aᵀ (same singular values).
        int k = Math.Min(rows, cols), n = Math.Max(rows, cols);
        var b = new double[k * n];
        if (rows <= cols) a.CopyTo(b);
        else
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    b[j * n + i] = a[i * cols + j];
        Orthogonalize(b, k, n);
        var s = new double[k];
        for (int i = 0; i < k; i++) s[i] = Math.Sqrt(TensorPrimitives.SumOfSquares(b.AsSpan(i * n, n)));
        Array.Sort(s, (x, y) => y.CompareTo(x));
        return s;
    }

    private const int MaxSweeps = 60;

    // Rotates pairs of rows (p, q) until every pair is orthogonal to within ε relative to their norms.
    private static void Orthogonalize(double[] b, int k, int n)
    {
        const double eps = 1e-15;
        var norms = new double[k];
        var old = new double[n];
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            for (int i = 0; i < k; i++) norms[i] = TensorPrimitives.SumOfSquares(b.AsSpan(i * n, n));
            bool rotated = false;
            for (int p = 0; p < k - 1; p++)
                for (int q = p + 1; q < k; q++)
                {
                    var rp = b.AsSpan(p * n, n);
                    var rq = b.AsSpan(q * n, n);
                    double alpha = norms[p], beta = norms[q], gamma = TensorPrimitives.Dot<double>(rp, rq);
                    if (gamma == 0 || Math.Abs(gamma) <= eps * Math.Sqrt(alpha * beta)) continue;
                    rotated = true;
                    // The rotation that zeroes the pair's inner product (Golub & Van Loan 8.5.2).
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta == 0 ? 1 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    double c = 1 / Math.Sqrt(1 + t * t), s = c * t;
                    // rp ← c·rp − s·rq, rq ← s·rp + c·rq (with the old rp).
                    rp.CopyTo(old);
                    TensorPrimitives.Multiply(rp, c, rp);
                    TensorPrimitives.MultiplyAdd(rq, -s, rp, rp);
                    TensorPrimitives.Multiply(rq, c, rq);
                    TensorPrimitives.MultiplyAdd(old, s, rq, rq);
                    norms[p] = alpha - t * gamma;
                    norms[q] = beta + t * gamma;
                }
            if (!rotated) return;
        }
        throw new InvalidOperationException($"One-sided Jacobi did not converge in {MaxSweeps} sweeps.");
    }
}
