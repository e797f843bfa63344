using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace InitLab.Tensors;

/// <summary>
/// Elementwise kernels and reductions the layers need. Plain maps go through TensorPrimitives;
/// masked and fused forms that TensorPrimitives lacks are written with Vector&lt;float&gt;.
/// </summary>
public static class Ops
{
    /// <summary>
    /// Asks the CPU to bring <paramref name="data"/> into its caches without waiting: the trainers
    /// issue it for the next batch's rows, scattered over the data set (RowPrefetch, in parts
    /// between a step's GEMMs), so they arrive while this batch is computed (100 random 784-float
    /// rows: 60-64 µs to gather cold, 28-35 µs when prefetched a batch's GEMMs earlier,
    /// measured). A hint only: no result depends on it; nothing happens on CPUs without SSE.
    /// </summary>
    public static unsafe void Prefetch<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || data.IsEmpty) return;
        fixed (T* p = data)
        {
            byte* b = (byte*)p, end = b + (long)data.Length * sizeof(T);
            for (; b < end; b += 64) System.Runtime.Intrinsics.X86.Sse.Prefetch0(b);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(end - 1);
        }
    }

    /// <summary>
    /// sums[j] = Σ_i x[i,j] over the rows of a (rows, cols) buffer (sums overwritten), each
    /// column summed from 0 in row order. Blocks of 64 columns are kept in four 512-bit registers
    /// down all the rows, instead of reading and writing the sums once per row.
    /// </summary>
    public static unsafe void SumRows(ReadOnlySpan<float> x, int rows, int cols, Span<float> sums)
    {
        sums = sums[..cols];
        if (rows < 0 || (long)rows * cols > x.Length) throw new ArgumentException($"SumRows: {rows}x{cols} needs {(long)rows * cols} values, x has {x.Length}.");
        fixed (float* px = x, ps = sums)
        {
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 64 <= cols; j += 64)
                {
                    Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                    float* r = px + j;
                    for (int i = 0; i < rows; i++, r += cols)
                    {
                        s0 += Vector512.Load(r);
                        s1 += Vector512.Load(r + 16);
                        s2 += Vector512.Load(r + 32);
                        s3 += Vector512.Load(r + 48);
                    }
                    s0.Store(ps + j);
                    s1.Store(ps + j + 16);
                    s2.Store(ps + j + 32);
                    s3.Store(ps + j + 48);
                }
                for (; j + 16 <= cols; j += 16)
                {
                    Vector512<float> s0 = default;
                    float* r = px + j;
                    for (int i = 0; i < rows; i++, r += cols) s0 += Vector512.Load(r);
                    s0.Store(ps + j);
                }
            }
            for (; j < cols; j++)
            {
                float sum = 0f;
                float* r = px + j;
                for (int i = 0; i < rows; i++, r += cols) sum += *r;
                ps[j] = sum;
            }
        }
    }

    /// <summary>y = max(x, 0).</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>dx = dy where y &gt; 0, else 0 (y is the ReLU's output).</summary>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = y.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; i <= n - w; i += w)
            {
                var mask = Vector.GreaterThan(new Vector<float>(y.Slice(i, w)), Vector<float>.Zero);
                Vector.ConditionalSelect(mask, new Vector<float>(dy.Slice(i, w)), Vector<float>.Zero).CopyTo(dx.Slice(i, w));
            }
        }
        for (; i < n; i++) dx[i] = y[i] > 0f ? dy[i] : 0f;
    }

    /// <summary>y = x for x &gt; 0, slope * x otherwise.</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, float slope, Span<float> y)
    {
        int n = x.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var s = new Vector<float>(slope);
            for (; i <= n - w; i += w)
            {
                var v = new Vector<float>(x.Slice(i, w));
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, v * s).CopyTo(y.Slice(i, w));
            }
        }
        for (; i < n; i++) y[i] = x[i] > 0f ? x[i] : slope * x[i];
    }

    /// <summary>dx = dy where x &gt; 0, slope * dy otherwise (x is the layer's input).</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float slope, Span<float> dx)
    {
        int n = x.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var s = new Vector<float>(slope);
            for (; i <= n - w; i += w)
            {
                var g = new Vector<float>(dy.Slice(i, w));
                var mask = Vector.GreaterThan(new Vector<float>(x.Slice(i, w)), Vector<float>.Zero);
                Vector.ConditionalSelect(mask, g, g * s).CopyTo(dx.Slice(i, w));
            }
        }
        for (; i < n; i++) dx[i] = x[i] > 0f ? dy[i] : slope * dy[i];
    }

    /// <summary>dx = dy * y * (1 - y) (y is the sigmoid's output). dx may alias dy.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = y.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; i <= n - w; i += w)
            {
                var v = new Vector<float>(y.Slice(i, w));
                (new Vector<float>(dy.Slice(i, w)) * v * (Vector<float>.One - v)).CopyTo(dx.Slice(i, w));
            }
        }
        for (; i < n; i++) dx[i] = dy[i] * y[i] * (1f - y[i]);
    }

    // tanh(x) = x + x³·P(x²) for |x| < 0.625: the minimax coefficients of Cephes' tanhf.
    private const float TanhC1 = -5.70498872745E-3f, TanhC2 = 2.06390887954E-2f, TanhC3 = -5.37397155531E-2f,
        TanhC4 = 1.33314422036E-1f, TanhC5 = -3.33332819422E-1f, TanhSmall = 0.625f;

    /// <summary>
    /// y = tanh(x), within 2.5 ulp everywhere. TensorPrimitives.Tanh alone computes it from exp
    /// and loses relative precision near 0 (tanh(0) = -6e-8, a 5% error at 1e-5, 5e-4 at 1e-3;
    /// PyTorch is within an ulp or two), so |x| &lt; 0.625 is recomputed with an odd polynomial.
    /// y may alias x.
    /// </summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        if (!x.Overlaps(y))
        {
            TensorPrimitives.Tanh(x, y);
            TanhNearZero(x, y);
            return;
        }
        Span<float> copy = stackalloc float[256];
        for (int start = 0; start < x.Length; start += copy.Length)
        {
            int n = Math.Min(copy.Length, x.Length - start);
            var xs = copy[..n];
            x.Slice(start, n).CopyTo(xs);
            var ys = y.Slice(start, n);
            TensorPrimitives.Tanh(xs, ys);
            TanhNearZero(xs, ys);
        }
    }

    private static void TanhNearZero(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var limit = new Vector<float>(TanhSmall);
            for (; i <= n - w; i += w)
            {
                var v = new Vector<float>(x.Slice(i, w));
                var small = Vector.LessThan(Vector.Abs(v), limit);
                if (small == Vector<int>.Zero) continue;
                var z = v * v;
                var p = ((((new Vector<float>(TanhC1) * z + new Vector<float>(TanhC2)) * z + new Vector<float>(TanhC3)) * z
                    + new Vector<float>(TanhC4)) * z + new Vector<float>(TanhC5)) * z * v + v;
                Vector.ConditionalSelect(small, p, new Vector<float>(y.Slice(i, w))).CopyTo(y.Slice(i, w));
            }
        }
        for (; i < n; i++)
        {
            float v = x[i];
            if (!(MathF.Abs(v) < TanhSmall)) continue;
            float z = v * v;
            y[i] = ((((TanhC1 * z + TanhC2) * z + TanhC3) * z + TanhC4) * z + TanhC5) * z * v + v;
        }
    }

    /// <summary>dx = dy * (1 - y²) (y is the tanh's output). dx may alias dy.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = y.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; i <= n - w; i += w)
            {
                var v = new Vector<float>(y.Slice(i, w));
                (new Vector<float>(dy.Slice(i, w)) * (Vector<float>.One - v * v)).CopyTo(dx.Slice(i, w));
            }
        }
        for (; i < n; i++) dx[i] = dy[i] * (1f - y[i] * y[i]);
    }

    /// <summary>Index of the largest value (first on ties), as torch.argmax.</summary>
    public static int ArgMax(ReadOnlySpan<float> x) => TensorPrimitives.IndexOfMax(x);
}
