namespace InitLab.Data;

/// <summary>Finds a dataset folder on this machine without the network.</summary>
public static class DataLocator
{
    /// <summary>
    /// Returns <paramref name="directory"/> when given, else the first of $INITLAB_DATA/NAME,
    /// $XDG_CACHE_HOME/initlab/NAME and ~/.cache/initlab/NAME that holds the training images.
    /// Throws with the list of places looked at when none does.
    /// </summary>
    public static string Resolve(string? directory, string name = "mnist")
    {
        if (!string.IsNullOrEmpty(directory))
        {
            if (!Directory.Exists(directory))
                throw new DirectoryNotFoundException($"Data folder '{directory}' does not exist.");
            return directory;
        }
        var candidates = Candidates(name).ToList();
        foreach (var c in candidates)
            if (File.Exists(Path.Combine(c, MnistLoader.TrainImages + ".gz")) || File.Exists(Path.Combine(c, MnistLoader.TrainImages)))
                return c;
        throw new FileNotFoundException(
            $"No {name} data found. Pass --data DIR with a folder holding {MnistLoader.TrainImages}.gz, {MnistLoader.TrainLabels}.gz, " +
            $"{MnistLoader.TestImages}.gz and {MnistLoader.TestLabels}.gz, or put them in one of: {string.Join(", ", candidates)}.");
    }

    private static IEnumerable<string> Candidates(string name)
    {
        var env = Environment.GetEnvironmentVariable("INITLAB_DATA");
        if (!string.IsNullOrEmpty(env))
        {
            yield return Path.Combine(env, name);
            yield return env;
        }
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg)) yield return Path.Combine(xdg, "initlab", name);
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "initlab", name);
    }
}
