namespace InitLab.Data;

/// <summary>Gets a named dataset onto this machine: found offline when it is already here, else downloaded into the cache.</summary>
public static class DatasetStore
{
    /// <summary>
    /// The folder holding dataset <paramref name="name"/>: the first search folder of
    /// <paramref name="cache"/> that has all four files, else the cache folder after
    /// <paramref name="downloader"/> has fetched and verified them.
    /// </summary>
    public static Task<string> LocateOrDownloadAsync(string name, Downloader downloader, DataCache? cache = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default) =>
        LocateOrDownloadAsync(DatasetCatalog.Get(name), downloader, cache, progress, cancel);

    /// <summary>As above, for a dataset described by <paramref name="info"/> (a catalog entry or one of the caller's own).</summary>
    public static async Task<string> LocateOrDownloadAsync(DatasetInfo info, Downloader downloader, DataCache? cache = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default)
    {
        var (folder, present) = Locate(info, cache);
        // Found offline: verified against the catalog (once per file version) before it is used.
        if (!present) await downloader.DownloadAsync(info, folder, progress, cancel).ConfigureAwait(false);
        else VerifyDownloaded(info, folder, cache);
        return folder;
    }

    /// <summary>
    /// Verifies (once per file version, see <see cref="CachedFiles"/>) a dataset found in the
    /// folder downloads go to. Other search folders are left alone: a system package's files may
    /// legitimately differ from the published ones (Debian recompressed Fashion-MNIST).
    /// </summary>
    internal static void VerifyDownloaded(DatasetInfo info, string folder, DataCache? cache)
    {
        string downloads = (cache ?? DataCache.Default).DatasetFolder(info.Name);
        if (string.Equals(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(downloads).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            CachedFiles.Verify(info, folder);
    }

    /// <summary>
    /// Where dataset <paramref name="info"/> is, or is to be downloaded: with no
    /// <paramref name="directory"/>, the first search folder that has all four files (Present),
    /// else the cache's folder for it; with a directory, DIRECTORY/NAME (to be downloaded, or
    /// verified if files are there).
    /// </summary>
    public static (string Folder, bool Present) Locate(DatasetInfo info, DataCache? cache = null, string? directory = null)
    {
        cache ??= DataCache.Default;
        if (directory is null && DataLocator.FindOffline(info.Name, cache) is { } found) return (found, true);
        return (cache.DatasetFolder(info.Name, directory), false);
    }
}
