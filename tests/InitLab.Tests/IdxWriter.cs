using System.Buffers.Binary;
using System.IO.Compression;

namespace InitLab.Tests;

/// <summary>Writes small IDX files (and deliberately broken ones) into a temporary folder.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("initlab-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() => Directory.Delete(Path, recursive: true);
}

public static class IdxWriter
{
    public static byte[] Bytes(byte type, int[] dims, ReadOnlySpan<byte> payload, byte magicHigh = 0)
    {
        var b = new byte[4 + 4 * dims.Length + payload.Length];
        b[0] = magicHigh; b[1] = 0; b[2] = type; b[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        payload.CopyTo(b.AsSpan(4 + 4 * dims.Length));
        return b;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(raw);
        return ms.ToArray();
    }

    /// <summary>
    /// A learnable synthetic MNIST-format dataset: class c lights up a band of rows; written
    /// gzipped with the four standard names.
    /// </summary>
    public static void WriteDataset(string dir, int train, int test, int side = 28, int seed = 1)
    {
        var rng = new System.Random(seed);
        void Split(string images, string labels, int n)
        {
            var px = new byte[n * side * side];
            var lb = new byte[n];
            for (int i = 0; i < n; i++)
            {
                int c = rng.Next(10);
                lb[i] = (byte)c;
                for (int p = 0; p < side * side; p++)
                {
                    int row = p / side;
                    bool on = row * 10 / side == c;
                    px[i * side * side + p] = (byte)(on ? 200 + rng.Next(56) : rng.Next(40));
                }
            }
            System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, images + ".gz"), Gzip(Bytes(8, [n, side, side], px)));
            System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, labels + ".gz"), Gzip(Bytes(8, [n], lb)));
        }
        Split("train-images-idx3-ubyte", "train-labels-idx1-ubyte", train);
        Split("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", test);
    }
}

/// <summary>Stand-in datasets under a catalog name: recorded as verified, as a real download would be after its first check.</summary>
internal static class FakeCache
{
    /// <summary>Writes the FILE.verified records that say these files passed the catalog's checksums (they are fakes, so they would not).</summary>
    public static void MarkVerified(string folder, string datasetName)
    {
        foreach (var file in InitLab.Data.DatasetCatalog.Get(datasetName).Files)
        {
            var f = new System.IO.FileInfo(System.IO.Path.Combine(folder, file.FileName));
            System.IO.File.WriteAllText(f.FullName + InitLab.Data.CachedFiles.Suffix,
                $"{f.Length} {f.LastWriteTimeUtc.Ticks} {file.Md5.ToLowerInvariant()}");
        }
    }
}
