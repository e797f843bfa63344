namespace InitLab.Io;

/// <summary>
/// Writes files so that readers see either the old file or the whole new one, never a part: the
/// content goes to a temporary file beside the target (PATH.PID.tmp), then is renamed over it.
/// A crash leaves at most the temporary file, which nothing reads.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Fails early, before any work, when the folder of an output file does not exist.</summary>
    public static void CheckFolder(string path, string option)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
            throw new DirectoryNotFoundException($"{option} {path}: folder '{dir}' does not exist.");
    }

    /// <summary>Writes <paramref name="path"/> from a stream, flushed to disk before the rename.</summary>
    public static void Write(string path, Action<Stream> write) => Replace(path, tmp =>
    {
        using var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None);
        write(f);
        f.Flush(flushToDisk: true);
    });

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM) to <paramref name="path"/>, flushed before the rename.</summary>
    public static void WriteAllText(string path, string text) => Write(path, s =>
    {
        using var w = new StreamWriter(s, leaveOpen: true);
        w.Write(text);
    });

    /// <summary>
    /// For writers that only take a file name (plot libraries): <paramref name="writeFile"/>
    /// writes the temporary file named to it, which then replaces <paramref name="path"/>.
    /// </summary>
    public static void Replace(string path, Action<string> writeFile)
    {
        string tmp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            writeFile(tmp);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
