using System.Diagnostics;

namespace InitLab.Tests;

/// <summary>Starts a built .NET program of the solution as a child process (the CLI or a sample), for tests that need a real process: signals, concurrency, peak memory.</summary>
internal static class ChildProcess
{
    /// <summary>The `initlab` command built beside the tests.</summary>
    public static string Cli => Path.Combine(AppContext.BaseDirectory, "initlab.dll");

    /// <summary>Runs <c>dotnet DLL ARGS</c> with both streams redirected; <paramref name="env"/> adds one variable.</summary>
    public static Process Start(string dll, IEnumerable<string> args, string? workDir = null, (string Name, string Value)? env = null)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (workDir is not null) psi.WorkingDirectory = workDir;
        if (env is { } e) psi.Environment[e.Name] = e.Value;
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }
}
