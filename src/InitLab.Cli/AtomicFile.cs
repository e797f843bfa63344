namespace InitLab.Cli;

/// <summary>Writes a file so that readers see either nothing or the whole file: temp file, then rename.</summary>
public static class AtomicFile
{
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
