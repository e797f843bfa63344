using System.Buffers.Binary;
using System.IO.Compression;
using CsCheck;
using InitLab.Data;

namespace InitLab.Tests.Data;

/// <summary>
/// Untrusted IDX input: thousands of mutated headers and files thrown at the reader. It may
/// succeed or throw IdxFormatException, nothing else; it allocates no more than the file
/// justifies; and every case is small, so a loop that failed to stop would show as a hang here.
/// </summary>
public class IdxFuzzTests
{
    /// <summary>One fuzz case: the bytes of a file and the rank the reader is asked for.</summary>
    public sealed record Case(byte[] Bytes, int Rank, string How);

    private static readonly Gen<byte[]> ValidIdx =
        from rank in Gen.OneOf(1, 3)
        from count in Gen.Int[0, 6]
        from rows in Gen.Int[1, 6]
        from cols in Gen.Int[1, 6]
        from seed in Gen.Int
        select Valid(rank, count, rows, cols, seed);

    private static byte[] Valid(int rank, int count, int rows, int cols, int seed)
    {
        int[] dims = rank == 1 ? [count] : [count, rows, cols];
        var payload = new byte[dims.Aggregate(1, (a, b) => a * b)];
        new System.Random(seed).NextBytes(payload);
        return IdxWriter.Bytes(8, dims, payload);
    }

    private static readonly int[] NastyInts = [0, 1, -1, 255, 256, 1 << 16, 1 << 20, 1 << 24, int.MaxValue, int.MinValue, 100_000, 60_000];

    /// <summary>A mutation of a file: each takes the bytes and a random source and returns new bytes.</summary>
    private static readonly Gen<(string How, Func<byte[], System.Random, byte[]> Apply)> Mutation = Gen.OneOf<(string, Func<byte[], System.Random, byte[]>)>(
        ("none", (b, _) => b),
        ("bit flip", (b, r) => { var c = (byte[])b.Clone(); if (c.Length > 0) c[r.Next(c.Length)] ^= (byte)(1 << r.Next(8)); return c; }),
        ("header bit flips", (b, r) => { var c = (byte[])b.Clone(); for (int i = 0; i < 3; i++) if (c.Length > 0) c[r.Next(Math.Min(c.Length, 16))] ^= (byte)(1 << r.Next(8)); return c; }),
        ("truncation", (b, r) => b[..r.Next(b.Length + 1)]),
        ("insertion", (b, r) => { int at = r.Next(b.Length + 1); var extra = new byte[r.Next(1, 9)]; r.NextBytes(extra); return [.. b[..at], .. extra, .. b[at..]]; }),
        ("wrong dim", (b, r) => SetDim(b, r, r.Next(-3, 40))),
        ("huge dim", (b, r) => SetDim(b, r, NastyInts[r.Next(NastyInts.Length)])),
        ("wrong rank", (b, r) => { var c = (byte[])b.Clone(); if (c.Length > 3) c[3] = (byte)r.Next(256); return c; }),
        ("wrong type", (b, r) => { var c = (byte[])b.Clone(); if (c.Length > 2) c[2] = (byte)r.Next(256); return c; }),
        ("trailing zeros", (b, r) => [.. b, .. new byte[r.Next(1, 5000)]]),
        ("random bytes", (_, r) => { var c = new byte[r.Next(0, 64)]; r.NextBytes(c); return c; }));

    private static byte[] SetDim(byte[] b, System.Random r, int value)
    {
        var c = (byte[])b.Clone();
        int dims = (c.Length - 4) / 4;
        if (c.Length < 8 || dims < 1) return c;
        BinaryPrimitives.WriteInt32BigEndian(c.AsSpan(4 + 4 * r.Next(Math.Min(dims, 3))), value);
        return c;
    }

    /// <summary>Plain, gzip of the mutated bytes, or the valid file gzipped and then the compressed bytes mutated.</summary>
    private static readonly Gen<Case> Cases =
        from valid in ValidIdx
        from m1 in Mutation
        from m2 in Mutation
        from wrap in Gen.Int[0, 2]
        from seed in Gen.Int
        from rank in Gen.Frequency((4, -1), (1, 1), (1, 2), (1, 3))
        select Build(valid, m1, m2, wrap, seed, rank);

    private static Case Build(byte[] valid, (string How, Func<byte[], System.Random, byte[]> Apply) m1,
        (string How, Func<byte[], System.Random, byte[]> Apply) m2, int wrap, int seed, int rank)
    {
        var r = new System.Random(seed);
        int expected = rank > 0 ? rank : valid[3];
        return wrap switch
        {
            0 => new Case(m2.Apply(m1.Apply(valid, r), r), expected, $"{m1.How}, {m2.How}"),
            1 => new Case(IdxWriter.Gzip(m2.Apply(m1.Apply(valid, r), r)), expected, $"gzip of ({m1.How}, {m2.How})"),
            _ => new Case(m2.Apply(IdxWriter.Gzip(m1.Apply(valid, r)), r), expected, $"{m2.How} of gzip of ({m1.How})"),
        };
    }

    [Fact]
    public void MutatedFilesGiveOnlyFormatErrorsAndSmallAllocations()
    {
        ReaderFuzz.Check<Case, IdxFormatException>(Cases, c => c.Bytes, c => $"{c.How}: rank {c.Rank}",
            (c, stream) =>
            {
                var idx = IdxFile.Read(stream, "fuzz", c.Rank);
                Assert.Equal(idx.Dimensions.Aggregate(1L, (a, d) => a * d), idx.Data.LongLength);
            },
            e => (e.FilePath, e.Problem));
    }

    [Fact]
    public void AGzipBombIsStoppedOneByteAfterTheHeadersSize()
    {
        // A header for 10 labels, then 10 labels, then 64 MiB of zeros: ~64 KB compressed.
        var compressed = new MemoryStream();
        using (var gz = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(IdxWriter.Bytes(8, [10], new byte[10]));
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) gz.Write(zeros);
        }
        compressed.Position = 0;
        var counting = new CountingStream(compressed);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(counting, "bomb.gz", 1));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("decompresses to more than the 10 bytes of data its header describes (trailing data or a gzip bomb)", e.Message);
        // Reading stopped early: a small part of the compressed stream was consumed, and little was allocated.
        Assert.True(counting.BytesRead < compressed.Length / 4, $"read {counting.BytesRead:N0} of {compressed.Length:N0} compressed bytes");
        Assert.True(allocated < 1 << 20, $"allocated {allocated:N0} bytes");
    }
}
