namespace InitLab.Io;

/// <summary>A safetensors file (or a model stored in one) is malformed; the message names the file and what is wrong.</summary>
/// <remarks>A <see cref="UserInputException"/>: the file is the user's input, so front ends show the message without a stack trace.</remarks>
/// <param name="path">The file (or, for a pair of files, the folder) at fault.</param>
/// <param name="problem">What is wrong, phrased to follow "PATH: ".</param>
public sealed class SafeTensorsFormatException(string path, string problem) : UserInputException($"{path}: {problem}")
{
    /// <summary>The file at fault, as the caller named it (not made absolute).</summary>
    public string FilePath { get; } = path;

    /// <summary>The problem without the path: the message is "<see cref="FilePath"/>: <see cref="Problem"/>".</summary>
    public string Problem { get; } = problem;
}
