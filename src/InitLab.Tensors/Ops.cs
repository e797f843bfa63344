using System.Numerics;
using System.Numerics.Tensors;

namespace InitLab.Tensors;

/// <summary>
/// Elementwise kernels and reductions the layers need. Plain maps go through TensorPrimitives;
/// masked and fused forms that TensorPrimitives lacks are written with Vector&lt;float&gt;.
/// </summary>
public static class Ops
{
    /// <summary>sums[j] = Σ_i x[i,j] over the rows of a (rows, cols) buffer (sums overwritten).</summary>
    public static void SumRows(ReadOnlySpan<float> x, int rows, int cols, Span<float> sums)
    {
        sums = sums[..cols];
        sums.Clear();
        for (int i = 0; i < rows; i++) TensorPrimitives.Add(sums, x.Slice(i * cols, cols), sums);
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
