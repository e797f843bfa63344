using System.Text.Json;
using System.Text.Unicode;

namespace InitLab.Io;

/// <summary>
/// Parses and checks a safetensors JSON header against the size of the buffer that follows it:
/// every field's JSON shape, the dtype, the offsets (inside the buffer, begin ≤ end, no overlap,
/// no gap, nothing trailing) and that each tensor's byte length is its element count × dtype size.
/// </summary>
internal static class SafeTensorsHeader
{
    private static readonly string[] Readable = ["F32", "F64", "F16", "BF16", "I64", "U32"];

    /// <summary>A checked header entry; Begin/End are byte offsets into the buffer.</summary>
    internal sealed record Entry(string Name, string Dtype, int[] Shape, long Count, long Begin, long End);

    internal static (List<Entry> Entries, Dictionary<string, string> Metadata) Parse(string file, byte[] header, long bufferLength,
        IReadOnlyDictionary<string, int> dtypeSizes)
    {
        if (bufferLength > Array.MaxLength) throw Error(file, $"data buffer of {bufferLength:N0} bytes is larger than InitLab can hold.");
        if (!Utf8.IsValid(header)) throw Error(file, "header is not valid UTF-8.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Error(file, $"header is not valid JSON ({e.Message}).");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Error(file, $"header must be a JSON object of tensors, found a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>();
            var names = new HashSet<string>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!names.Add(p.Name)) throw Error(file, $"header names '{p.Name}' twice.");
                if (p.Name == "__metadata__") ReadMetadata(file, p.Value, metadata);
                else entries.Add(ReadEntry(file, p.Name, p.Value, bufferLength, dtypeSizes));
            }
            CheckLayout(file, entries, bufferLength);
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(string file, JsonElement e, Dictionary<string, string> metadata)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Error(file, "__metadata__ must be a JSON object of strings.");
        foreach (var p in e.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String) throw Error(file, $"__metadata__ value of '{p.Name}' must be a string, found a JSON {p.Value.ValueKind.ToString().ToLowerInvariant()}.");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!)) throw Error(file, $"__metadata__ names '{p.Name}' twice.");
        }
    }

    private static Entry ReadEntry(string file, string name, JsonElement e, long bufferLength, IReadOnlyDictionary<string, int> dtypeSizes)
    {
        string where = $"tensor '{name}'";
        if (e.ValueKind != JsonValueKind.Object) throw Error(file, $"{where} must be a JSON object with dtype, shape and data_offsets.");
        JsonElement? dtypeE = null, shapeE = null, offsetsE = null;
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "dtype" when dtypeE is null: dtypeE = p.Value; break;
                case "shape" when shapeE is null: shapeE = p.Value; break;
                case "data_offsets" when offsetsE is null: offsetsE = p.Value; break;
                default: throw Error(file, $"{where} has an unexpected or repeated field '{p.Name}'.");
            }
        }
        if (dtypeE is not { ValueKind: JsonValueKind.String } d) throw Error(file, $"{where} needs a string field 'dtype'.");
        string dtype = d.GetString()!;
        if (!dtypeSizes.TryGetValue(dtype, out int size)) throw Error(file, $"{where} has unknown dtype '{dtype}'.");
        if (!Readable.Contains(dtype)) throw Error(file, $"{where} has dtype {dtype}; InitLab reads only {string.Join(", ", Readable)}.");
        if (shapeE is not { ValueKind: JsonValueKind.Array } s) throw Error(file, $"{where} needs an array field 'shape'.");
        var shape = new List<int>();
        long count = 1;
        foreach (var v in s.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long dim) || dim < 0)
                throw Error(file, $"{where}: shape entries must be non-negative integers, found {v.GetRawText()}.");
            if (dim > int.MaxValue) throw Error(file, $"{where}: dimension {dim} is too large.");
            shape.Add((int)dim);
            // Saturate: any count past the buffer is an error below, and this cannot overflow.
            count = dim == 0 ? 0 : Math.Min(count * dim, bufferLength + 1);
        }
        if (offsetsE is not { ValueKind: JsonValueKind.Array } o || o.GetArrayLength() != 2)
            throw Error(file, $"{where} needs 'data_offsets' as an array of two integers [begin, end].");
        var off = new long[2];
        for (int i = 0; i < 2; i++)
            if (o[i].ValueKind != JsonValueKind.Number || !o[i].TryGetInt64(out off[i]) || off[i] < 0)
                throw Error(file, $"{where}: data_offsets must be non-negative integers, found {o[i].GetRawText()}.");
        long begin = off[0], end = off[1];
        if (begin > end) throw Error(file, $"{where}: data_offsets begin {begin} is after end {end}.");
        if (end > bufferLength) throw Error(file, $"{where}: data_offsets end {end} is outside the {bufferLength:N0}-byte data buffer.");
        if (count > bufferLength || count * size != end - begin)
            throw Error(file, $"{where}: shape [{string.Join(", ", shape)}] of {dtype} needs {(count > bufferLength ? "more than the buffer's" : (count * size).ToString("N0"))} bytes but data_offsets span {end - begin:N0}.");
        return new Entry(name, dtype, shape.ToArray(), count, begin, end);
    }

    /// <summary>The tensors must tile the buffer exactly, as the reference implementation requires.</summary>
    private static void CheckLayout(string file, List<Entry> entries, long bufferLength)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        string? previous = null;
        foreach (var e in entries)
        {
            if (e.Begin < expected) throw Error(file, $"tensors '{previous}' and '{e.Name}' overlap (bytes {e.Begin}..{expected}).");
            if (e.Begin > expected) throw Error(file, $"gap of {e.Begin - expected:N0} unused bytes before tensor '{e.Name}' (offset {expected}).");
            expected = e.End;
            previous = e.Name;
        }
        if (expected != bufferLength) throw Error(file, $"{bufferLength - expected:N0} trailing bytes after the last tensor's data.");
    }

    private static SafeTensorsFormatException Error(string file, string problem) => new(file, problem);
}
