using System.Diagnostics;
using System.Globalization;

namespace InitLab.Experiments;

/// <summary>
/// A process's claim on one run of a sweep folder: the file OUT/.claim-ID, created with
/// create-new semantics (only one process can create it) and holding the owner's host, process id
/// and process start time. Other processes skip a run whose claim is alive and take it over when
/// its owner is dead, so several sweeps on one folder (on one machine, or on several sharing a
/// file system) divide the runs instead of deleting each other's work.
/// </summary>
/// <remarks>
/// A claim is alive when its owner is this host's process with that id and start time (the start
/// time tells a reused process id from the owner); a claim of another host cannot be checked that
/// way, so its owner touches it every <see cref="Heartbeat"/> and it counts as alive until it is
/// <see cref="StaleAfter"/> old (by the file system's clock, so the hosts' clocks must roughly agree).
/// </remarks>
internal sealed class RunClaim : IDisposable
{
    /// <summary>Prefix of a claim file in the output folder; the run id follows.</summary>
    internal const string Prefix = ".claim-";

    /// <summary>How often an owner touches its claims, so other hosts see them alive.</summary>
    internal static readonly TimeSpan Heartbeat = TimeSpan.FromMinutes(1);

    /// <summary>A claim of another host not touched for this long is taken to belong to a dead process.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    private readonly string _content;

    private RunClaim(string path, string content)
    {
        Path = path;
        _content = content;
    }

    /// <summary>The claim file.</summary>
    public string Path { get; }

    /// <summary>This process as a claim's owner: the host (cut as in temporary folder names) and the process id.</summary>
    internal static string Host => SweepGrid.Safe(Environment.MachineName, 32);

    private static readonly long StartTicks = Process.GetCurrentProcess().StartTime.ToUniversalTime().Ticks;

    /// <summary>The claim file of <paramref name="runId"/> in <paramref name="outDir"/>.</summary>
    internal static string PathOf(string outDir, string runId) => System.IO.Path.Combine(outDir, Prefix + runId);

    /// <summary>
    /// Claims the run for this process; null when another live process holds it. A dead owner's
    /// claim is moved aside (one process wins that move) and claimed anew.
    /// </summary>
    public static RunClaim? TryTake(string outDir, string runId)
    {
        string path = PathOf(outDir, runId);
        string content = string.Create(CultureInfo.InvariantCulture, $"{Host}\n{Environment.ProcessId}\n{StartTicks}\n{DateTime.UtcNow:O}\n");
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                using (var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
                using (var w = new StreamWriter(f)) w.Write(content);
                return new RunClaim(path, content);
            }
            // The claim exists (EEXIST, or the file seen): it may already be gone
            // again when this runs (its owner finished and released it), so not only File.Exists.
            catch (IOException e) when (IsAlreadyExists(e) || File.Exists(path))
            {
                string? held = ReadOrNull(path);
                // A claim being written (empty) or just released counts as alive: try again later.
                if (held is null || held.Length == 0 || IsAlive(held, path)) return null;
                // Moving (not deleting) the dead claim lets only one of several processes that
                // found it dead go on to create a new one; the loser's move finds no file.
                string aside = $"{path}.dead.{Host}.{Environment.ProcessId}";
                try
                {
                    File.Move(path, aside, overwrite: false);
                }
                catch (IOException)
                {
                    return null;
                }
                string? moved = ReadOrNull(aside);
                File.Delete(aside);
                // The file moved was a fresh live claim made between the read and the move: give it back.
                if (moved != held && moved is not null)
                {
                    TryRestore(path, moved);
                    return null;
                }
            }
        }
        return null;
    }

    /// <summary>CreateNew found the file there: errno EEXIST (17) on Unix, ERROR_FILE_EXISTS on Windows.</summary>
    private static bool IsAlreadyExists(IOException e) => e.HResult is 17 or unchecked((int)0x80070050);

    /// <summary>Writes back a live claim this process moved aside by mistake (see <see cref="TryTake"/>).</summary>
    private static void TryRestore(string path, string content)
    {
        try
        {
            using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            using var w = new StreamWriter(f);
            w.Write(content);
        }
        catch (IOException)
        {
            // Someone claimed it again meanwhile; at worst the run is trained twice, and the sweep keeps one result.
        }
    }

    /// <summary>True when the claim at <paramref name="path"/> exists and its owner is alive.</summary>
    internal static bool IsHeld(string path)
    {
        string? held = ReadOrNull(path);
        return held is not null && (held.Length == 0 || IsAlive(held, path));
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool IsAlive(string content, string path)
    {
        var lines = content.Split('\n');
        if (lines.Length < 3 || !int.TryParse(lines[1], CultureInfo.InvariantCulture, out int pid) || !long.TryParse(lines[2], CultureInfo.InvariantCulture, out long ticks))
            return DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < StaleAfter;   // unreadable: judged by age only
        if (lines[0] != Host) return DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < StaleAfter;
        return IsAlive(pid, ticks);
    }

    /// <summary>True when this host has a process <paramref name="pid"/> that started at <paramref name="startTicks"/> (UTC, to a second).</summary>
    internal static bool IsAlive(int pid, long? startTicks)
    {
        if (pid == Environment.ProcessId) return startTicks is null || startTicks == StartTicks;
        try
        {
            using var p = Process.GetProcessById(pid);
            if (p.HasExited) return false;
            return startTicks is null || Math.Abs(p.StartTime.ToUniversalTime().Ticks - startTicks.Value) < TimeSpan.TicksPerSecond;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Marks the claim alive for other hosts (see <see cref="StaleAfter"/>).</summary>
    public void Touch()
    {
        try
        {
            File.SetLastWriteTimeUtc(Path, DateTime.UtcNow);
        }
        catch (IOException)
        {
            // A missed heartbeat only risks a duplicate run, which the sweep tolerates.
        }
    }

    /// <summary>True while the claim file is still this process's (nobody took it over as dead).</summary>
    public bool StillOurs => ReadOrNull(Path) == _content;

    /// <summary>Releases the claim (deletes the file, if it is still ours).</summary>
    public void Dispose()
    {
        try
        {
            if (StillOurs) File.Delete(Path);
        }
        catch (IOException)
        {
            // Left behind, it is taken over as dead by the next sweep.
        }
    }
}
