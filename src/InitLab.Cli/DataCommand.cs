using System.CommandLine;
using InitLab.Data;

namespace InitLab.Cli;

/// <summary>`initlab data download NAME` and `initlab data info DIR`.</summary>
internal static class DataCommand
{
    public static Command Build(Output o)
    {
        var cmd = new Command("data", "Download datasets and describe data folders.");
        cmd.Subcommands.Add(Download(o));
        cmd.Subcommands.Add(Info(o));
        return cmd;
    }

    private static Command Download(Output o)
    {
        var name = new Argument<string>("name") { Description = $"The dataset: {DatasetCatalog.Names}." };
        var dir = new Option<string?>("--dir") { Description = "Cache root to download into (a subfolder per dataset); default $INITLAB_DATA, else $XDG_CACHE_HOME/initlab or ~/.cache/initlab." };
        var cmd = new Command("download", "Fetch a dataset from torchvision's mirrors (plus $INITLAB_MIRRORS, tried first), verifying every file's published MD5.")
        {
            name, dir, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(async (p, _) =>
        {
            var info = Options.Parse(() => DatasetCatalog.Get(p.GetValue(name)!), "name");
            // A missing --dir is created (as torchvision's download=True does), with the dataset's folder inside it.
            string? root = p.GetValue(dir);
            bool quiet = p.GetValue(Cli.Quiet);
            using var interrupt = new CtrlC();
            try
            {
                // Always run the downloader here, even when the data is elsewhere on the machine: it checks and completes the cache.
                string folder = await DataSource.Fetch(o, info, root ?? DataCache.Default.Root(), quiet, interrupt.Token);
                o.Out.WriteLine($"{info.Title}: {DataLocator.FileNames.Count} files verified in {folder}");
                return Cli.Ok;
            }
            catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
            {
                o.EndProgress();
                string folder = Datasets.Locate(info, root ?? DataCache.Default.Root()).Folder;
                var kept = Directory.Exists(folder) ? Directory.GetFiles(folder).Where(f => !f.EndsWith(".part", StringComparison.Ordinal)).Count() : 0;
                var parts = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.part") : [];
                o.Err.WriteLine($"initlab: interrupted; {kept} of {info.Files.Count} files complete in {folder}" +
                    (parts.Length > 0 ? $", {Path.GetFileName(parts[0])} partly downloaded ({new FileInfo(parts[0]).Length:N0} bytes)." : "."));
                o.Err.WriteLine($"initlab: run 'initlab data download {info.Name}{(root is null ? "" : $" --dir {root}")}' again to resume where it stopped.");
                return Cli.Interrupted;
            }
        });
        return cmd;
    }

    private static Command Info(Output o)
    {
        var dir = new Argument<string>("dir") { Description = $"A folder holding the four MNIST-format files, or a dataset's name ({DatasetCatalog.Names}) found on this machine." };
        var cmd = new Command("info", "Describe a data folder: dataset, counts, image size, class histogram and checksum status.") { dir, Cli.Verbose };
        cmd.SetAction(p =>
        {
            Print(o.Out, DatasetInspector.Inspect(FolderOf(p.GetValue(dir)!)));
            return Cli.Ok;
        });
        return cmd;
    }

    /// <summary>A folder as given, or where a dataset named like every other command names it is on this machine.</summary>
    private static string FolderOf(string dirOrName)
    {
        if (Directory.Exists(dirOrName) || File.Exists(dirOrName)) return dirOrName;
        var info = DatasetCatalog.All.FirstOrDefault(d => string.Equals(d.Name, dirOrName.Trim(), StringComparison.OrdinalIgnoreCase));
        if (info is null) return dirOrName;
        var (folder, present) = Datasets.Locate(info);
        return present ? folder
            : throw new UserInputException($"{info.Name} is not on this machine (looked in the cache and the system folders).\nRun 'initlab data download {info.Name}' first.");
    }

    private static void Print(TextWriter w, DatasetReport r)
    {
        w.WriteLine($"folder:  {r.Folder}");
        w.WriteLine(r.Dataset is { } d ? $"dataset: {d.Title} ({d.Name}), recognised by its {r.GuessedFrom}" : "dataset: unknown (MNIST format; neither checksums nor folder name match a known dataset)");
        foreach (var s in new[] { r.Train, r.Test })
            w.WriteLine($"{s.Name + ":",-8} {s.Count,7:N0} images of {s.ImageRows}x{s.ImageCols}");
        var names = r.Dataset?.ClassNames;
        int width = Math.Max(5, names?.Max(n => n.Length) ?? 1) + 3;
        w.WriteLine($"{"class".PadRight(width)} {"train",7} {"test",7}");
        for (int c = 0; c < r.Train.Histogram.Count; c++)
        {
            string label = names is null || names[c] == c.ToString(System.Globalization.CultureInfo.InvariantCulture) ? $"{c}" : $"{c} {names[c]}";
            w.WriteLine($"{label.PadRight(width)} {r.Train.Histogram[c],7:N0} {r.Test.Histogram[c],7:N0}");
        }
        w.WriteLine("checksums:");
        foreach (var f in r.Files)
        {
            string status = f.Matches switch
            {
                true => "matches the published MD5",
                false => $"differs from the published file (MD5 {f.Published})",
                null => r.Dataset is null ? "no published file to compare with" : "no published checksum for this name",
            };
            w.WriteLine($"  {Path.GetFileName(f.Path)}  {f.Bytes,11:N0} bytes  MD5 {f.Md5}  {status}");
        }
    }
}
