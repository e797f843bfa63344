namespace InitLab.Cli;

/// <summary>Writes a file so that readers see either nothing or the whole file: temp file, then rename.</summary>
public static class AtomicFile
{
    /// <summary>Fails early, before any work, when the folder of an output file does not exist.</summary>
    public static void CheckFolder(string path, string option)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
            throw new DirectoryNotFoundException($"{option} {path}: folder '{dir}' does not exist.");
    }

    public static void WriteAllText(string path, string text)
    {
        string tmp = path + $".{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllText(tmp, text);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
