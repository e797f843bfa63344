using System.Buffers.Binary;
using System.Text;
using CsCheck;
using InitLab.Cli;
using SkiaSharp;

using Case = InitLab.Tests.ReaderFuzz.Case;

namespace InitLab.Tests.Cli;

/// <summary>
/// Untrusted images for predict --image: 10,000 mutated PNGs. The reader may succeed (grey values
/// in [0, 1], the declared size) or throw a UserInputException naming the file, nothing else, and
/// allocates no more than the file justifies.
/// </summary>
public class PngFuzzTests
{
    internal static byte[] Png(int width, int height, int seed, SKColorType type = SKColorType.Rgba8888)
    {
        var r = new System.Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, type, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static readonly Gen<byte[]> Valid =
        from w in Gen.Int[1, 24]
        from h in Gen.Int[1, 24]
        from grey in Gen.Bool
        from seed in Gen.Int
        select Png(w, h, seed, grey ? SKColorType.Gray8 : SKColorType.Rgba8888);

    internal static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    /// <summary>A chunk with a correct CRC, so the mutation tests what follows the CRC check.</summary>
    internal static byte[] Chunk(string type, byte[] data)
    {
        var c = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(c, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, c.AsSpan(4));
        data.CopyTo(c, 8);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(8 + data.Length), Crc(c.AsSpan(4, 4 + data.Length)));
        return c;
    }

    /// <summary>The PNG with its IHDR's width and height replaced (CRC fixed).</summary>
    internal static byte[] Declare(byte[] png, uint width, uint height)
    {
        var c = (byte[])png.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(16), width);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(29), Crc(c.AsSpan(12, 17)));
        return c;
    }

    /// <summary>The PNG with a chunk inserted right after IHDR.</summary>
    internal static byte[] Insert(byte[] png, byte[] chunk) => [.. png[..33], .. chunk, .. png[33..]];

    private static readonly uint[] NastySides = [0, 1, 4097, 50_000, 1u << 31, uint.MaxValue, 300];

    private static readonly Gen<(string How, Func<byte[], System.Random, byte[]> Apply)> Mutation = Gen.OneOf<(string, Func<byte[], System.Random, byte[]>)>(
        ("none", (b, _) => b),
        ("bit flip", (b, r) => { var c = (byte[])b.Clone(); if (c.Length > 0) c[r.Next(c.Length)] ^= (byte)(1 << r.Next(8)); return c; }),
        ("truncation", (b, r) => b[..r.Next(b.Length + 1)]),
        ("half", (b, _) => b[..(b.Length / 2)]),
        ("insertion", (b, r) => { int at = r.Next(b.Length + 1); var extra = new byte[r.Next(1, 9)]; r.NextBytes(extra); return [.. b[..at], .. extra, .. b[at..]]; }),
        ("declared size", (b, r) => b.Length >= 33 ? Declare(b, NastySides[r.Next(NastySides.Length)], NastySides[r.Next(NastySides.Length)]) : b),
        ("text chunk", (b, r) => b.Length >= 33 ? Insert(b, Chunk("tEXt", Encoding.ASCII.GetBytes("Comment\0" + new string('x', r.Next(0, 20_000))))) : b),
        ("chunk length", (b, r) => { var c = (byte[])b.Clone(); if (c.Length >= 12) BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(8), (uint)r.Next()); return c; }),
        ("trailing bytes", (b, r) => [.. b, .. new byte[r.Next(1, 100)]]),
        ("random bytes", (_, r) => { var c = new byte[r.Next(0, 64)]; r.NextBytes(c); return c; }));

    private static readonly Gen<Case> Cases = ReaderFuzz.TwiceMutated(Valid, Mutation);

    [Fact]
    public void MutatedPngsGiveOnlyUserErrorsAndSmallAllocations()
    {
        ReaderFuzz.Check<Case, UserInputException>(Cases, c => c.Bytes, c => c.How,
            (c, _) =>
            {
                var (grey, w, h) = GreyImage.FromBytes(c.Bytes, "fuzz");
                Assert.InRange(w, 1, GreyImage.MaxSide);
                Assert.InRange(h, 1, GreyImage.MaxSide);
                Assert.Equal(w * h, grey.Length);
                Assert.All(grey, v => Assert.InRange(v, 0f, 1f));
            },
            e =>
            {
                Assert.StartsWith("--image fuzz: ", e.Message);
                return ("fuzz", e.Message["--image fuzz: ".Length..]);
            });
    }

    [Fact]
    public void HalfAPngIsAnError()
    {
        var png = Png(20, 20, 3);
        var e = Assert.Throws<UserInputException>(() => GreyImage.FromBytes(png[..(png.Length / 2)], "half.png"));
        Assert.Contains("--image half.png: truncated", e.Message);
    }

    [Fact]
    public void DimensionsAreCheckedFromTheHeaderBeforeDecoding()
    {
        var bomb = Declare(Png(4, 4, 1), 50_000, 50_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<UserInputException>(() => GreyImage.FromBytes(bomb, "bomb.png"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("declares 50000x50000 pixels; at most 4096x4096", e.Message);
    }

    [Fact]
    public void TextChunksNeverReachTheDecoder()
    {
        // libpng took 51 s for a 10 MB tEXt chunk (quadratic); the chunk walk is one pass and drops
        // it, so the decoder sees the same bytes as without it.
        var png = Png(28, 28, 5);
        var file = Insert(png, Chunk("tEXt", Encoding.ASCII.GetBytes("Comment\0" + new string('x', 10 << 20))));
        Assert.Equal(PngChunks.Essential(png, GreyImage.MaxSide), PngChunks.Essential(file, GreyImage.MaxSide));
        Assert.Equal(GreyImage.FromBytes(png, "a.png").Grey, GreyImage.FromBytes(file, "b.png").Grey);
    }
}
