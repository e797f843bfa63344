namespace InitLab.Data;

/// <summary>
/// The one entry point for getting a dataset's splits: by name (mnist, fashion-mnist, kmnist),
/// found offline when it is already on this machine and downloaded into the cache otherwise, or
/// from a folder holding the four MNIST-format files.
/// </summary>
public static class Datasets
{
    /// <summary>True when <paramref name="nameOrFolder"/> names a catalog dataset rather than a folder.</summary>
    public static bool IsName(string nameOrFolder) =>
        DatasetCatalog.All.Any(d => string.Equals(d.Name, nameOrFolder.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Loads the training and test splits of a catalog dataset (downloading it when it is not on
    /// this machine; <paramref name="progress"/> reports the download) or of a folder. A folder
    /// named after a catalog dataset (e.g. /usr/share/datasets/fashion-mnist) gets that dataset's
    /// class names.
    /// </summary>
    public static DataSplits Load(string nameOrFolder, IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default) =>
        LoadAsync(nameOrFolder, progress, cancel).GetAwaiter().GetResult();

    /// <inheritdoc cref="Load"/>
    public static async Task<DataSplits> LoadAsync(string nameOrFolder, IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(nameOrFolder);
        if (IsName(nameOrFolder))
        {
            var info = DatasetCatalog.Get(nameOrFolder.Trim());
            string dir = await LocateOrDownloadAsync(info, progress, cancel).ConfigureAwait(false);
            return MnistLoader.Load(dir, info.Classes, info.ClassNames);
        }
        return LoadFolder(nameOrFolder);
    }

    /// <summary>The splits in <paramref name="folder"/>; null means MNIST from the cache or a system folder, as found offline.</summary>
    public static DataSplits LoadFolder(string? folder)
    {
        string dir = DataLocator.Resolve(folder);
        var guess = DatasetInspector.Guess(dir, []).Dataset;
        return MnistLoader.Load(dir, guess?.Classes ?? 10, guess?.ClassNames);
    }

    /// <summary>
    /// The folder of catalog dataset <paramref name="info"/>: found offline, else downloaded and
    /// verified into the cache (or into <paramref name="directory"/>/NAME when given).
    /// </summary>
    public static async Task<string> LocateOrDownloadAsync(DatasetInfo info, IProgress<DownloadProgress>? progress = null,
        CancellationToken cancel = default, string? directory = null)
    {
        var cache = DataCache.Default;
        var (folder, present) = DatasetStore.Locate(info, cache, directory);
        if (present) return folder;
        using var http = Downloader.CreateHttpClient();
        var downloader = new Downloader(http, DownloaderOptions.FromEnvironment(cache));
        await downloader.DownloadAsync(info, folder, progress, cancel).ConfigureAwait(false);
        return folder;
    }

    /// <summary>The canonical text of a data source for a run's configuration: a catalog name in lower case, a folder as its full path.</summary>
    public static string Canonical(string nameOrFolder) =>
        IsName(nameOrFolder) ? nameOrFolder.Trim().ToLowerInvariant() : Path.TrimEndingDirectorySeparator(Path.GetFullPath(nameOrFolder));
}
