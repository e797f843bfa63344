using System.Buffers.Binary;
using System.Text;
using CsCheck;
using InitLab.Io;

using Case = InitLab.Tests.ReaderFuzz.Case;

namespace InitLab.Tests.Io;

/// <summary>
/// Untrusted model files: 10,000 mutated safetensors files. The reader may succeed or throw
/// SafeTensorsFormatException, nothing else, and allocates no more than the file justifies.
/// </summary>
public class SafeTensorsFuzzTests
{
    private static readonly Gen<byte[]> Valid =
        from count in Gen.Int[0, 4]
        from seed in Gen.Int
        select Build(count, seed);

    private static byte[] Build(int count, int seed)
    {
        var r = new System.Random(seed);
        var tensors = Enumerable.Range(0, count).Select(i =>
        {
            int[] shape = r.Next(3) switch { 0 => [r.Next(0, 5)], 1 => [r.Next(1, 4), r.Next(1, 4)], _ => [] };
            var data = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (int j = 0; j < data.Length; j++) data[j] = (float)r.NextDouble();
            return new NamedTensor($"{2 * i}.weight", shape, data);
        }).ToArray();
        var ms = new MemoryStream();
        SafeTensors.Write(ms, tensors, r.Next(2) == 0 ? null : new Dictionary<string, string> { ["format"] = "pt" });
        return ms.ToArray();
    }

    private static readonly string[] Tokens = ["\"F32\"", "\"F64\"", "\"F16\"", "\"BF16\"", "\"I8\"", "\"X\"", "-1", "0", "4", "8", "99999999999", "1e300", "2.5",
        "null", "[]", "{}", "[0,4]", "[4,0]", "\"__metadata__\"", ",", ":", "\"", "]", "}", "\\u0000", "18446744073709551616"];

    private static readonly ulong[] NastyLengths = [0, 1, 7, 8, 100_000_000, 100_000_001, ulong.MaxValue, long.MaxValue, 1UL << 32, 1UL << 31];

    private static readonly Gen<(string How, Func<byte[], System.Random, byte[]> Apply)> Mutation = Gen.OneOf<(string, Func<byte[], System.Random, byte[]>)>(
        ("none", (b, _) => b),
        ("bit flip", (b, r) => { var c = (byte[])b.Clone(); if (c.Length > 0) c[r.Next(c.Length)] ^= (byte)(1 << r.Next(8)); return c; }),
        ("length bit flip", (b, r) => { var c = (byte[])b.Clone(); if (c.Length >= 8) c[r.Next(8)] ^= (byte)(1 << r.Next(8)); return c; }),
        ("nasty length", (b, r) => { var c = (byte[])b.Clone(); if (c.Length >= 8) BinaryPrimitives.WriteUInt64LittleEndian(c, NastyLengths[r.Next(NastyLengths.Length)]); return c; }),
        ("truncation", (b, r) => b[..r.Next(b.Length + 1)]),
        ("insertion", (b, r) => { int at = r.Next(b.Length + 1); var extra = new byte[r.Next(1, 9)]; r.NextBytes(extra); return [.. b[..at], .. extra, .. b[at..]]; }),
        ("header token", ReplaceToken),
        ("digit change", (b, r) => ChangeDigit(b, r)),
        ("trailing zeros", (b, r) => [.. b, .. new byte[r.Next(1, 5000)]]),
        ("random bytes", (_, r) => { var c = new byte[r.Next(0, 64)]; r.NextBytes(c); return c; }));

    /// <summary>Swaps a JSON token in the header for a nasty one, and fixes the length field so the JSON is what gets tested.</summary>
    private static byte[] ReplaceToken(byte[] b, System.Random r)
    {
        if (b.Length < 8) return b;
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(b);
        if (n > (ulong)(b.Length - 8)) return b;
        string header = Encoding.UTF8.GetString(b, 8, (int)n);
        int at = r.Next(header.Length + 1), len = r.Next(0, Math.Min(6, header.Length - at) + 1);
        string changed = header[..at] + Tokens[r.Next(Tokens.Length)] + header[(at + len)..];
        return SafeTensorsTests.Raw(changed, b[(8 + (int)n)..]);
    }

    private static byte[] ChangeDigit(byte[] b, System.Random r)
    {
        var c = (byte[])b.Clone();
        var digits = Enumerable.Range(8, Math.Max(0, c.Length - 8)).Where(i => c[i] is >= (byte)'0' and <= (byte)'9').ToArray();
        if (digits.Length > 0) c[digits[r.Next(digits.Length)]] = (byte)('0' + r.Next(10));
        return c;
    }

    private static readonly Gen<Case> Cases = ReaderFuzz.TwiceMutated(Valid, Mutation);

    [Fact]
    public void MutatedFilesGiveOnlyFormatErrorsAndSmallAllocations()
    {
        ReaderFuzz.Check<Case, SafeTensorsFormatException>(Cases, c => c.Bytes, c => c.How,
            (_, stream) =>
            {
                var content = SafeTensors.Read(stream, "fuzz");
                foreach (var t in content.Tensors) Assert.Equal(t.Shape.Aggregate(1L, (a, d) => a * d), t.Data.LongLength);
            },
            e => (e.FilePath, e.Problem));
    }
}
