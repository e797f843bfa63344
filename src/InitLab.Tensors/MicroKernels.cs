using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.Tensors;

/// <summary>
/// Register-blocked inner kernels: C[mr x nr] = alpha * Apanel * Bpanel + beta * C over one KC
/// slice of packed strips. Full tiles store straight into C; edge tiles go through the caller's
/// tile buffer t (at least 8x32 floats) so the kernels never read or write outside C. The buffer
/// is passed in rather than stackalloc'ed: zeroing a stackalloc after the loop calls a helper
/// that clobbers every vector register, and the JIT then keeps the accumulators on the stack.
/// </summary>
internal static unsafe class MicroKernels
{
    /// <summary>
    /// The 8x32 AVX-512 kernel. Element (i, p) of the A strip is a[i*rs + p*cs]: a packed strip
    /// has rs = 1, cs = 8; a strip read where it lies in A has the matrix's own strides, which
    /// saves packing A (a transpose when A is not transposed; at the training shapes that costs
    /// as much as a third of the arithmetic). Rows past mr read row mr - 1 again (so a strip read
    /// in place never reads past A's last row); they are computed but not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512x8x32<TZeros>(int kc, float* a, nint rs, nint cs, float* b, float* c, int ldc, float alpha, float beta, int mr, int nr, float* t,
        TileEpilogue epilogue = default, int* steps = null) where TZeros : struct, IZeroSkip
    {
        float* a0 = a;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        nint last = mr - 1;
        nint o1 = Math.Min(1, last) * rs, o2 = Math.Min(2, last) * rs, o3 = Math.Min(3, last) * rs, o4 = Math.Min(4, last) * rs;
        nint o5 = Math.Min(5, last) * rs, o6 = Math.Min(6, last) * rs, o7 = Math.Min(7, last) * rs;
        for (int p = 0; p < kc; p++, a += cs, b += 32)
        {
            // A step whose 8 values of A are all zero adds nothing: skipped (see IZeroSkip). With
            // B's nonzero steps listed, b holds only those steps' rows, and A's is steps[p].
            if (TZeros.Listed) a = a0 + steps[p] * cs;
            if (TZeros.A && ((Bits(a[0]) | Bits(a[o1]) | Bits(a[o2]) | Bits(a[o3]) | Bits(a[o4]) | Bits(a[o5]) | Bits(a[o6]) | Bits(a[o7])) << 1) == 0) continue;
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[o1]);
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[o2]);
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[o3]);
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[o4]);
            c40 = Avx512F.FusedMultiplyAdd(av, b0, c40); c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[o5]);
            c50 = Avx512F.FusedMultiplyAdd(av, b0, c50); c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[o6]);
            c60 = Avx512F.FusedMultiplyAdd(av, b0, c60); c61 = Avx512F.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[o7]);
            c70 = Avx512F.FusedMultiplyAdd(av, b0, c70); c71 = Avx512F.FusedMultiplyAdd(av, b1, c71);
        }
        var va = Vector512.Create(alpha);
        System.Diagnostics.Debug.Assert(!epilogue.IsSet || (mr == 8 && nr == 32), "an epilogue is applied on full tiles only");
        if (mr == 8 && nr == 32)
        {
            if (epilogue.IsSet)
            {
                // Bias, ReLU, mask and sigmoid on the registers before the one store: the same operations
                // in the same order as GemmEpilogue's pass over the stored tile, without reading it back.
                epilogue.Store(c, va, beta, c00, c01, 0); epilogue.Store(c + ldc, va, beta, c10, c11, 1);
                epilogue.Store(c + 2 * ldc, va, beta, c20, c21, 2); epilogue.Store(c + 3 * ldc, va, beta, c30, c31, 3);
                epilogue.Store(c + 4 * ldc, va, beta, c40, c41, 4); epilogue.Store(c + 5 * ldc, va, beta, c50, c51, 5);
                epilogue.Store(c + 6 * ldc, va, beta, c60, c61, 6); epilogue.Store(c + 7 * ldc, va, beta, c70, c71, 7);
                return;
            }
            Store512(c, va, beta, c00, c01); Store512(c + ldc, va, beta, c10, c11);
            Store512(c + 2 * ldc, va, beta, c20, c21); Store512(c + 3 * ldc, va, beta, c30, c31);
            Store512(c + 4 * ldc, va, beta, c40, c41); Store512(c + 5 * ldc, va, beta, c50, c51);
            Store512(c + 6 * ldc, va, beta, c60, c61); Store512(c + 7 * ldc, va, beta, c70, c71);
            return;
        }
        (c00 * va).Store(t); (c01 * va).Store(t + 16); (c10 * va).Store(t + 32); (c11 * va).Store(t + 48);
        (c20 * va).Store(t + 64); (c21 * va).Store(t + 80); (c30 * va).Store(t + 96); (c31 * va).Store(t + 112);
        (c40 * va).Store(t + 128); (c41 * va).Store(t + 144); (c50 * va).Store(t + 160); (c51 * va).Store(t + 176);
        (c60 * va).Store(t + 192); (c61 * va).Store(t + 208); (c70 * va).Store(t + 224); (c71 * va).Store(t + 240);
        StoreEdge(t, 32, c, ldc, beta, mr, nr);
    }

    /// <summary>
    /// The 4x32 AVX-512 kernel for a last strip of at most 4 rows (mr &lt;= 4) read where it lies,
    /// element (i, p) at a[i*rs + p*cs]: half the arithmetic of the 8x32 kernel on such a strip.
    /// Each element of C is the same chain of fused multiply-adds over p as in the 8x32 kernel,
    /// and it is stored as the 8x32 kernel stores a strip of fewer than 8 rows (through the tile
    /// buffer: alpha·acc rounded, then + beta·C), so the two give the same bits. Rows past mr
    /// read row mr - 1 again and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512x4x32<TZeros>(int kc, float* a, nint rs, nint cs, float* b, float* c, int ldc, float alpha, float beta, int mr, int nr, float* t,
        int* steps = null) where TZeros : struct, IZeroSkip
    {
        float* a0 = a;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        nint last = mr - 1;
        nint o1 = Math.Min(1, last) * rs, o2 = Math.Min(2, last) * rs, o3 = Math.Min(3, last) * rs;
        for (int p = 0; p < kc; p++, a += cs, b += 32)
        {
            if (TZeros.Listed) a = a0 + steps[p] * cs;
            if (TZeros.A && ((Bits(a[0]) | Bits(a[o1]) | Bits(a[o2]) | Bits(a[o3])) << 1) == 0) continue;
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[o1]);
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[o2]);
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[o3]);
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
        }
        var va = Vector512.Create(alpha);
        (c00 * va).Store(t); (c01 * va).Store(t + 16); (c10 * va).Store(t + 32); (c11 * va).Store(t + 48);
        (c20 * va).Store(t + 64); (c21 * va).Store(t + 80); (c30 * va).Store(t + 96); (c31 * va).Store(t + 112);
        StoreEdge(t, 32, c, ldc, beta, mr, nr);
    }

    /// <summary>A float's bits; shifted left by one, zero exactly for +0 and -0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Bits(float x) => BitConverter.SingleToUInt32Bits(x);

    /// <summary>
    /// Which zero steps the AVX-512 kernels leave out. <see cref="A"/>: a step p whose values of A
    /// in the tile's rows are all ±0 (checked in the loop). <see cref="Listed"/>: B was packed with
    /// its all-zero steps left out (<see cref="Packing.PackBNonzeroSteps"/>), kc counts the steps
    /// kept, and steps[p] is the step of A that goes with B's p-th row. Each element of C is one
    /// chain of fused multiply-adds over p from +0; a zero product leaves a chain that never holds
    /// -0 unchanged, so for finite operands the result has the same bits as the full chain. As in
    /// the reference BLAS (which skips a zero B(l, j)), an infinite or NaN value met only by zeros
    /// is then not propagated.
    /// </summary>
    internal interface IZeroSkip
    {
        /// <summary>Skip a step whose values of A are all zero.</summary>
        static abstract bool A { get; }

        /// <summary>B holds only its nonzero steps, listed in steps.</summary>
        static abstract bool Listed { get; }
    }

    /// <summary>Every step computed (the dense kernels).</summary>
    internal struct NoZeroSkip : IZeroSkip
    {
        public static bool A => false;
        public static bool Listed => false;
    }

    /// <summary>Steps whose values of A are all zero skipped (A a batch of images, many pixels zero).</summary>
    internal struct SkipZeroA : IZeroSkip
    {
        public static bool A => true;
        public static bool Listed => false;
    }

    /// <summary>Only B's nonzero steps, packed and listed (B a batch of images: the first layer's weight gradient).</summary>
    internal struct ListedB : IZeroSkip
    {
        public static bool A => false;
        public static bool Listed => true;
    }

    /// <summary>
    /// The elementwise epilogue of a full 8x32 tile done in the AVX-512 kernel's registers:
    /// + column bias, then ReLU, then zero where the mask is &lt;= 0, then the sigmoid
    /// 1/(1 + exp(-x)), in GemmEpilogue's order and with its operations.
    /// <see cref="Bias"/> points at the tile's first column's bias; <see cref="Mask"/> at the
    /// mask element of the tile's top-left corner, rows <see cref="MaskStride"/> apart.
    /// </summary>
    internal readonly struct TileEpilogue(float* bias, bool relu, float* mask, nint maskStride, bool sigmoid)
    {
        public float* Bias { get; } = bias;
        public float* Mask { get; } = mask;
        public nint MaskStride { get; } = maskStride;
        public bool Relu { get; } = relu;
        public bool Sigmoid { get; } = sigmoid;
        public bool IsSet => Bias != null || Relu || Mask != null || Sigmoid;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(float* c, Vector512<float> alpha, float beta, Vector512<float> lo, Vector512<float> hi, int row)
        {
            if (beta == 0f)
            {
                lo *= alpha;
                hi *= alpha;
            }
            else
            {
                var vb = Vector512.Create(beta);
                lo = Avx512F.FusedMultiplyAdd(lo, alpha, Vector512.Load(c) * vb);
                hi = Avx512F.FusedMultiplyAdd(hi, alpha, Vector512.Load(c + 16) * vb);
            }
            // GemmEpilogue.Elementwise32's operations on a row, written out here: a helper shared by
            // the two made full tiles 2-4% slower (measured). The bit-for-bit epilogue test
            // (GemmEpilogueTests) holds the two to the same results.
            if (Bias != null)
            {
                lo += Vector512.Load(Bias);
                hi += Vector512.Load(Bias + 16);
            }
            var zero = Vector512<float>.Zero;
            if (Relu)
            {
                lo = Vector512.Max(lo, zero);
                hi = Vector512.Max(hi, zero);
            }
            if (Mask != null)
            {
                float* m = Mask + row * MaskStride;
                lo = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(m), zero), lo, zero);
                hi = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(m + 16), zero), hi, zero);
            }
            if (Sigmoid)
            {
                var one = Vector512<float>.One;
                lo = one / (one + Vector512.Exp(-lo));
                hi = one / (one + Vector512.Exp(-hi));
            }
            lo.Store(c);
            hi.Store(c + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> alpha, float beta, Vector512<float> lo, Vector512<float> hi)
    {
        if (beta == 0f)
        {
            (lo * alpha).Store(c);
            (hi * alpha).Store(c + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            Avx512F.FusedMultiplyAdd(lo, alpha, Vector512.Load(c) * vb).Store(c);
            Avx512F.FusedMultiplyAdd(hi, alpha, Vector512.Load(c + 16) * vb).Store(c + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx6x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, int mr, int nr, float* t)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (mr == 6 && nr == 16)
        {
            Store256(c, va, beta, c00, c01); Store256(c + ldc, va, beta, c10, c11);
            Store256(c + 2 * ldc, va, beta, c20, c21); Store256(c + 3 * ldc, va, beta, c30, c31);
            Store256(c + 4 * ldc, va, beta, c40, c41); Store256(c + 5 * ldc, va, beta, c50, c51);
            return;
        }
        (c00 * va).Store(t); (c01 * va).Store(t + 8); (c10 * va).Store(t + 16); (c11 * va).Store(t + 24);
        (c20 * va).Store(t + 32); (c21 * va).Store(t + 40); (c30 * va).Store(t + 48); (c31 * va).Store(t + 56);
        (c40 * va).Store(t + 64); (c41 * va).Store(t + 72); (c50 * va).Store(t + 80); (c51 * va).Store(t + 88);
        StoreEdge(t, 16, c, ldc, beta, mr, nr);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, Vector256<float> alpha, float beta, Vector256<float> lo, Vector256<float> hi)
    {
        if (beta == 0f)
        {
            (lo * alpha).Store(c);
            (hi * alpha).Store(c + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            Fma.MultiplyAdd(lo, alpha, Vector256.Load(c) * vb).Store(c);
            Fma.MultiplyAdd(hi, alpha, Vector256.Load(c + 8) * vb).Store(c + 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void V128x4x8(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, int mr, int nr, float* t)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var av = Vector128.Create(a[0]);
            c00 = Madd(av, b0, c00); c01 = Madd(av, b1, c01);
            av = Vector128.Create(a[1]);
            c10 = Madd(av, b0, c10); c11 = Madd(av, b1, c11);
            av = Vector128.Create(a[2]);
            c20 = Madd(av, b0, c20); c21 = Madd(av, b1, c21);
            av = Vector128.Create(a[3]);
            c30 = Madd(av, b0, c30); c31 = Madd(av, b1, c31);
            a += 4;
            b += 8;
        }
        var va = Vector128.Create(alpha);
        (c00 * va).Store(t); (c01 * va).Store(t + 4); (c10 * va).Store(t + 8); (c11 * va).Store(t + 12);
        (c20 * va).Store(t + 16); (c21 * va).Store(t + 20); (c30 * va).Store(t + 24); (c31 * va).Store(t + 28);
        StoreEdge(t, 8, c, ldc, beta, mr, nr);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Madd(Vector128<float> x, Vector128<float> y, Vector128<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, acc) : acc + x * y;

    public static void Scalar4x8(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, int mr, int nr, float* t)
    {
        new Span<float>(t, 32).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < 4; i++)
            {
                float av = a[i];
                float* row = t + i * 8;
                for (int j = 0; j < 8; j++) row[j] += av * b[j];
            }
            a += 4;
            b += 8;
        }
        for (int i = 0; i < 32; i++) t[i] *= alpha;
        StoreEdge(t, 8, c, ldc, beta, mr, nr);
    }

    /// <summary>Writes the top-left mr x nr of a tile (already scaled by alpha) into C.</summary>
    private static void StoreEdge(float* t, int ldt, float* c, int ldc, float beta, int mr, int nr)
    {
        for (int i = 0; i < mr; i++)
        {
            float* ci = c + (long)i * ldc;
            float* ti = t + i * ldt;
            if (beta == 0f) for (int j = 0; j < nr; j++) ci[j] = ti[j];
            else for (int j = 0; j < nr; j++) ci[j] = ti[j] + beta * ci[j];
        }
    }
}
