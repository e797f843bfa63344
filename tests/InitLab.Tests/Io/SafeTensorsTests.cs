using System.Buffers.Binary;
using System.Text;
using InitLab.Io;

namespace InitLab.Tests.Io;

public class SafeTensorsTests
{
    /// <summary>A file from a raw header text (unpadded) and buffer; <paramref name="declared"/> overrides the length field.</summary>
    internal static byte[] Raw(string header, byte[]? buffer = null, ulong? declared = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        return Raw(h, buffer, declared);
    }

    internal static byte[] Raw(byte[] header, byte[]? buffer = null, ulong? declared = null)
    {
        buffer ??= [];
        var b = new byte[8 + header.Length + buffer.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(b, declared ?? (ulong)header.Length);
        header.CopyTo(b, 8);
        buffer.CopyTo(b, 8 + header.Length);
        return b;
    }

    private static SafeTensorsContent Read(byte[] bytes) => SafeTensors.Read(new MemoryStream(bytes, writable: false), "m.safetensors");

    private static string Problem(byte[] bytes)
    {
        var e = Assert.Throws<SafeTensorsFormatException>(() => Read(bytes));
        Assert.Equal("m.safetensors", e.FilePath);
        Assert.StartsWith("m.safetensors: ", e.Message);
        return e.Problem;
    }

    private static byte[] Written(IReadOnlyList<NamedTensor> tensors, Dictionary<string, string>? meta = null)
    {
        var ms = new MemoryStream();
        SafeTensors.Write(ms, tensors, meta);
        return ms.ToArray();
    }

    [Fact]
    public void WriteThenReadKeepsEveryBitNameShapeAndMetadata()
    {
        var rng = new System.Random(5);
        // Arbitrary bit patterns: NaN payloads, infinities, denormals and -0 must all survive.
        float[] Bits(int n) => Enumerable.Range(0, n).Select(_ => BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue))).ToArray();
        var tensors = new[] { new NamedTensor("a", [3, 4], Bits(12)), new NamedTensor("b.c", [5], Bits(5)), new NamedTensor("empty", [0, 3], []) };
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcödé \"quoted\"" };
        var back = Read(Written(tensors, meta));
        Assert.Equal(meta, back.Metadata);
        foreach (var t in tensors)
        {
            var r = back.Find(t.Name)!;
            Assert.Equal(t.Shape, r.Shape);
            Assert.Equal(t.Data.Select(BitConverter.SingleToInt32Bits), r.Data.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void HeaderIsPaddedWithSpacesToAMultipleOfEightAndOffsetsFollowTheOrderGiven()
    {
        var bytes = Written([new NamedTensor("w", [2], [1f, 2f]), new NamedTensor("x", [1], [3f])]);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", header);
        Assert.Equal(header.TrimEnd(' ').Length + (int)(n - (ulong)header.TrimEnd(' ').Length), header.Length);
        Assert.Equal(8 + (long)n + 12, bytes.Length);
        Assert.Equal(1f, BitConverter.ToSingle(bytes, 8 + (int)n));
    }

    [Fact]
    public void ReadsF64F16AndBf16AsFloat()
    {
        var buf = new List<byte>();
        buf.AddRange(BitConverter.GetBytes(1.5));              // F64 [1]
        buf.AddRange(BitConverter.GetBytes((Half)(-2.25f)));   // F16 [2]
        buf.AddRange(BitConverter.GetBytes((Half)65504f));
        buf.AddRange(BitConverter.GetBytes((ushort)0x3FC0));   // BF16 1.5
        string h = "{\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                 + "\"b\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[12,14]}}";
        var r = Read(Raw(h, buf.ToArray()));
        Assert.Equal([1.5f], r.Find("d")!.Data);
        Assert.Equal([-2.25f, 65504f], r.Find("h")!.Data);
        Assert.Equal([1.5f], r.Find("b")!.Data);
        Assert.Empty(r.Find("b")!.Shape);
        Assert.Empty(r.Metadata);
    }

    private const string One = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    [Fact] public void TooShort() => Assert.Contains("too short for the 8-byte header length", Problem([1, 2, 3]));
    [Fact] public void HeaderOver100Mb() => Assert.Contains("not a safetensors file (its first 8 bytes, read as a header length, say 100,000,001 bytes: more than the 100 MB limit)", Problem(Raw(One, new byte[8], declared: 100_000_001)));
    [Fact] public void HeaderBeyondTheFile() => Assert.Contains("reaches beyond the end of the file", Problem(Raw(One, new byte[8], declared: 1000)));
    [Fact] public void InvalidUtf8() => Assert.Contains("not valid UTF-8", Problem(Raw([(byte)'{', 0xff, (byte)'}'])));
    [Fact] public void InvalidJson() => Assert.Contains("not valid JSON", Problem(Raw("{\"t\": ", new byte[8])));
    [Fact] public void RootNotAnObject() => Assert.Contains("must be a JSON object of tensors, found a JSON array", Problem(Raw("[1,2]")));
    [Fact] public void MetadataNotStrings() => Assert.Contains("__metadata__ value of 'n' must be a string", Problem(Raw("{\"__metadata__\":{\"n\":1}}")));
    [Fact] public void MetadataNotAnObject() => Assert.Contains("__metadata__ must be a JSON object", Problem(Raw("{\"__metadata__\":\"x\"}")));
    [Fact] public void EntryNotAnObject() => Assert.Contains("tensor 't' must be a JSON object", Problem(Raw("{\"t\":[0,8]}", new byte[8])));
    [Fact] public void UnexpectedField() => Assert.Contains("unexpected or repeated field 'strides'", Problem(Raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"strides\":[1]}}", new byte[8])));
    [Fact] public void MissingDtype() => Assert.Contains("needs a string field 'dtype'", Problem(Raw("{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8])));
    [Fact] public void UnknownDtype() => Assert.Contains("unknown dtype 'F31'", Problem(Raw(One.Replace("F32", "F31"), new byte[8])));
    [Fact] public void UnsupportedDtype() => Assert.Contains("dtype I32; InitLab reads only F32, F64, F16, BF16, I64", Problem(Raw(One.Replace("F32", "I32"), new byte[8])));

    [Fact]
    public void I64TensorsAreWrittenAsInt64AndReadBackExactly()
    {
        // PyTorch's num_batches_tracked is an int64 scalar; 2^24 is the largest count a float holds exactly.
        var counter = new NamedTensor("n", [], [16_777_216f]) { Dtype = "I64" };
        var weights = new NamedTensor("w", [2], [1.5f, -2f]);
        var stream = new MemoryStream();
        SafeTensors.Write(stream, [weights, counter]);
        var bytes = stream.ToArray();
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0));
        Assert.Contains("\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}", header);
        Assert.Equal(16_777_216L, BitConverter.ToInt64(bytes, bytes.Length - 8));
        stream.Position = 0;
        var back = SafeTensors.Read(stream, "mem");
        Assert.Equal(("I64", 16_777_216f), (back.Find("n")!.Dtype, back.Find("n")!.Data[0]));
        Assert.Equal("F32", back.Find("w")!.Dtype);
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), [new NamedTensor("x", [1], [0.5f]) { Dtype = "I64" }]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), [new NamedTensor("x", [1], [1f]) { Dtype = "F16" }]));
    }
    [Fact] public void NegativeShape() => Assert.Contains("shape entries must be non-negative integers, found -2", Problem(Raw(One.Replace("[2]", "[-2]"), new byte[8])));
    [Fact] public void FractionalShape() => Assert.Contains("found 2.5", Problem(Raw(One.Replace("[2]", "[2.5]"), new byte[8])));
    [Fact] public void OffsetsNotAPair() => Assert.Contains("'data_offsets' as an array of two integers", Problem(Raw(One.Replace("[0,8]", "[0,8,9]"), new byte[8])));
    [Fact] public void BeginAfterEnd() => Assert.Contains("begin 8 is after end 0", Problem(Raw(One.Replace("[0,8]", "[8,0]"), new byte[8])));
    [Fact] public void OffsetsOutsideTheBuffer() => Assert.Contains("end 16 is outside the 8-byte data buffer", Problem(Raw(One.Replace("[0,8]", "[8,16]"), new byte[8])));
    [Fact] public void LengthNotShapeTimesDtype() => Assert.Contains("shape [3] of F32 needs 12 bytes but data_offsets span 8", Problem(Raw(One.Replace("[2]", "[3]"), new byte[8])));
    [Fact] public void HugeShape() => Assert.Contains("needs more than the buffer's bytes", Problem(Raw(One.Replace("[2]", "[2147483647,2147483647,2147483647]"), new byte[8])));
    [Fact] public void DuplicateName() => Assert.Contains("header names 't' twice", Problem(Raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8])));
    [Fact] public void Overlap() => Assert.Contains("tensors 'a' and 'b' overlap", Problem(Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12])));
    [Fact] public void Gap() => Assert.Contains("gap of 4 unused bytes before tensor 'b'", Problem(Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12])));
    [Fact] public void TrailingBytes() => Assert.Contains("4 trailing bytes after the last tensor's data", Problem(Raw(One, new byte[12])));

    [Fact]
    public void AMissingFileNamesThePath()
    {
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Read("/nonexistent/model.safetensors"));
        Assert.Contains("/nonexistent/model.safetensors: cannot be opened", e.Message);
    }

    [Fact]
    public void WritingToAPathLeavesNoTemporaryFile()
    {
        using var d = new TempDir();
        string path = d.File("m.safetensors");
        SafeTensors.Write(path, [new NamedTensor("x", [1], [4f])]);
        SafeTensors.Write(path, [new NamedTensor("x", [2], [5f, 6f])]);
        Assert.Equal([5f, 6f], SafeTensors.Read(path).Find("x")!.Data);
        Assert.Equal(["m.safetensors"], Directory.GetFiles(d.Path).Select(Path.GetFileName));
    }
}
