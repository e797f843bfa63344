namespace InitLab.Cli;

/// <summary>Turns Ctrl+C (SIGINT) into a cancelled token instead of ending the process; a second Ctrl+C ends it as usual.</summary>
internal sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _cts = new();

    public CtrlC() => Console.CancelKeyPress += OnCancel;

    public CancellationToken Token => _cts.Token;

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (_cts.IsCancellationRequested) return;
        e.Cancel = true;
        _cts.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _cts.Dispose();
    }
}
