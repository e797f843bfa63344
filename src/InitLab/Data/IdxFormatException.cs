namespace InitLab.Data;

/// <summary>An IDX file is malformed; the message names the file and what is wrong with it.</summary>
public sealed class IdxFormatException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string FilePath { get; } = path;
    public string Problem { get; } = problem;
}
