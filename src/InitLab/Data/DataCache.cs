namespace InitLab.Data;

/// <summary>
/// Where downloaded datasets live: --dir when given, else $INITLAB_DATA, else
/// $XDG_CACHE_HOME/initlab, else ~/.cache/initlab (%LOCALAPPDATA%\initlab on Windows); one
/// subfolder per dataset. The environment is injectable so tests need not change the process's.
/// </summary>
public sealed class DataCache(Func<string, string?>? environment = null, bool? windows = null)
{
    private readonly Func<string, string?> _env = environment ?? Environment.GetEnvironmentVariable;
    private readonly bool _windows = windows ?? OperatingSystem.IsWindows();

    /// <summary>The process's own environment.</summary>
    public static DataCache Default { get; } = new();

    /// <summary>Looks up an environment variable; empty counts as unset.</summary>
    public string? Variable(string name) => _env(name) is { Length: > 0 } v ? v : null;

    /// <summary>The cache root: <paramref name="directory"/> if given, else the first of the places in the class summary.</summary>
    public string Root(string? directory = null)
    {
        if (!string.IsNullOrEmpty(directory)) return directory;
        if (Variable("INITLAB_DATA") is { } data) return data;
        return PlatformRoots().First();
    }

    /// <summary>The platform's cache folders for InitLab, the one downloads go to first: %LOCALAPPDATA%\initlab, or $XDG_CACHE_HOME/initlab then ~/.cache/initlab.</summary>
    private IEnumerable<string> PlatformRoots()
    {
        if (_windows)
        {
            yield return Path.Combine(Variable("LOCALAPPDATA") ?? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "initlab");
            yield break;
        }
        if (Variable("XDG_CACHE_HOME") is { } xdg) yield return Path.Combine(xdg, "initlab");
        yield return Path.Combine(Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "initlab");
    }

    /// <summary>The folder dataset <paramref name="name"/> is downloaded into.</summary>
    public string DatasetFolder(string name, string? directory = null) => Path.Combine(Root(directory), name);

    /// <summary>
    /// Every folder that may already hold dataset <paramref name="name"/>, in the order they are
    /// searched: $INITLAB_DATA/NAME and $INITLAB_DATA itself, the platform cache, and the
    /// folder a system package installs (/usr/share/datasets/NAME, as Debian's dataset-fashion-mnist does).
    /// </summary>
    public IReadOnlyList<string> SearchFolders(string name)
    {
        var list = new List<string>();
        if (Variable("INITLAB_DATA") is { } data)
        {
            list.Add(Path.Combine(data, name));
            list.Add(data);
        }
        list.AddRange(PlatformRoots().Select(root => Path.Combine(root, name)));
        if (!_windows) list.Add(Path.Combine(SystemDatasets, name));
        return list;
    }

    /// <summary>Where Debian's dataset-* packages install their files.</summary>
    public const string SystemDatasets = "/usr/share/datasets";
}
