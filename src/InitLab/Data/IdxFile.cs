using System.Buffers.Binary;
using System.IO.Compression;

namespace InitLab.Data;

/// <summary>
/// A parsed IDX file (the MNIST format): unsigned-byte data with big-endian int32 dimensions.
/// Files may be raw or gzip-compressed (detected by the gzip magic, not the name).
/// </summary>
public sealed class IdxFile
{
    /// <summary>The largest expansion DEFLATE can achieve (about 1032:1); a header that claims
    /// more data than this allows for the compressed size is rejected before any allocation.</summary>
    private const long MaxDeflateRatio = 1032;

    private IdxFile(int[] dims, byte[] data) => (Dimensions, Data) = (dims, data);

    /// <summary>The dimensions from the header, outermost (item count) first.</summary>
    public int[] Dimensions { get; }

    /// <summary>The payload, row-major, exactly the product of the dimensions.</summary>
    public byte[] Data { get; }

    /// <summary>Number of items: the first dimension (images or labels).</summary>
    public int Count => Dimensions[0];

    /// <summary>Reads and validates an IDX file of unsigned bytes with the given number of dimensions.</summary>
    public static IdxFile Read(string path, int expectedRank)
    {
        FileStream file;
        try
        {
            // Not File.OpenRead: a FIFO would block it forever (see Io.InputFile).
            file = Io.InputFile.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IdxFormatException(path, $"cannot be opened ({e.Message}).");
        }
        using (file) return Read(file, path, expectedRank);
    }

    /// <summary>
    /// Reads an IDX file from a seekable stream positioned at its start; <paramref name="name"/>
    /// names it in errors. Every problem is an <see cref="IdxFormatException"/>; nothing is
    /// allocated beyond what the stream's length (or, for gzip, the data actually decompressed) justifies.
    /// </summary>
    public static IdxFile Read(Stream stream, string name, int expectedRank)
    {
        long fileLength = stream.Length - stream.Position;
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        bool gz = stream.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        stream.Position = start;
        try
        {
            // The caller's stream stays open either way; only the gzip wrapper is disposed.
            using var unzip = gz ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : null;
            long maxPayload = gz ? fileLength * MaxDeflateRatio : fileLength;
            return Parse(name, unzip ?? stream, expectedRank, maxPayload, gz);
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException(name, $"the gzip stream is corrupt ({e.Message}).");
        }
        catch (IOException e)
        {
            throw new IdxFormatException(name, $"could not be read ({e.Message}).");
        }
    }

    private static IdxFile Parse(string path, Stream s, int expectedRank, long maxPayload, bool gz)
    {
        Span<byte> head = stackalloc byte[4];
        if (s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < 4) throw new IdxFormatException(path, "is too short to hold an IDX header (4 bytes).");
        if (head[0] != 0 || head[1] != 0)
            throw new IdxFormatException(path, $"wrong magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(head):X8}: not an IDX file (expected 0x0000 then type and rank).");
        if (head[2] != 0x08)
            throw new IdxFormatException(path, $"data type 0x{head[2]:X2} is not supported; only unsigned byte (0x08) is.");
        int rank = head[3];
        if (rank != expectedRank)
            throw new IdxFormatException(path, $"has {rank} dimensions where {expectedRank} were expected (magic 0x{BinaryPrimitives.ReadUInt32BigEndian(head):X8}).");
        Span<byte> dimBytes = stackalloc byte[4 * rank];
        if (s.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false) < dimBytes.Length) throw new IdxFormatException(path, "is truncated inside its header.");
        var dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            int d = BinaryPrimitives.ReadInt32BigEndian(dimBytes[(4 * i)..]);
            if (d < 0) throw new IdxFormatException(path, $"dimension {i} is negative ({d}).");
            dims[i] = d;
            total *= d;
            if (total > Array.MaxLength) throw new IdxFormatException(path, $"header claims {string.Join("x", dims[..(i + 1)])} items, more than any file of this kind can hold.");
        }
        if (!gz) maxPayload -= 4 + 4 * rank;
        if (total > maxPayload)
            throw new IdxFormatException(path, $"header claims {total:N0} bytes of data ({string.Join("x", dims)}) but the file {(gz ? "cannot decompress to that much" : $"holds only {maxPayload:N0} bytes")}; it is truncated or the header is wrong.");
        var data = ReadPayload(path, s, (int)total, gz);
        return new IdxFile(dims, data);
    }

    /// <summary>
    /// Reads exactly n bytes. A raw file's n is already bounded by its length, so the buffer is
    /// allocated at once; a gzip stream's buffer grows only as data arrives, so a lying header
    /// cannot force a large allocation. One byte past n is enough to detect trailing data or a
    /// gzip bomb, so reading stops there instead of decompressing the rest.
    /// </summary>
    private static byte[] ReadPayload(string path, Stream s, int n, bool gz)
    {
        byte[] buffer = new byte[gz ? Math.Min(n, 1 << 16) : n];
        int got = 0;
        while (got < n)
        {
            if (got == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(n, (long)buffer.Length * 2));
            int r = s.Read(buffer, got, buffer.Length - got);
            if (r == 0) throw new IdxFormatException(path, $"is truncated: header promises {n:N0} bytes of data, found {got:N0}{(gz ? " after decompression" : "")}.");
            got += r;
        }
        if (s.ReadByte() >= 0)
            throw new IdxFormatException(path, gz
                ? $"decompresses to more than the {n:N0} bytes of data its header describes (trailing data or a gzip bomb); reading stopped there."
                : $"has trailing bytes after the {n:N0} bytes of data its header describes.");
        return buffer;
    }
}
