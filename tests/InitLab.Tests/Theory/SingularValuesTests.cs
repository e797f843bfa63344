using InitLab.Theory;

namespace InitLab.Tests.Theory;

/// <summary>
/// One-sided Jacobi singular values against matrices whose singular values are known by
/// construction (Q₁·diag(s)·Q₂ with orthogonal Q from Gram–Schmidt, an independent route), and
/// against the identities Σσ² = ‖A‖²_F and ∏σ = |det A| (det by Gaussian elimination).
/// </summary>
public class SingularValuesTests
{
    [Theory]
    [InlineData(7, 7)]
    [InlineData(12, 5)]
    [InlineData(5, 12)]
    public void KnownSingularValuesAreRecovered(int rows, int cols)
    {
        var rng = new System.Random(rows * 31 + cols);
        int k = Math.Min(rows, cols);
        // Spread over nine decades, in no particular order.
        var s = Enumerable.Range(0, k).Select(i => Math.Pow(10, 3 - 9.0 * i / (k - 1))).OrderBy(_ => rng.Next()).ToArray();
        var u = Orthonormal(rows, rng);
        var v = Orthonormal(cols, rng);
        var a = new double[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                for (int t = 0; t < k; t++) a[i * cols + j] += u[i, t] * s[t] * v[j, t];
        var got = SingularValues.Of(a, rows, cols);
        var want = s.OrderByDescending(x => x).ToArray();
        Assert.Equal(k, got.Length);
        // Forming A rounds its entries by ~ε·σmax, which moves any singular value by about that much.
        for (int i = 0; i < k; i++) Assert.True(Math.Abs(got[i] - want[i]) <= 1e-12 * want[0] + 1e-10 * want[i], $"σ{i}: {got[i]} vs {want[i]}");
    }

    [Fact]
    public void AnOrthogonalMatrixHasEverySingularValueOne()
    {
        var q = Orthonormal(40, new System.Random(3));
        var a = new double[40 * 40];
        for (int i = 0; i < 40; i++)
            for (int j = 0; j < 40; j++) a[i * 40 + j] = q[i, j];
        Assert.All(SingularValues.Of(a, 40, 40), x => Assert.Equal(1.0, x, 1e-13));
    }

    [Fact]
    public void FrobeniusNormAndDeterminantMatchARandomMatrix()
    {
        const int n = 30;
        var rng = new System.Random(11);
        var a = Enumerable.Range(0, n * n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var s = SingularValues.Of(a, n, n);
        Assert.Equal(a.Sum(x => x * x), s.Sum(x => x * x), 1e-10);
        double logDet = Math.Log(Math.Abs(Determinant(a, n)));
        Assert.Equal(logDet, s.Sum(Math.Log), 1e-9);
        Assert.True(s.Zip(s.Skip(1)).All(p => p.First >= p.Second), "descending");
    }

    [Fact]
    public void ARankDeficientMatrixHasZeros()
    {
        // Rows 3 and 4 repeat rows 1 and 2 scaled: rank 2, so three singular values are 0.
        double[] a = [1, 2, 3, 4, 5, /**/ 0, 1, 0, 1, 0, /**/ 2, 4, 6, 8, 10, /**/ 0, -3, 0, -3, 0, /**/ 0, 0, 0, 0, 0];
        var s = SingularValues.Of(a, 5, 5);
        Assert.True(s[1] > 1);
        Assert.All(s.Skip(2), x => Assert.True(x < 1e-14, $"{x}"));
    }

    [Fact]
    public void NonFiniteEntriesAreRefused() =>
        Assert.Throws<ArgumentException>(() => SingularValues.Of([1, double.NaN, 0, 1], 2, 2));

    /// <summary>An n×n orthogonal matrix: modified Gram–Schmidt, twice, on a random Gaussian-ish matrix's columns.</summary>
    internal static double[,] Orthonormal(int n, System.Random rng)
    {
        var q = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) q[i, j] = rng.NextDouble() + rng.NextDouble() - 1;
        for (int pass = 0; pass < 2; pass++)
            for (int j = 0; j < n; j++)
            {
                for (int p = 0; p < j; p++)
                {
                    double dot = 0;
                    for (int i = 0; i < n; i++) dot += q[i, p] * q[i, j];
                    for (int i = 0; i < n; i++) q[i, j] -= dot * q[i, p];
                }
                double norm = 0;
                for (int i = 0; i < n; i++) norm += q[i, j] * q[i, j];
                norm = Math.Sqrt(norm);
                for (int i = 0; i < n; i++) q[i, j] /= norm;
            }
        return q;
    }

    // Gaussian elimination with partial pivoting.
    private static double Determinant(double[] a, int n)
    {
        var m = (double[])a.Clone();
        double det = 1;
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r * n + c]) > Math.Abs(m[p * n + c])) p = r;
            if (p != c) { for (int j = 0; j < n; j++) (m[c * n + j], m[p * n + j]) = (m[p * n + j], m[c * n + j]); det = -det; }
            det *= m[c * n + c];
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r * n + c] / m[c * n + c];
                for (int j = c; j < n; j++) m[r * n + j] -= f * m[c * n + j];
            }
        }
        return det;
    }
}
