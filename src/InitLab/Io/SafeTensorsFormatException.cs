namespace InitLab.Io;

/// <summary>A safetensors file (or a model stored in one) is malformed; the message names the file and what is wrong.</summary>
public sealed class SafeTensorsFormatException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string FilePath { get; } = path;
    public string Problem { get; } = problem;
}
