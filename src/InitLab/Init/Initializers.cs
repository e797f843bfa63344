using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Init;

/// <summary>
/// The torch.nn.init functions, drawing from a <see cref="TorchGenerator"/> in PyTorch's order so
/// the same seed gives PyTorch's weights.
/// </summary>
public static class Initializers
{
    /// <summary>W = 0 (no draw from any generator).</summary>
    public static void Zeros(Tensor t) => t.Span.Clear();

    /// <summary>W = <paramref name="value"/> everywhere (no draw from any generator).</summary>
    public static void Constant(Tensor t, float value) => t.Span.Fill(value);

    /// <summary>U(a, b).</summary>
    public static void Uniform(Tensor t, TorchGenerator g, double a = 0, double b = 1) => g.Uniform(t.Span, a, b);

    /// <summary>N(mean, std²).</summary>
    public static void Normal(Tensor t, TorchGenerator g, double mean = 0, double std = 1) => g.Normal(t.Span, mean, std);

    /// <summary>U(-a, a) with a = gain·sqrt(6 / (fan_in + fan_out)).</summary>
    public static void XavierUniform(Tensor t, TorchGenerator g, double gain = 1)
    {
        var (fanIn, fanOut) = Fan.Of(t);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        double a = Math.Sqrt(3.0) * std;
        g.Uniform(t.Span, -a, a);
    }

