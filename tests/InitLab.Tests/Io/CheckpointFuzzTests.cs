using System.Buffers.Binary;
using CsCheck;
using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Training;

using Case = InitLab.Tests.ReaderFuzz.Case;

namespace InitLab.Tests.Io;

/// <summary>
/// Untrusted checkpoints: 10,000 mutated checkpoint files (bytes and metadata values). The reader
/// may succeed or throw SafeTensorsFormatException, nothing else; what it returns is in range
/// (finite buffers and cost, non-negative counters) and it allocates no more than the file justifies.
/// </summary>
public class CheckpointFuzzTests
{
    private static readonly byte[][] Bases = [.. Enumerable.Range(0, 6).Select(Build)];

    private static byte[] Build(int variant)
    {
        var g = new TorchGenerator((ulong)variant + 1);
        var model = Mlp.Create([4, 3, 2], variant % 2 == 0 ? "relu" : "leaky-relu:0.2", InitSpec.Parse("default"), g);
        Optimizer opt = variant % 3 == 0 ? new Sgd(model.Parameters, 0.1, momentum: 0.9) : new Adam(model.Parameters, 0.01);
        var config = variant < 3 ? null : TrainConfig.Note with { Layers = [4, 3, 2], Activation = variant % 2 == 0 ? "relu" : "leaky-relu:0.2", Epochs = 5 };
        var position = new TrainingPosition(1 + variant % 3, variant, variant * 0.5f, g.GetState());
        var history = Enumerable.Range(1, position.Epoch - 1).Select(e => new EpochReport(e, 5, 1f / e, 0.5, 1, 100)).ToList();
        using var d = new TempDir();
        string path = d.File("ck.safetensors");
        CheckpointFile.Save(path, model, opt, position, config, history);
        return File.ReadAllBytes(path);
    }

    private static readonly string[] NastyValues = ["", "-1", "0", "1", "99", "NaN", "Infinity", "-0", "1e39", "9223372036854775807", "18446744073709551616",
        "2147483648", " 1", "abc", "{}", "relu", "leaky-relu:NaN", "1x10000,1x10000", "4,3,2", "4x2", "deadbeef"];

    private static readonly Gen<(string How, Func<byte[], System.Random, byte[]> Apply)> Mutation = Gen.OneOf<(string, Func<byte[], System.Random, byte[]>)>(
        ("none", (b, _) => b),
        ("none", (b, _) => b),
        ("metadata value", SetMetadata),
        ("metadata value", SetMetadata),
        ("bit flip", (b, r) => { var c = (byte[])b.Clone(); if (c.Length > 0) c[r.Next(c.Length)] ^= (byte)(1 << r.Next(8)); return c; }),
        ("data bit flip", (b, r) => { var c = (byte[])b.Clone(); if (c.Length > 0) c[c.Length - 1 - r.Next(Math.Min(200, c.Length))] ^= (byte)(1 << r.Next(8)); return c; }),
        ("nasty length", (b, r) => { var c = (byte[])b.Clone(); if (c.Length >= 8) BinaryPrimitives.WriteUInt64LittleEndian(c, r.Next(2) == 0 ? ulong.MaxValue : (ulong)r.Next(0, c.Length * 2)); return c; }),
        ("truncation", (b, r) => b[..r.Next(b.Length + 1)]),
        ("insertion", (b, r) => { int at = r.Next(b.Length + 1); var extra = new byte[r.Next(1, 9)]; r.NextBytes(extra); return [.. b[..at], .. extra, .. b[at..]]; }),
        ("NaN weight", (b, r) => Retensor(b, r, float.NaN)));

    /// <summary>Sets one metadata key (of the file's, or a new one) to a nasty value; the data (and its checksum) stay valid.</summary>
    private static byte[] SetMetadata(byte[] b, System.Random r)
    {
        SafeTensorsContent c;
        try { c = SafeTensors.Read(new MemoryStream(b), "base"); } catch (SafeTensorsFormatException) { return b; }
        var meta = c.Metadata.ToDictionary();
        var keys = meta.Keys.Append("initlab.extra").ToArray();
        meta[keys[r.Next(keys.Length)]] = NastyValues[r.Next(NastyValues.Length)];
        var ms = new MemoryStream();
        SafeTensors.Write(ms, c.Tensors, meta, c.U32Tensors);
        return ms.ToArray();
    }

    /// <summary>One value of one float tensor made <paramref name="bad"/>; half the time the checksum is dropped (as another tool's edit would).</summary>
    private static byte[] Retensor(byte[] b, System.Random r, float bad)
    {
        SafeTensorsContent c;
        try { c = SafeTensors.Read(new MemoryStream(b), "base"); } catch (SafeTensorsFormatException) { return b; }
        var tensors = c.Tensors.Select(t => t with { Data = (float[])t.Data.Clone() }).ToList();
        var victim = tensors[r.Next(tensors.Count)];
        if (victim.Data.Length > 0) victim.Data[r.Next(victim.Data.Length)] = bad;
        var meta = c.Metadata.ToDictionary();
        if (r.Next(2) == 0) meta.Remove(SafeTensors.ChecksumKey);
        var ms = new MemoryStream();
        SafeTensors.Write(ms, tensors, meta, c.U32Tensors);
        return ms.ToArray();
    }

    private static readonly Gen<Case> Cases = ReaderFuzz.TwiceMutated(Gen.Int[0, Bases.Length - 1].Select(i => Bases[i]), Mutation);

    [Fact]
    public void MutatedCheckpointsGiveOnlyFormatErrorsAndInRangeValues()
    {
        ReaderFuzz.Check<Case, SafeTensorsFormatException>(Cases, c => c.Bytes, c => c.How,
            (_, stream) =>
            {
                var cp = CheckpointFile.Load(stream, "fuzz");
                Assert.InRange(cp.Position.Epoch, 1, int.MaxValue);
                Assert.InRange(cp.Position.Batch, 0, int.MaxValue);
                Assert.True(float.IsFinite(cp.Position.Cost) && cp.Position.Cost >= 0);
                Assert.True(cp.Optimizer.Step >= 0);
                Assert.All(cp.Optimizer.Buffers.Values, b => Assert.All(b, v => Assert.True(float.IsFinite(v))));
                Assert.All(cp.Model.Model.Parameters, p => Assert.All(p.Value.Data, v => Assert.True(float.IsFinite(v))));
            },
            e => (e.FilePath, e.Problem));
    }
}
