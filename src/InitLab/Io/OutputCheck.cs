namespace InitLab.Io;

/// <summary>
/// Checks, before any work, that an output file can be written where the user asked: a late
/// failure (a full disk, a read-only folder) would otherwise throw away a whole training run.
/// </summary>
internal static class OutputCheck
{
    /// <summary>
    /// Throws <see cref="DirectoryNotFoundException"/> when the folder of <paramref name="path"/> is
    /// missing, and <see cref="UserInputException"/> (naming <paramref name="option"/> and the
    /// path) when <paramref name="path"/> is a folder, an existing file cannot be opened for
    /// writing, a missing one cannot be created (and is deleted again), or a one-byte probe file
    /// cannot be created, written, flushed and deleted beside it. Nothing the user owns is
    /// changed: the probe has a random name and create-new semantics.
    /// </summary>
    public static void Writable(string path, string option)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null && !Directory.Exists(dir))
            throw new DirectoryNotFoundException($"{option} {path}: folder '{dir}' does not exist.");
        if (Directory.Exists(full)) throw new UserInputException($"{option} {path}: is a folder; give a file name.");
        string probe = Path.Combine(dir ?? ".", $".initlab-probe-{Guid.NewGuid():N}.tmp");
        try
        {
            if (File.Exists(full))
                using (new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) { }
            else
                // The name itself (too long, not allowed by the file system) is checked by creating it.
                using (new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            // One byte, flushed to disk: an empty file can still be created on a full disk.
            using (var f = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
                f.WriteByte(0);
                f.Flush(flushToDisk: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{option} {path}: cannot write there ({e.Message}); nothing was trained.", e);
        }
        finally
        {
            try { if (File.Exists(probe)) File.Delete(probe); } catch (IOException) { }
        }
    }
}
