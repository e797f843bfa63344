using System.Buffers.Binary;

namespace InitLab.Cli;

/// <summary>
/// The chunk structure of a PNG (signature, then length, type, data, CRC per chunk, IHDR first,
/// IEND last), checked in one linear pass before any pixel is decoded. Only the chunks that make
/// the pixels (IHDR, PLTE, tRNS, IDAT, IEND, and unknown critical ones, which the decoder must
/// refuse) are passed on: libpng's handling of a large tEXt chunk took 51 s for 10 MB (quadratic),
/// and nothing in text, colour profiles or other ancillary chunks changes a grey digit.
/// </summary>
internal static class PngChunks
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10];

    /// <summary>True when <paramref name="file"/> starts with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> file) => file.StartsWith(Signature);

    /// <summary>
    /// The PNG with only its essential chunks, in order. An <see cref="InvalidDataException"/>
    /// names the problem: a chunk reaching past the end of the file (truncated), no IEND, a first
    /// chunk other than a 13-byte IHDR, a width or height of 0 or over <paramref name="maxSide"/>,
    /// no IDAT, a chunk type that is not four letters.
    /// </summary>
    public static byte[] Essential(byte[] file, int maxSide)
    {
        if (!IsPng(file)) throw new InvalidDataException("not a PNG (no PNG signature)");
        var kept = new MemoryStream();
        kept.Write(Signature);
        long at = Signature.Length;
        bool idat = false;
        for (int index = 0; ; index++)
        {
            if (file.Length - at < 12)
                throw new InvalidDataException(index == 0 ? "not an image SkiaSharp can decode (truncated: no IHDR chunk)"
                    : $"truncated: the file ends at byte {file.Length:N0} without an IEND chunk");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan((int)at));
            var typeBytes = file.AsSpan((int)at + 4, 4);
            string type = System.Text.Encoding.ASCII.GetString(typeBytes);
            foreach (byte b in typeBytes)
                if (!char.IsAsciiLetter((char)b)) throw new InvalidDataException($"chunk {index} at byte {at:N0} has type {Convert.ToHexString(typeBytes)}, not four letters (corrupt)");
            if (length > int.MaxValue || length > file.Length - at - 12)
                throw new InvalidDataException($"truncated: chunk {type} at byte {at:N0} declares {length:N0} bytes but the file ends at byte {file.Length:N0}");
            if (index == 0) CheckHeader(file.AsSpan((int)at + 8, (int)length), type, maxSide);
            else if (type == "IHDR") throw new InvalidDataException($"a second IHDR chunk at byte {at:N0}");
            long size = 12 + length;
            if (type is "IHDR" or "PLTE" or "tRNS" or "IDAT" or "IEND" || char.IsAsciiLetterUpper(type[0]))
                kept.Write(file, (int)at, (int)size);
            idat |= type == "IDAT";
            at += size;
            if (type == "IEND")
            {
                if (!idat) throw new InvalidDataException("no IDAT chunk: the PNG holds no image data");
                return kept.ToArray();
            }
        }
    }

    private static void CheckHeader(ReadOnlySpan<byte> data, string type, int maxSide)
    {
        if (type != "IHDR" || data.Length != 13) throw new InvalidDataException($"the first chunk is {type} of {data.Length} bytes, not a 13-byte IHDR (corrupt)");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data), height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        if (width == 0 || height == 0) throw new InvalidDataException($"the header declares an empty {width}x{height} image");
        // From the header, before anything is decoded or allocated: a 128-byte file may declare 50000x50000.
        if (width > maxSide || height > maxSide)
            throw new InvalidDataException($"the header declares {width}x{height} pixels; at most {maxSide}x{maxSide} are read");
    }
}
