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
        cache ??= DataCache.Default;
        if (DataLocator.FindOffline(info.Name, cache) is { } found) return found;
        string folder = cache.DatasetFolder(info.Name);
        await downloader.DownloadAsync(info, folder, progress, cancel).ConfigureAwait(false);
        return folder;
    }
}
