using System.Reflection;
using System.Runtime.InteropServices;

namespace InitLab.Experiments;

/// <summary>What a run ran on, for the report: cores, CPU model, OS and InitLab's version.</summary>
/// <param name="Cores">Logical cores the process sees.</param>
/// <param name="Cpu">The CPU's model name, or the process architecture when it cannot be read.</param>
/// <param name="Os">The OS description from the runtime.</param>
/// <param name="Version">InitLab's informational version (with at most 8 characters of commit hash).</param>
public sealed record Machine(int Cores, string Cpu, string Os, string Version)
{
    /// <summary>This process's machine, read once: logical cores, the CPU's model name (from /proc/cpuinfo, else the architecture), OS and version.</summary>
    public static Machine Current { get; } = new(Environment.ProcessorCount, CpuName(), RuntimeInformation.OSDescription, InitLabVersion());

    private static string CpuName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            // An unreadable /proc is no reason to fail a sweep; the architecture below will do.
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string InitLabVersion()
    {
        var a = typeof(Machine).Assembly;
        string v = a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version?.ToString() ?? "0";
        int plus = v.IndexOf('+');
        return plus > 0 ? v[..(plus + Math.Min(8, v.Length - plus - 1) + 1)] : v;
    }
}
