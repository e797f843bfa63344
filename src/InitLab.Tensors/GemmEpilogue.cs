using System.Runtime.Intrinsics;

namespace InitLab.Tensors;

/// <summary>
/// Elementwise work fused into GEMM's output: applied to each tile of C right after its last
/// K slice is stored, while the tile is still in L1 and on the thread that computed it. Fusing
/// saves a pass over C and, with two threads, moving half of C between cores' caches.
/// In order: C[i,j] += ColumnBias[j]; C = max(C, 0) when Relu; C = 0 where Mask[i,j] &lt;= 0;
/// C = σ(C) when Sigmoid; C = C - decay·W, W = W + C for a StepTarget W.
/// </summary>
public readonly struct GemmEpilogue
{
    /// <summary>A vector of n values added to every row of C (a Linear layer's bias), or null.</summary>
    public float[]? ColumnBias { get; init; }

    /// <summary>Apply max(·, 0) after the bias (a fused ReLU).</summary>
    public bool Relu { get; init; }

    /// <summary>A matrix shaped like C (row stride = n); C is zeroed where it is &lt;= 0 (ReLU's backward), or null.</summary>
    public float[]? Mask { get; init; }

    /// <summary>
    /// Apply the logistic sigmoid after the bias (an RBM's mean hiddens or visibles): on a full
    /// 32-column tile as 1/(1 + Vector512.Exp(-x)), elsewhere with TensorPrimitives.Sigmoid over
    /// each row of the tile; the same numbers either way.
    /// </summary>
    public bool Sigmoid { get; init; }

    /// <summary>
    /// A matrix W shaped like C (row stride = n) that C is a step for, or null. Last, each tile
    /// does C = C - <see cref="StepDecay"/>·W, then W = W + C: an RBM's weight update, done while
    /// the step's tile is in L1 instead of in a pass of its own. W must not be an operand of the product.
    /// </summary>
    public float[]? StepTarget { get; init; }

    /// <summary>The weight decay of the step into <see cref="StepTarget"/> (0: none).</summary>
    public float StepDecay { get; init; }

    /// <summary>True when there is nothing to fuse, so GEMM skips the epilogue pass entirely.</summary>
    public bool IsEmpty => ColumnBias is null && !Relu && Mask is null && !Sigmoid && StepTarget is null;

    /// <summary>Applies the epilogue to an mr x nr tile at (row, col) of C.</summary>
    internal static unsafe void Apply(float* c, int ldc, int mr, int nr, int row, int col, float* bias, bool relu, float* mask, int ldm, bool sigmoid,
        float* target, float decay)
    {
        if (bias != null || relu || mask != null || sigmoid) Elementwise(c, ldc, mr, nr, row, col, bias, relu, mask, ldm, sigmoid);
        if (target != null) Step(c, ldc, mr, nr, target + (long)row * ldm + col, ldm, decay);
    }

    /// <summary>
    /// C = C - decay·W, then W = W + C, on a tile, with the operations (and roundings) of a
    /// separate pass: d = w·(-decay) + d as a multiply then an add, never fused.
    /// </summary>
    private static unsafe void Step(float* c, int ldc, int mr, int nr, float* w, int ldw, float decay)
    {
        var d = Vector256.Create(-decay);
        for (int i = 0; i < mr; i++)
        {
            float* ci = c + (long)i * ldc, wi = w + (long)i * ldw;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var d16 = Vector512.Create(-decay);
                for (; j + 16 <= nr; j += 16)
                {
                    var wv = Vector512.Load(wi + j);
                    var dv = Vector512.Load(ci + j);
                    if (decay != 0f) dv = wv * d16 + dv;
                    dv.Store(ci + j);
                    (wv + dv).Store(wi + j);
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= nr; j += 8)
                {
                    var wv = Vector256.Load(wi + j);
                    var dv = Vector256.Load(ci + j);
                    if (decay != 0f) dv = wv * d + dv;
                    dv.Store(ci + j);
                    (wv + dv).Store(wi + j);
                }
            }
            for (; j < nr; j++)
            {
                float dv = ci[j];
                if (decay != 0f) dv = wi[j] * -decay + dv;
                ci[j] = dv;
                wi[j] += dv;
            }
        }
    }

    private static unsafe void Elementwise(float* c, int ldc, int mr, int nr, int row, int col, float* bias, bool relu, float* mask, int ldm, bool sigmoid)
    {
        if (nr == 32 && Vector512.IsHardwareAccelerated)
        {
            Elementwise32(c, ldc, mr, row, col, bias, relu, mask, ldm, sigmoid);
            return;
        }
        for (int i = 0; i < mr; i++)
        {
            float* ci = c + (long)i * ldc;
            float* mi = mask == null ? null : mask + (long)(row + i) * ldm + col;
            float* bi = bias == null ? null : bias + col;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= nr; j += 8)
                {
                    var v = Vector256.Load(ci + j);
                    if (bi != null) v += Vector256.Load(bi + j);
                    if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
                    if (mi != null) v = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(mi + j), Vector256<float>.Zero), v, Vector256<float>.Zero);
                    v.Store(ci + j);
                }
            }
            for (; j < nr; j++)
            {
                float v = ci[j];
                if (bi != null) v += bi[j];
                if (relu) v = v > 0f ? v : 0f;
                if (mi != null && !(mi[j] > 0f)) v = 0f;
                ci[j] = v;
            }
            if (sigmoid) System.Numerics.Tensors.TensorPrimitives.Sigmoid(new ReadOnlySpan<float>(ci, nr), new Span<float>(ci, nr));
        }
    }

    /// <summary>
    /// A tile of the AVX-512 kernel's full width (32 columns) in two 512-bit vectors per row,
    /// the bias loaded once. The same operations per element as the general path: the sigmoid
    /// is 1/(1 + exp(-x)) with Vector512.Exp, which is what TensorPrimitives.Sigmoid computes on
    /// 512-bit vectors, bit for bit (tested).
    /// </summary>
    private static unsafe void Elementwise32(float* c, int ldc, int mr, int row, int col, float* bias, bool relu, float* mask, int ldm, bool sigmoid)
    {
        Vector512<float> b0 = default, b1 = default;
        if (bias != null)
        {
            b0 = Vector512.Load(bias + col);
            b1 = Vector512.Load(bias + col + 16);
        }
        for (int i = 0; i < mr; i++)
        {
            float* ci = c + (long)i * ldc;
            var v0 = Vector512.Load(ci);
            var v1 = Vector512.Load(ci + 16);
            if (bias != null)
            {
                v0 += b0;
                v1 += b1;
            }
            var zero = Vector512<float>.Zero;
            if (relu)
            {
                v0 = Vector512.Max(v0, zero);
                v1 = Vector512.Max(v1, zero);
            }
            if (mask != null)
            {
                float* mi = mask + (long)(row + i) * ldm + col;
                v0 = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(mi), zero), v0, zero);
                v1 = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(mi + 16), zero), v1, zero);
            }
            if (sigmoid)
            {
                var one = Vector512<float>.One;
                v0 = one / (one + Vector512.Exp(-v0));
                v1 = one / (one + Vector512.Exp(-v1));
            }
            v0.Store(ci);
            v1.Store(ci + 16);
        }
    }
}
