namespace InitLab.Web;

/// <summary>
/// Maps a path from a request to a file or folder under the results folder, refusing everything
/// else: an absolute path, a ".." segment or a backslash is 404 (as if it did not exist: nothing
/// is said about what lies outside), and a symbolic link anywhere along the way whose target is
/// outside the folder is 403.
/// </summary>
public sealed class PathGuard
{
    /// <summary>A guard for <paramref name="root"/>, resolved (with its own links followed) once.</summary>
    public PathGuard(string root)
    {
        string full = Path.GetFullPath(root);
        var info = new DirectoryInfo(full);
        Root = Path.TrimEndingDirectorySeparator(info.LinkTarget is null ? full : info.ResolveLinkTarget(true)!.FullName);
    }

    /// <summary>The results folder, absolute, links resolved.</summary>
    public string Root { get; }

    /// <summary>
    /// The absolute path of <paramref name="relative"/> ("/"-separated, empty for the root) and
    /// 200, or null and 404 / 403. The path need not exist.
    /// </summary>
    public (string? Path, int Status) Resolve(string? relative)
    {
        relative ??= "";
        if (relative.Contains('\\') || relative.Contains('\0') || Path.IsPathRooted(relative) || relative.Contains(':')) return (null, 404);
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p is ".." or ".")) return (null, 404);
        string current = Root;
        foreach (var part in parts)
        {
            current = Path.Combine(current, part);
            FileSystemInfo fsi = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (fsi.LinkTarget is null) continue;
            var target = fsi.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !IsUnder(Path.GetFullPath(target.FullName))) return (null, 403);
        }
        return IsUnder(current) ? (current, 200) : (null, 404);
    }

    /// <summary>The "/"-separated path of <paramref name="full"/> relative to the root.</summary>
    public string Relative(string full) => Path.GetRelativePath(Root, full).Replace('\\', '/');

    private bool IsUnder(string full) =>
        full == Root || full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
