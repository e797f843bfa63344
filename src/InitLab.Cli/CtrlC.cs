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
        // On a terminal, say at once that the key was seen: the terminal's "^C" then ends its own
        // line instead of running into the next line of output, and the wait for a safe point is explained.
        if (!Console.IsErrorRedirected)
            Console.Error.WriteLine("\ninitlab: stopping at the next safe point (Ctrl+C again to quit at once)");
        _cts.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _cts.Dispose();
    }
}
