namespace InitLab.Cli;

/// <summary>
/// The files a command writes after its work is done: each is attempted even when an earlier one
/// failed (the model is not lost because a chart could not be written), each failure is one
/// error line naming the option and the file, and the exit code is 1 if any failed.
/// </summary>
internal sealed class LateOutputs(Output o)
{
    private readonly List<string> _failed = [];

    /// <summary>Runs <paramref name="write"/>; an I/O or input error is reported and remembered instead of thrown.</summary>
    public void Write(string option, string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UserInputException)
        {
            o.ClearProgress();
            o.Err.WriteLine($"initlab: error: {option} {path} was not written: {e.Message}");
            _failed.Add(option);
        }
    }

    /// <summary>The exit code: <see cref="Cli.Ok"/>, or <see cref="Cli.BadInput"/> when any output failed.</summary>
    public int ExitCode() => _failed.Count == 0 ? Cli.Ok : Cli.BadInput;
}
