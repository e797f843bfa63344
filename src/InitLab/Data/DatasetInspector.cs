namespace InitLab.Data;

/// <summary>One split of a data folder: its size and how many items each class has.</summary>
/// <param name="Name">"train" or "test".</param>
/// <param name="Count">Images in the split.</param>
/// <param name="ImageRows">Image height in pixels.</param>
/// <param name="ImageCols">Image width in pixels.</param>
/// <param name="Histogram">Images per class, by class number.</param>
public sealed record SplitReport(string Name, int Count, int ImageRows, int ImageCols, IReadOnlyList<int> Histogram);

/// <summary>A file's checksum and how it compares with the published one.</summary>
/// <param name="Path">The file inspected (.gz or raw).</param>
/// <param name="Bytes">Its size on disk.</param>
/// <param name="Md5">Lower-case hex MD5 of its bytes as stored (of the .gz when gzipped).</param>
/// <param name="Published">The published MD5 for a file of this name in the guessed dataset; null when there is none.</param>
public sealed record FileReport(string Path, long Bytes, string Md5, string? Published)
{
    /// <summary>Whether <c>Md5</c> equals the published checksum; null when none is published.</summary>
    public bool? Matches => Published is null ? null : string.Equals(Md5, Published, StringComparison.OrdinalIgnoreCase);
}

/// <summary>What a data folder holds.</summary>
/// <param name="Folder">The folder inspected.</param>
/// <param name="Dataset">The dataset the files seem to be; null when neither checksums nor the folder's name tell.</param>
/// <param name="GuessedFrom">"published checksums", "folder name" or "nothing".</param>
/// <param name="Train">The training split's counts and class histogram.</param>
/// <param name="Test">The test split's counts and class histogram.</param>
/// <param name="Files">The four files, in the order train images, train labels, test images, test labels.</param>
public sealed record DatasetReport(string Folder, DatasetInfo? Dataset, string GuessedFrom, SplitReport Train, SplitReport Test, IReadOnlyList<FileReport> Files);

/// <summary>Reads a data folder and reports its dataset, counts, image size, class histogram and checksum status.</summary>
public static class DatasetInspector
{
    /// <summary>Loads the four files in <paramref name="folder"/> (as <see cref="MnistLoader"/> does) and checksums them; nothing is downloaded.</summary>
    public static DatasetReport Inspect(string folder)
    {
        DataLocator.CheckFolder(folder);
        var paths = DataLocator.FileNames.Select(f => MnistLoader.Find(folder, f)).ToList();
        var sums = paths.Select(p => (Path: p, Md5: FileChecksum.Compute(p, sha256: false).Md5)).ToList();
        var (dataset, how) = Guess(folder, sums.Select(s => s.Md5));
        var files = sums.Select(s => new FileReport(s.Path, new FileInfo(s.Path).Length, s.Md5,
            dataset?.Files.FirstOrDefault(f => f.FileName == System.IO.Path.GetFileName(s.Path))?.Md5)).ToList();
        var splits = MnistLoader.Load(folder, dataset?.Classes ?? 10, dataset?.ClassNames);
        return new DatasetReport(folder, dataset, how, Split("train", splits.Train), Split("test", splits.Test), files);
    }

    /// <summary>By published checksum first; failing that by a dataset name in the folder's path (longest name first, so fashion-mnist is not taken for mnist).</summary>
    public static (DatasetInfo? Dataset, string GuessedFrom) Guess(string folder, IEnumerable<string> md5s)
    {
        foreach (var md5 in md5s)
            if (DatasetCatalog.FindByMd5(md5) is { } hit) return (hit.Dataset, "published checksums");
        string name = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder))).ToLowerInvariant();
        foreach (var d in DatasetCatalog.All.OrderByDescending(d => d.Name.Length))
            if (name.Contains(d.Name, StringComparison.Ordinal)) return (d, "folder name");
        return (null, "nothing");
    }

    private static SplitReport Split(string name, Dataset d)
    {
        var histogram = new int[d.Classes];
        foreach (int label in d.Labels) histogram[label]++;
        return new SplitReport(name, d.Count, d.ImageRows, d.ImageCols, histogram);
    }
}
