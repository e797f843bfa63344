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
        var (folder, present) = Locate(info, directory);
        if (!present) await DownloadAsync(info, folder, progress, cancel).ConfigureAwait(false);
        else DatasetStore.VerifyDownloaded(info, folder, DataCache.Default);
        return folder;
    }

    /// <summary>
    /// Where <paramref name="info"/> is on this machine (Present) or is to be downloaded: the first
    /// search folder holding all four files, else the cache's folder (or <paramref name="directory"/>/NAME).
    /// </summary>
    public static (string Folder, bool Present) Locate(DatasetInfo info, string? directory = null) =>
        DatasetStore.Locate(info, DataCache.Default, directory);

    /// <summary>
    /// Downloads <paramref name="info"/>'s files into <paramref name="folder"/> from its mirrors
    /// (and INITLAB_MIRRORS), verifying each; files already there and verified are kept. When every
    /// mirror fails, the <see cref="IOException"/> names them and says how to go on without the internet.
    /// </summary>
    /// <returns>Each file, with where it came from (null: it was already there).</returns>
    public static async Task<IReadOnlyList<DownloadedFile>> DownloadAsync(DatasetInfo info, string folder, IProgress<DownloadProgress>? progress = null,
        CancellationToken cancel = default)
    {
        using var http = Downloader.CreateHttpClient();
        var downloader = new Downloader(http, DownloaderOptions.FromEnvironment(DataCache.Default));
        try
        {
            return await downloader.DownloadAsync(info, folder, progress, cancel).ConfigureAwait(false);
        }
        catch (DownloadException e)
        {
            throw new IOException($"{e.Message} Without the internet, copy the four files ({string.Join(", ", info.Files.Select(f => f.FileName))}) into {folder}, or pass --data DIR.", e);
        }
    }

    /// <summary>The canonical text of a data source for a run's configuration: a catalog name in lower case, a folder as its full path.</summary>
    public static string Canonical(string nameOrFolder) =>
        IsName(nameOrFolder) ? nameOrFolder.Trim().ToLowerInvariant() : Path.TrimEndingDirectorySeparator(Path.GetFullPath(nameOrFolder));
}
