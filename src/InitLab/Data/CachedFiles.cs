using System.Globalization;

namespace InitLab.Data;

/// <summary>
/// Verifies a cached dataset's files against the catalog's checksums before they are used, once:
/// the result is recorded beside each file as FILE.verified ("size mtime-ticks md5"), and while
/// the file keeps that size and modification time the record stands, so a run does not hash
/// 60 MB every time. A file altered after download (a changed byte keeps neither its MD5 nor,
/// when it is rewritten, its time) is refused instead of being trained on silently.
/// </summary>
public static class CachedFiles
{
    /// <summary>The suffix of the record written beside a verified file.</summary>
    public const string Suffix = ".verified";

    /// <summary>
    /// Checks every catalog file of <paramref name="info"/> that is in <paramref name="folder"/>
    /// under its published name; a mismatch is a <see cref="UserInputException"/> naming the file,
    /// both checksums and how to get a good copy. Files kept uncompressed (no published checksum)
    /// are left to the IDX reader's checks.
    /// </summary>
    public static void Verify(DatasetInfo info, string folder)
    {
        foreach (var file in info.Files)
        {
            string path = Path.Combine(folder, file.FileName);
            if (!File.Exists(path)) continue;
            var stat = new FileInfo(path);
            string record = $"{stat.Length.ToString(CultureInfo.InvariantCulture)} {stat.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)} {file.Md5.ToLowerInvariant()}";
            string recordPath = path + Suffix;
            if (ReadRecord(recordPath) == record) continue;
            if (FileChecksum.Mismatch(path, file) is { } problem)
                throw new UserInputException($"{path}: {problem}; the cached file was altered or corrupted after download. Delete it and run 'initlab data download {info.Name}'.");
            try
            {
                Io.AtomicFile.WriteAllText(recordPath, record);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A read-only folder (a system package's data): verified on every run instead.
            }
        }
    }

    private static string? ReadRecord(string path)
    {
        try
        {
            var f = new FileInfo(path);
            // A record is one short line; anything longer is not one of ours.
            return f.Exists && f.Length < 256 ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
