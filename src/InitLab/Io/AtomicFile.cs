using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace InitLab.Io;

/// <summary>
/// Writes files so that readers see either the old file or the whole new one, never a part: the
/// content goes to a temporary file beside the target, then is renamed over it. A crash leaves at
/// most the temporary file, which nothing reads and a later write of the same target removes.
/// </summary>
/// <remarks>
/// The temporary name is PATH.PID.RANDOM.tmp: RANDOM is 64 bits from the system's cryptographic
/// generator, so nobody can plant a symlink at it in advance, and the file is created with
/// create-new semantics (O_CREAT|O_EXCL), which fails on anything already there, a symlink
/// included, instead of following it. rename(2) replaces a symlink at the target itself, never
/// the file it points to. The PID is in the name only so that stale temporaries can be told apart.
/// </remarks>
internal static class AtomicFile
{
    /// <summary>A temporary file of a dead process on this machine is removed once it is this old.</summary>
    internal static readonly TimeSpan StaleDeadOwner = TimeSpan.FromMinutes(1);

    /// <summary>Any temporary file of InitLab's pattern is removed once it has not been written for this long.</summary>
    internal static readonly TimeSpan StaleAnyOwner = TimeSpan.FromHours(1);

    /// <summary>Writes <paramref name="path"/> from a stream, flushed to disk before the rename.</summary>
    public static void Write(string path, Action<Stream> write) => Commit(path, (tmp, f) =>
    {
        write(f);
        f.Flush(flushToDisk: true);
    });

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM) to <paramref name="path"/>, flushed before the rename.</summary>
    public static void WriteAllText(string path, string text) => Write(path, s =>
    {
        using var w = new StreamWriter(s, leaveOpen: true);
        w.Write(text);
    });

    /// <summary>
    /// For writers that only take a file name (plot libraries): <paramref name="writeFile"/>
    /// writes the temporary file named to it, which then replaces <paramref name="path"/>. The
    /// temporary file is created (create-new, random name) before the writer opens it by name, so
    /// the name is already this process's file and no planted symlink can be there.
    /// </summary>
    public static void Replace(string path, Action<string> writeFile) => Commit(path, (tmp, f) =>
    {
        f.Dispose();
        writeFile(tmp);
    });

    /// <summary>A fresh temporary name for <paramref name="path"/>: PATH.PID.RANDOM.tmp (RANDOM 16 hex digits).</summary>
    internal static string TemporaryName(string path) =>
        $"{path}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp";

    private static void Commit(string path, Action<string, FileStream> write)
    {
        RemoveStale(path);
        string tmp = TemporaryName(path);
        // CreateNew: fails if anything, a symlink included, has this name; never truncates or follows.
        var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        try
        {
            using (f) write(tmp, f);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            // File.Delete removes a symlink itself, not its target, should one have replaced the file.
            if (File.Exists(tmp) || IsLink(tmp)) File.Delete(tmp);
        }
    }

    private static bool IsLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes temporary files of <paramref name="path"/> left by a killed process: names of
    /// exactly InitLab's pattern (PATH.PID.RANDOM.tmp, or the older PATH.PID.tmp), regular files
    /// only, and only when it is safe: the owner PID is not running on this machine and the file
    /// has not been written for <see cref="StaleDeadOwner"/> (a PID from another machine sharing
    /// the folder is not running here either, hence the age too: a live writer keeps writing), or
    /// the file has not been written for <see cref="StaleAnyOwner"/> whoever owns it (PIDs are
    /// reused; no write takes an hour without writing). Errors are ignored: cleaning is a courtesy.
    /// </summary>
    internal static void RemoveStale(string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            string? dir = Path.GetDirectoryName(full);
            string name = Path.GetFileName(full);
            if (dir is null || name.Length == 0 || !Directory.Exists(dir)) return;
            var pattern = new Regex($"^{Regex.Escape(name)}\\.([0-9]{{1,10}})(\\.[0-9a-f]{{16}})?\\.tmp$", RegexOptions.CultureInvariant);
            var now = DateTime.UtcNow;
            foreach (var file in new DirectoryInfo(dir).EnumerateFiles(name + ".*.tmp"))
            {
                var m = pattern.Match(file.Name);
                if (!m.Success || file.LinkTarget is not null) continue;
                var idle = now - file.LastWriteTimeUtc;
                bool dead = int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !IsRunning(pid);
                if ((dead && idle > StaleDeadOwner) || idle > StaleAnyOwner) file.Delete();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
