using System.CommandLine;
using InitLab.Data;

namespace InitLab.Cli;

/// <summary>The --data DIR / --dataset NAME pair shared by train, seed and inspect.</summary>
internal static class DataSource
{
    public static Option<string?> DatasetOption() => new("--dataset")
    {
        Description = $"A dataset by name ({DatasetCatalog.Names}) instead of --data: used from the cache or a system package when present, else downloaded into the cache.",
    };

    /// <summary>Loads the splits named by --data or --dataset (neither: MNIST from the cache, as before).</summary>
    public static DataSplits Load(Output o, string? dataDir, string? dataset, bool quiet)
    {
        if (dataDir is not null && dataset is not null) throw new UsageException("give --data DIR or --dataset NAME, not both.");
        if (dataset is null) return Datasets.LoadFolder(dataDir);
        var info = Options.Parse(() => DatasetCatalog.Get(dataset), "--dataset");
        string dir = Fetch(o, info, null, quiet, CancellationToken.None).GetAwaiter().GetResult();
        return MnistLoader.Load(dir, info.Classes, info.ClassNames);
    }

    /// <summary>The data source as a run's configuration records it: the dataset's name, or the folder's full path.</summary>
    public static string Canonical(string? dataDir, string? dataset)
    {
        if (dataDir is not null && dataset is not null) throw new UsageException("give --data DIR or --dataset NAME, not both.");
        if (dataset is not null) return Options.Parse(() => DatasetCatalog.Get(dataset), "--dataset").Name;
        return dataDir is null ? Datasets.Canonical(DataLocator.Resolve(null)) : Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDir));
    }

    /// <summary>The dataset's folder: found offline, else downloaded (with a progress line on a terminal and the files listed).</summary>
    public static async Task<string> Fetch(Output o, DatasetInfo info, string? dir, bool quiet, CancellationToken cancel)
    {
        var (folder, present) = Datasets.Locate(info, dir);
        if (present) return folder;
        if (!quiet) o.Err.WriteLine($"Downloading {info.Title} into {folder}");
        IReadOnlyList<DownloadedFile> files;
        try
        {
            files = await Datasets.DownloadAsync(info, folder, o.DownloadProgress(quiet, [.. info.Files.Select(f => f.FileName)]), cancel);
        }
        finally
        {
            o.ClearProgress();
        }
        if (!quiet)
            foreach (var f in files)
                o.Err.WriteLine(f.Source is null
                    ? $"  {Path.GetFileName(f.Path)}: already there, MD5 verified"
                    : $"  {Path.GetFileName(f.Path)}: {f.Bytes:N0} bytes from {f.Source}, MD5 verified");
        return folder;
    }
}
