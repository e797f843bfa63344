using System.CommandLine;
using System.Diagnostics;
using InitLab.Web;

namespace InitLab.Cli;

/// <summary>`initlab serve`: the live view in the browser (src/InitLab.Web), over a results folder.</summary>
internal static class ServeCommand
{
    public static Command Build(Output o)
    {
        var dir = new Option<string>("--dir") { Description = "Results folder: its runs and sweeps are listed, runs started from the page are written to DIR/runs, and nothing outside it is served.", DefaultValueFactory = _ => "." };
        var port = new Option<int>("--port") { Description = "Port to listen on (0: any free port).", DefaultValueFactory = _ => 5005 };
        var host = new Option<string>("--host") { Description = "Address to bind. Anything but loopback requires the token.", DefaultValueFactory = _ => "127.0.0.1" };
        var token = new Option<string?>("--token") { Description = "Access token (at least 16 characters); generated and printed for a non-loopback --host." };
        var open = new Option<bool>("--open") { Description = "Open the page in the default browser." };
        var parallel = new Option<int>("--parallel") { Description = "Runs trained at the same time; more wait in a queue.", DefaultValueFactory = _ => 1 };
        var cmd = new Command("serve", "Serve the live view: explore runs and sweeps, start runs and watch their curves and per-layer histograms in a browser.")
        {
            dir, port, host, token, open, parallel,
        };
        cmd.SetAction(p => Run(o, new LabServerOptions
        {
            Dir = p.GetValue(dir)!, Port = p.GetValue(port), Host = p.GetValue(host)!, Token = p.GetValue(token), MaxRunning = p.GetValue(parallel),
        }, p.GetValue(open)));
        return cmd;
    }

    private static int Run(Output o, LabServerOptions options, bool open)
    {
        if (options.MaxRunning < 1) throw new UsageException($"--parallel must be at least 1, got {options.MaxRunning}.");
        // The runs folder is made by the first run started from the page: a mistyped --dir is refused, not created.
        using var interrupt = new CtrlC();
        var server = LabServer.StartAsync(options, interrupt.Token).GetAwaiter().GetResult();
        o.Out.WriteLine($"InitLab is serving {Path.GetFullPath(options.Dir)} at {server.OpenUrl}");
        if (server.Token is not null) o.Out.WriteLine($"Token: {server.Token} (every request must carry it; the URL above sets it in the browser)");
        o.Out.WriteLine("Press Ctrl+C to stop; runs still training are stopped, finished runs stay as they are.");
        if (open) TryOpen(o, server.OpenUrl);
        try
        {
            server.WaitForShutdownAsync(interrupt.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        o.Out.WriteLine("Stopped.");
        return Cli.Ok;
    }

    private static void TryOpen(Output o, string url)
    {
        try
        {
            var psi = OperatingSystem.IsWindows() ? new ProcessStartInfo(url) { UseShellExecute = true }
                : new ProcessStartInfo(OperatingSystem.IsMacOS() ? "open" : "xdg-open") { ArgumentList = { url } };
            Process.Start(psi)?.Dispose();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            o.Err.WriteLine($"initlab: could not open a browser ({e.Message}); open {url} yourself.");
        }
    }
}