    /// <summary>N(0, std²) with std = gain·sqrt(2 / (fan_in + fan_out)).</summary>
    public static void XavierNormal(Tensor t, TorchGenerator g, double gain = 1)
    {
        var (fanIn, fanOut) = Fan.Of(t);
        g.Normal(t.Span, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
    }

    /// <summary>U(-b, b) with b = sqrt(3)·gain(nonlinearity, a) / sqrt(fan).</summary>
    public static void KaimingUniform(Tensor t, TorchGenerator g, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu")
    {
        double std = Gain.For(nonlinearity, a) / Math.Sqrt(SelectFan(t, mode));
        double bound = Math.Sqrt(3.0) * std;
        g.Uniform(t.Span, -bound, bound);
    }

    /// <summary>N(0, std²) with std = gain(nonlinearity, a) / sqrt(fan).</summary>
    public static void KaimingNormal(Tensor t, TorchGenerator g, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu")
    {
        double std = Gain.For(nonlinearity, a) / Math.Sqrt(SelectFan(t, mode));
        g.Normal(t.Span, 0, std);
    }

    /// <summary>
    /// N(mean, std²) truncated to [a, b] (absolute cutoffs), as torch.nn.init.trunc_normal_:
    /// uniform on [2Φ(α)-1, 2Φ(β)-1], then erfinv, scale by std·√2, shift by mean, clamp.
    /// </summary>
    public static void TruncNormal(Tensor t, TorchGenerator g, double mean = 0, double std = 1, double a = -2, double b = 2)
    {
        if (!(std > 0)) throw new ArgumentException($"trunc-normal: std must be positive, got {std}.");
        if (!(a < b)) throw new ArgumentException($"trunc-normal: a ({a}) must be below b ({b}).");
        static double NormCdf(double x) => (1 + SpecialFunctions.Erf(x / Math.Sqrt(2))) / 2;
        double l = NormCdf((a - mean) / std), u = NormCdf((b - mean) / std);
        g.Uniform(t.Span, 2 * l - 1, 2 * u - 1);
        float scale = (float)(std * Math.Sqrt(2)), m = (float)mean, lo = (float)a, hi = (float)b;
        var d = t.Span;
        for (int i = 0; i < d.Length; i++)
            d[i] = Math.Clamp(SpecialFunctions.ErfInv(d[i]) * scale + m, lo, hi);
    }

    /// <summary>
    /// ZerO's deterministic weight (Zhao et al. 2022) for a (out, in) matrix: the identity when
    /// out = in; otherwise c·H[0..out, 0..in], the corner of the Sylvester Hadamard matrix H of size
    /// 2^m with m = ceil(log2 max(in, out)) and c = 2^(-(m-1)/2), which keeps the signal from
    /// collapsing onto a few coordinates when the width changes.
    /// </summary>
    public static void ZerO(Tensor t)
    {
        int rows = t.Rows, cols = t.Cols;
        if (rows == cols)
        {
            Eye(t);
            return;
        }
        int m = 0;
        while ((1L << m) < Math.Max(rows, cols)) m++;
        float c = (float)Math.Pow(2, -(m - 1) / 2.0);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                // Sylvester's construction: H[i, j] = (-1)^popcount(i & j).
                t.Data[i * cols + j] = (System.Numerics.BitOperations.PopCount((uint)(i & j)) & 1) == 0 ? c : -c;
    }

    /// <summary>The identity matrix times <paramref name="gain"/> (on the diagonal of a rectangular weight).</summary>
    public static void Eye(Tensor t, float gain = 1f)
    {
        if (t.Rank != 2) throw new ArgumentException("eye needs a 2-D weight.");
        t.Span.Clear();
        for (int i = 0; i < Math.Min(t.Rows, t.Cols); i++) t[i, i] = gain;
    }

    /// <summary>
    /// A (semi-)orthogonal matrix times gain, as torch.nn.init.orthogonal_: QR of a standard
    /// normal matrix (transposed first when it is wide), with Q's columns multiplied by the signs
    /// of R's diagonal so that the result is uniformly distributed.
    /// </summary>
    public static void Orthogonal(Tensor t, TorchGenerator g, double gain = 1)
    {
        if (t.Rank < 2) throw new ArgumentException("Only tensors with 2 or more dimensions are supported by orthogonal.");
        int rows = t.Shape[0], cols = t.Length / rows;
        g.Normal(t.Span, 0, 1);
        bool wide = rows < cols;
        int m = wide ? cols : rows, n = wide ? rows : cols;
        var a = new double[m * n];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                a[wide ? j * n + i : i * n + j] = t.Data[i * cols + j];
        var (q, diag) = QrDecomposition.Reduced(a, m, n);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                // q is m x n; column index c of q carries sign(diag[c]).
                int qi = wide ? j : i, qc = wide ? i : j;
                t.Data[i * cols + j] = (float)(q[qi * n + qc] * Math.Sign(diag[qc])) * (float)gain;
            }
    }

    /// <summary>
    /// N(0, std²) with a fraction <paramref name="sparsity"/> of each column set to zero, as
    /// torch.nn.init.sparse_ (the zeroed rows of each column come from randperm).
    /// </summary>
    public static void Sparse(Tensor t, TorchGenerator g, double sparsity, double std = 0.01)
    {
        if (t.Rank != 2) throw new ArgumentException("Only tensors with 2 dimensions are supported by sparse.");
        if (!(sparsity >= 0 && sparsity <= 1)) throw new ArgumentException($"sparse: sparsity must be in [0, 1], got {sparsity}.");
        int rows = t.Rows, cols = t.Cols;
        int zeros = (int)Math.Ceiling(sparsity * rows);
        g.Normal(t.Span, 0, std);
        var perm = new int[rows];
        for (int c = 0; c < cols; c++)
        {
            g.RandPerm(perm);
            for (int k = 0; k < zeros; k++) t[perm[k], c] = 0f;
        }
    }

    /// <summary>
    /// Keras' VarianceScaling: variance scale / n with n = fan_in, fan_out or their mean; drawn
    /// from a normal truncated at two standard deviations (std corrected by 0.8796…), an
    /// untruncated normal, or a uniform. The numbers come from PyTorch's generator.
    /// </summary>
    public static void VarianceScaling(Tensor t, TorchGenerator g, double scale = 1, string mode = "fan_in", string distribution = "truncated_normal")
    {
        if (!(scale > 0)) throw new ArgumentException($"variance-scaling: scale must be positive, got {scale}.");
        var (fanIn, fanOut) = Fan.Of(t);
        double n = mode.ToLowerInvariant().Replace('-', '_') switch
        {
            "fan_in" => fanIn,
            "fan_out" => fanOut,
            "fan_avg" => (fanIn + fanOut) / 2.0,
            _ => throw new ArgumentException($"variance-scaling: mode '{mode}' is not fan_in, fan_out or fan_avg."),
        };
        double variance = scale / Math.Max(1, n);
        switch (distribution.ToLowerInvariant().Replace('-', '_'))
        {
            case "truncated_normal":
                double std = Math.Sqrt(variance) / 0.87962566103423978;
                TruncNormal(t, g, 0, std, -2 * std, 2 * std);
                break;
            case "untruncated_normal" or "normal":
                g.Normal(t.Span, 0, Math.Sqrt(variance));
                break;
            case "uniform":
                double limit = Math.Sqrt(3 * variance);
                g.Uniform(t.Span, -limit, limit);
                break;
            default:
                throw new ArgumentException($"variance-scaling: distribution '{distribution}' is not truncated_normal, untruncated_normal or uniform.");
        }
    }

    /// <summary>What torch.nn.Linear's constructor does: kaiming_uniform(a=√5) weight, then U(±1/√fan_in) bias.</summary>
    public static void TorchLinearDefault(Tensor weight, Tensor? bias, TorchGenerator g)
    {
        KaimingUniform(weight, g, a: Math.Sqrt(5));
        if (bias is null) return;
        int fanIn = Fan.Of(weight).FanIn;
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        g.Uniform(bias.Span, -bound, bound);
    }

    private static int SelectFan(Tensor t, string mode)
    {
        var (fanIn, fanOut) = Fan.Of(t);
        return mode.ToLowerInvariant() switch
        {
            "fan_in" or "fan-in" => fanIn,
            "fan_out" or "fan-out" => fanOut,
            _ => throw new ArgumentException($"Mode '{mode}' is not supported; use fan_in or fan_out."),
        };
    }
}
