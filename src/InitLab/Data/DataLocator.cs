namespace InitLab.Data;

/// <summary>Finds a dataset folder on this machine without the network.</summary>
public static class DataLocator
{
    /// <summary>The four files every MNIST-format folder holds (each raw or .gz).</summary>
    public static IReadOnlyList<string> FileNames { get; } = [MnistLoader.TrainImages, MnistLoader.TrainLabels, MnistLoader.TestImages, MnistLoader.TestLabels];

    /// <summary>
    /// Returns <paramref name="directory"/> when given, else the first folder of
    /// <see cref="DataCache.SearchFolders"/> that holds all four files. Throws, saying what to run
    /// and where to put which files, when none does.
    /// </summary>
    public static string Resolve(string? directory, string name = "mnist", DataCache? cache = null)
    {
        if (!string.IsNullOrEmpty(directory))
        {
            CheckFolder(directory);
            return directory;
        }
        return FindOffline(name, cache) ?? throw NotFound(name, cache);
    }

    /// <summary>
    /// Throws unless <paramref name="directory"/> is an existing folder; a file in its place gets
    /// its own message, since "does not exist" would be wrong about a file that is there.
    /// </summary>
    public static void CheckFolder(string directory)
    {
        if (Directory.Exists(directory)) return;
        if (File.Exists(directory))
            throw new UserInputException($"Data folder '{directory}' is a file, not a folder.\n" +
                $"Give the folder that holds the four MNIST-format files: '{Path.GetDirectoryName(Path.GetFullPath(directory))}'.");
        throw new DirectoryNotFoundException($"Data folder '{directory}' does not exist.");
    }

    /// <summary>The first search folder holding all four files of <paramref name="name"/>, or null.</summary>
    public static string? FindOffline(string name, DataCache? cache = null) =>
        (cache ?? DataCache.Default).SearchFolders(name).FirstOrDefault(HasAllFiles);

    /// <summary>True when the folder holds the four MNIST-format files (raw or gzipped).</summary>
    public static bool HasAllFiles(string folder) =>
        FileNames.All(f => File.Exists(Path.Combine(folder, f + ".gz")) || File.Exists(Path.Combine(folder, f)));

    /// <summary>The error for a dataset found nowhere: the command to run, or where to put which files.</summary>
    public static FileNotFoundException NotFound(string name, DataCache? cache = null)
    {
        var folders = (cache ?? DataCache.Default).SearchFolders(name);
        string files = string.Join(", ", FileNames.Select(f => f + ".gz"));
        string download = DatasetCatalog.All.Any(d => d.Name == name)
            ? $"Run 'initlab data download {name}' to fetch it (needs the internet), or put "
            : "Put ";
        string package = name == "fashion-mnist" ? " On Debian, 'apt-get install dataset-fashion-mnist' installs it." : "";
        return new FileNotFoundException(
            $"No {name} data found. {download}{files} into one of: {string.Join(", ", folders)}; or pass --data DIR with a folder holding them.{package}");
    }
}
