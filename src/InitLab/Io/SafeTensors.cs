using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace InitLab.Io;

/// <summary>One named tensor: row-major float32 values and their shape.</summary>
/// <param name="Name">The tensor's name in the file (PyTorch state_dict names for models).</param>
/// <param name="Shape">Its dimensions, outermost first.</param>
/// <param name="Data">The values, row-major; as many as the shape's product.</param>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data)
{
    /// <summary>
    /// The dtype it is written with: "F32" (the default), or "I64" for a tensor of whole numbers
    /// stored as PyTorch stores an int64 buffer (num_batches_tracked). A tensor read from an I64
    /// entry says "I64" (its values as floats, exact up to 2^24); every other dtype reads as "F32".
    /// </summary>
    public string Dtype { get; init; } = "F32";
}

/// <summary>One named tensor of unsigned 32-bit integers (dtype U32), e.g. a generator's state words.</summary>
/// <param name="Name">The tensor's name in the file.</param>
/// <param name="Shape">Its dimensions, outermost first.</param>
/// <param name="Data">The values, row-major.</param>
public sealed record NamedU32Tensor(string Name, int[] Shape, uint[] Data);

/// <summary>
/// The tensors of a safetensors file, in the order their bytes appear, and its string metadata.
/// Floating-point tensors (F32, F64, F16, BF16, read as float32) are in <see cref="Tensors"/>;
/// U32 tensors, kept exact, in <see cref="U32Tensors"/>.
/// </summary>
/// <param name="Tensors">The float tensors, in file order.</param>
/// <param name="Metadata">The header's __metadata__ strings (empty when absent).</param>
public sealed record SafeTensorsContent(IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The U32 tensors (e.g. "generator.state"), values exact; empty for files with none.</summary>
    public IReadOnlyList<NamedU32Tensor> U32Tensors { get; init; } = [];

    /// <summary>The tensor called <paramref name="name"/>, or null.</summary>
    public NamedTensor? Find(string name) => Tensors.FirstOrDefault(t => t.Name == name);
}

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N,
/// N bytes of UTF-8 JSON describing each tensor (dtype, shape, data_offsets relative to the
/// buffer) plus an optional "__metadata__" string map, then the byte buffer. Written by hand
/// because no well-kept .NET package reads it; the format is a page long.
/// </summary>
public static class SafeTensors
{
    /// <summary>The reference implementation's limit on the JSON header (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Metadata key: the SHA-256 (lower-case hex) of the data buffer, every byte after the header.
    /// InitLab writes it into its model files and checkpoints; <see cref="Read(Stream, string)"/>
    /// verifies it when present (files from other tools, without it, load as before).
    /// </summary>
    public const string ChecksumKey = "initlab.sha256";

    private const string MetadataKey = "__metadata__";

