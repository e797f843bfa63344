using System.Security.Cryptography;
using InitLab.Data;

namespace InitLab.Tests.Data;

/// <summary>Class 5 of issue 17: a cached dataset file altered after download is refused, and a good one is hashed once.</summary>
public class CachedFilesTests
{
    private static (DatasetInfo Info, string Folder) Cache(TempDir d)
    {
        string folder = Path.Combine(d.Path, "toy");
        Directory.CreateDirectory(folder);
        IdxWriter.WriteDataset(folder, 20, 10);
        var files = DataLocator.FileNames.Select(n => new DataFileInfo(n + ".gz", Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(Path.Combine(folder, n + ".gz")))))).ToArray();
        return (new DatasetInfo("toy", "Toy", files, [new Uri("http://127.0.0.1:1/")], [.. Enumerable.Range(0, 10).Select(i => $"{i}")]), folder);
    }

    [Fact]
    public void AGoodFileIsVerifiedOnceAndRecorded()
    {
        using var d = new TempDir();
        var (info, folder) = Cache(d);
        CachedFiles.Verify(info, folder);
        string images = Path.Combine(folder, info.Files[0].FileName), record = images + CachedFiles.Suffix;
        var f = new FileInfo(images);
        Assert.Equal($"{f.Length} {f.LastWriteTimeUtc.Ticks} {info.Files[0].Md5}", File.ReadAllText(record));
        // With the record in place the file is not hashed again: a wrong catalog MD5 goes unnoticed
        // only while the record names it, so a record for another MD5 sends it back to hashing.
        CachedFiles.Verify(info, folder);
        var wrong = info with { Files = [info.Files[0] with { Md5 = new string('0', 32) }, .. info.Files.Skip(1)] };
        Assert.Throws<UserInputException>(() => CachedFiles.Verify(wrong, folder));
    }

    [Fact]
    public void AFileAlteredAfterDownloadIsRefused()
    {
        using var d = new TempDir();
        var (info, folder) = Cache(d);
        CachedFiles.Verify(info, folder);
        string labels = Path.Combine(folder, info.Files[1].FileName);
        var bytes = File.ReadAllBytes(labels);
        bytes[^5] ^= 1;
        File.WriteAllBytes(labels, bytes);
        File.SetLastWriteTimeUtc(labels, DateTime.UtcNow.AddMinutes(1));  // a new modification time, as any rewrite gives
        var e = Assert.Throws<UserInputException>(() => CachedFiles.Verify(info, folder));
        Assert.Contains(labels, e.Message);
        Assert.Contains("differs from the published", e.Message);
        Assert.Contains("initlab data download toy", e.Message);
    }
}
