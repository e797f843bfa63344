namespace InitLab.Random;

/// <summary>
/// Scalar emulations of the float32 log and sin/cos that PyTorch's AVX2 normal_ uses
/// (ATen/native/cpu/avx_mathfun.h: Cephes polynomials, with the multiply-adds the compiler
/// fuses), so that InitLab's normal draws match PyTorch's bits.
/// </summary>
internal static class AvxMath
{
    private static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    private static uint Bits(float x) => BitConverter.SingleToUInt32Bits(x);
    private static float FromBits(uint b) => BitConverter.UInt32BitsToSingle(b);

    /// <summary>log256_ps for one lane (x &gt; 0).</summary>
    public static float Log(float x)
    {
        const float one = 1f;
        x = MathF.Max(x, FromBits(0x00800000)); // cut off denormals
        uint xi = Bits(x);
        uint imm0 = xi >> 23;
        x = FromBits((xi & ~0x7f800000u) | Bits(0.5f)); // keep the mantissa: x in [0.5, 1)
        float e = (float)((int)imm0 - 0x7f);
        e += one;
        bool small = x < 0.707106781186547524f;
        float tmp = small ? x : 0f;
        x -= one;
        e -= small ? one : 0f;
        x += tmp;
        float z = x * x;
        float y = 7.0376836292E-2f;
        y = Fma(y, x, -1.1514610310E-1f);
        y = Fma(y, x, 1.1676998740E-1f);
        y = Fma(y, x, -1.2420140846E-1f);
        y = Fma(y, x, 1.4249322787E-1f);
        y = Fma(y, x, -1.6668057665E-1f);
        y = Fma(y, x, 2.0000714765E-1f);
        y = Fma(y, x, -2.4999993993E-1f);
        y = Fma(y, x, 3.3333331174E-1f);
        y *= x;
        y = Fma(y, z, e * -2.12194440e-4f);
        y = Fma(-z, 0.5f, y);
        x += y;
        return Fma(e, 0.693359375f, x);
    }

    /// <summary>sincos256_ps for one lane.</summary>
    public static (float Sin, float Cos) SinCos(float x)
    {
        uint signSin = Bits(x) & 0x80000000u;
        x = MathF.Abs(x);
        float y = x * 1.27323954473516f; // 4 / pi
        int j = (int)y;
        j = (j + 1) & ~1;
        y = j;
        uint swapSin = (uint)(j & 4) << 29;
        bool polyIsSin = (j & 2) == 0;
        x = Fma(y, -0.78515625f, x);
        x = Fma(y, -2.4187564849853515625e-4f, x);
        x = Fma(y, -3.77489497744594108e-8f, x);
        uint signCos = (uint)(~(j - 2) & 4) << 29;
        signSin ^= swapSin;
        float z = x * x;
        float yc = 2.443315711809948E-005f;
        yc = Fma(yc, z, -1.388731625493765E-003f);
        yc = Fma(yc, z, 4.166664568298827E-002f);
        yc *= z;
        yc = Fma(yc, z, -(z * 0.5f));
        yc += 1f;
        float ys = -1.9515295891E-4f;
        ys = Fma(ys, z, 8.3321608736E-3f);
        ys = Fma(ys, z, -1.6666654611E-1f);
        ys *= z;
        ys = Fma(ys, x, x);
        float s = polyIsSin ? ys : yc, c = polyIsSin ? yc : ys;
        return (FromBits(Bits(s) ^ signSin), FromBits(Bits(c) ^ signCos));
    }
}