    /// <summary>Bytes per element of every dtype the format defines; the readable ones are F32, F64, F16, BF16, I64 and U32.</summary>
    private static readonly Dictionary<string, int> DtypeSizes = new()
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1, ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4, ["F64"] = 8, ["I64"] = 8, ["U64"] = 8,
    };

    /// <summary>
    /// Writes the tensors (F32, or I64 where <see cref="NamedTensor.Dtype"/> says so), then U32
    /// tensors, in the given order, to a stream. The header is padded with spaces to a multiple of 8 bytes.
    /// </summary>
    public static void Write(Stream stream, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        IReadOnlyList<NamedU32Tensor>? u32 = null)
    {
        u32 ??= [];
        foreach (var t in tensors) CheckDtype(t);
        var all = tensors.Select(t => (t.Name, t.Shape, t.Dtype, Length: (long)t.Data.Length))
            .Concat(u32.Select(t => (t.Name, t.Shape, Dtype: "U32", Length: (long)t.Data.Length))).ToArray();
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            var seen = new HashSet<string>();
            foreach (var t in all)
            {
                if (t.Name == MetadataKey || !seen.Add(t.Name)) throw new ArgumentException($"Tensor name '{t.Name}' is reserved or used twice.");
                if (t.Shape.Aggregate(1L, (a, d) => a * d) != t.Length)
                    throw new ArgumentException($"Tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}] but {t.Length} values.");
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.Dtype);
                w.WriteStartArray("shape");
                foreach (int d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset += (t.Dtype == "I64" ? 8L : 4L) * t.Length);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int pad = (int)((8 - json.Length % 8) % 8);
        for (int i = 0; i < pad; i++) json.WriteByte((byte)' ');
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)json.Length);
        stream.Write(len);
        json.Position = 0;
        json.CopyTo(stream);
        Span<byte> b = stackalloc byte[4];
        foreach (var t in tensors) WriteData(t, stream.Write);
        foreach (var t in u32)
        {
            if (BitConverter.IsLittleEndian) stream.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            else foreach (uint u in t.Data) { BinaryPrimitives.WriteUInt32LittleEndian(b, u); stream.Write(b); }
        }
    }

    private delegate void ByteSink(ReadOnlySpan<byte> bytes);

    /// <summary>A tensor's bytes as the file holds them: float32, or int64 for an I64 tensor, little-endian.</summary>
    private static void WriteData(NamedTensor t, ByteSink sink)
    {
        Span<byte> b = stackalloc byte[8];
        if (t.Dtype == "I64")
            foreach (float f in t.Data) { BinaryPrimitives.WriteInt64LittleEndian(b, (long)f); sink(b); }
        else if (BitConverter.IsLittleEndian) sink(MemoryMarshal.AsBytes(t.Data.AsSpan()));
        else foreach (float f in t.Data) { BinaryPrimitives.WriteSingleLittleEndian(b[..4], f); sink(b[..4]); }
    }

    private static void CheckDtype(NamedTensor t)
    {
        if (t.Dtype is not ("F32" or "I64")) throw new ArgumentException($"Tensor '{t.Name}' has dtype {t.Dtype}; InitLab writes F32 and I64.");
        if (t.Dtype == "I64" && t.Data.Any(v => v != MathF.Floor(v) || !float.IsFinite(v)))
            throw new ArgumentException($"Tensor '{t.Name}' is written as I64 but holds a value that is not a whole number.");
    }

    /// <summary>
    /// Sets <see cref="ChecksumKey"/> in <paramref name="metadata"/> to the SHA-256 of the data
    /// buffer <see cref="Write(Stream, IReadOnlyList{NamedTensor}, IReadOnlyDictionary{string, string}?, IReadOnlyList{NamedU32Tensor}?)"/>
    /// will write for these tensors (F32 then U32, little-endian, in order).
    /// </summary>
    internal static void AddChecksum(IDictionary<string, string> metadata, IReadOnlyList<NamedTensor> tensors, IReadOnlyList<NamedU32Tensor>? u32 = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> b = stackalloc byte[4];
        foreach (var t in tensors) WriteData(t, hash.AppendData);
        foreach (var t in u32 ?? [])
        {
            if (BitConverter.IsLittleEndian) hash.AppendData(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            else foreach (uint u in t.Data) { BinaryPrimitives.WriteUInt32LittleEndian(b, u); hash.AppendData(b); }
        }
        metadata[ChecksumKey] = Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes a file atomically: a temporary file in the same folder, flushed to disk, then renamed over <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        IReadOnlyList<NamedU32Tensor>? u32 = null) =>
        AtomicFile.Write(path, f => Write(f, tensors, metadata, u32));

    /// <summary>Reads a safetensors file; every problem is a <see cref="SafeTensorsFormatException"/> naming it.</summary>
    public static SafeTensorsContent Read(string path)
    {
        FileStream file;
        try
        {
            // Not File.OpenRead: a FIFO would block it forever (see InputFile).
            file = InputFile.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafeTensorsFormatException(path, $"cannot be opened ({e.Message}).");
        }
        using (file) return Read(file, path);
    }

    /// <summary>
    /// Reads from a seekable stream positioned at the file's start; <paramref name="name"/> names it
    /// in errors. Untrusted input is safe: nothing is allocated before the lengths it implies are
    /// checked against the stream's length, and every inconsistency is its own error.
    /// </summary>
    public static SafeTensorsContent Read(Stream stream, string name)
    {
        long fileLength = stream.Length - stream.Position;
        try
        {
            Span<byte> len = stackalloc byte[8];
            if (fileLength < 8 || stream.ReadAtLeast(len, len.Length, throwOnEndOfStream: false) < 8)
                throw new SafeTensorsFormatException(name, $"is {fileLength} bytes long, too short for the 8-byte header length.");
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
            if (n > MaxHeaderBytes)
                throw new SafeTensorsFormatException(name, $"not a safetensors file (its first 8 bytes, read as a header length, say {n:N0} bytes: more than the 100 MB limit).");
            if ((long)n > fileLength - 8)
                throw new SafeTensorsFormatException(name, $"header length {n:N0} bytes reaches beyond the end of the file ({fileLength - 8:N0} bytes follow the length); truncated or corrupt.");
            var header = new byte[n];
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) throw new SafeTensorsFormatException(name, "is truncated inside its header.");
            long bufferLength = fileLength - 8 - (long)n;
            var (entries, metadata) = SafeTensorsHeader.Parse(name, header, bufferLength, DtypeSizes);
            var buffer = new byte[bufferLength];
            if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length) throw new SafeTensorsFormatException(name, "is truncated inside its data.");
            VerifyChecksum(name, metadata, buffer);
            var tensors = entries.Where(e => e.Dtype != "U32")
                .Select(e => new NamedTensor(e.Name, e.Shape, Decode(e, buffer)) { Dtype = e.Dtype == "I64" ? "I64" : "F32" }).ToArray();
            var words = entries.Where(e => e.Dtype == "U32").Select(e => new NamedU32Tensor(e.Name, e.Shape, DecodeU32(e, buffer))).ToArray();
            return new SafeTensorsContent(tensors, metadata) { U32Tensors = words };
        }
        catch (IOException e)
        {
            throw new SafeTensorsFormatException(name, $"could not be read ({e.Message}).");
        }
    }

    /// <summary>A flipped bit in a weight changes the model silently; InitLab's own files carry a SHA-256 that catches it.</summary>
    private static void VerifyChecksum(string name, IReadOnlyDictionary<string, string> metadata, byte[] buffer)
    {
        if (!metadata.TryGetValue(ChecksumKey, out string? stored)) return;
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer, actual);
        Span<char> hex = stackalloc char[2 * SHA256.HashSizeInBytes];
        Convert.TryToHexStringLower(actual, hex, out _);
        if (!hex.SequenceEqual(stored.AsSpan().Trim()))
            throw new SafeTensorsFormatException(name, $"metadata {ChecksumKey} does not match the SHA-256 of the tensor data ({new string(hex)}); the file was altered or corrupted after it was written.");
    }

    private static float[] Decode(SafeTensorsHeader.Entry e, byte[] buffer)
    {
        var bytes = buffer.AsSpan((int)e.Begin, (int)(e.End - e.Begin));
        var values = new float[e.Count];
        switch (e.Dtype)
        {
            case "F32":
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case "F64":
                for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                break;
            case "F16":
                for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                break;
            case "BF16":
                for (int i = 0; i < values.Length; i++) values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                break;
            case "I64":
                // PyTorch's int64 buffers (num_batches_tracked): exact up to 2^24.
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]);
                break;
            default:
                throw new InvalidOperationException($"dtype {e.Dtype} was not rejected by the header check.");
        }
        return values;
    }

    private static uint[] DecodeU32(SafeTensorsHeader.Entry e, byte[] buffer)
    {
        var bytes = buffer.AsSpan((int)e.Begin, (int)(e.End - e.Begin));
        var values = new uint[e.Count];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]);
        return values;
    }
}
