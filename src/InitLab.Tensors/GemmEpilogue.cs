using System.Runtime.Intrinsics;

namespace InitLab.Tensors;

/// <summary>
/// Elementwise work fused into GEMM's output: applied to each tile of C right after its last
/// K slice is stored, while the tile is still in L1 and on the thread that computed it. Fusing
/// saves a pass over C and, with two threads, moving half of C between cores' caches.
/// In order: C[i,j] += ColumnBias[j]; C = max(C, 0) when Relu; C = 0 where Mask[i,j] &lt;= 0;
/// C = σ(C) when Sigmoid.
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
    /// Apply the logistic sigmoid last (an RBM's mean hiddens or visibles), with
    /// TensorPrimitives.Sigmoid over each row of a tile.
    /// </summary>
    public bool Sigmoid { get; init; }

    /// <summary>True when there is nothing to fuse, so GEMM skips the epilogue pass entirely.</summary>
    public bool IsEmpty => ColumnBias is null && !Relu && Mask is null && !Sigmoid;

    /// <summary>Applies the epilogue to an mr x nr tile at (row, col) of C.</summary>
    internal static unsafe void Apply(float* c, int ldc, int mr, int nr, int row, int col, float* bias, bool relu, float* mask, int ldm, bool sigmoid)
    {
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
}
