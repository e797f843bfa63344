using InitLab.Data;

namespace InitLab.Tests.Data;

public class DataCacheTests
{
    private static DataCache With(bool windows = false, params (string Key, string Value)[] vars)
    {
        var d = vars.ToDictionary(v => v.Key, v => v.Value);
        return new DataCache(k => d.GetValueOrDefault(k), windows);
    }

    [Fact]
    public void RootFollowsDirThenInitlabDataThenXdgThenHome()
    {
        var all = With(false, ("INITLAB_DATA", "/d"), ("XDG_CACHE_HOME", "/x"), ("HOME", "/h"));
        Assert.Equal("/given", all.Root("/given"));
        Assert.Equal("/d", all.Root());
        Assert.Equal("/x/initlab", With(false, ("INITLAB_DATA", ""), ("XDG_CACHE_HOME", "/x"), ("HOME", "/h")).Root());
        Assert.Equal("/h/.cache/initlab", With(false, ("HOME", "/h")).Root());
        Assert.Equal(Path.Combine("/d", "kmnist"), all.DatasetFolder("kmnist"));
        Assert.Equal(Path.Combine("/given", "kmnist"), all.DatasetFolder("kmnist", "/given"));
    }

    [Fact]
    public void WindowsUsesLocalAppData() =>
        Assert.Equal(Path.Combine("C:/Users/a/AppData/Local", "initlab"), With(true, ("LOCALAPPDATA", "C:/Users/a/AppData/Local"), ("XDG_CACHE_HOME", "/x")).Root());

    [Fact]
    public void SearchFoldersEndWithTheSystemPackageFolder()
    {
        var folders = With(false, ("INITLAB_DATA", "/d"), ("XDG_CACHE_HOME", "/x"), ("HOME", "/h")).SearchFolders("fashion-mnist");
        Assert.Equal(["/d/fashion-mnist", "/d", "/x/initlab/fashion-mnist", "/h/.cache/initlab/fashion-mnist", "/usr/share/datasets/fashion-mnist"],
            folders.Select(f => f.Replace('\\', '/')));
    }

    [Fact]
    public void ADatasetInTheCacheIsFoundOffline()
    {
        using var d = new TempDir();
        string folder = Path.Combine(d.Path, "kmnist");
        Directory.CreateDirectory(folder);
        IdxWriter.WriteDataset(folder, 20, 10);
        var cache = With(false, ("INITLAB_DATA", d.Path), ("HOME", d.Path));
        Assert.Equal(folder, DataLocator.FindOffline("kmnist", cache));
        Assert.Equal(folder, DataLocator.Resolve(null, "kmnist", cache));
        File.Delete(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"));
        Assert.Null(DataLocator.FindOffline("kmnist", cache));  // an incomplete folder does not count
    }

    [Fact]
    public void NothingFoundSaysWhatToRunAndWhereToPutWhichFiles()
    {
        using var d = new TempDir();
        var cache = With(false, ("INITLAB_DATA", d.Path), ("HOME", d.Path));
        var e = Assert.Throws<FileNotFoundException>(() => DataLocator.Resolve(null, "kmnist", cache));
        Assert.Contains("No kmnist data found. Run 'initlab data download kmnist'", e.Message);
        Assert.Contains("train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains(Path.Combine(d.Path, "kmnist"), e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", DataLocator.NotFound("fashion-mnist", cache).Message);
    }

    [Fact]
    public async Task AStoreFindsADatasetOfflineWithoutTouchingTheNetwork()
    {
        using var d = new TempDir();
        string folder = Path.Combine(d.Path, "mnist");
        Directory.CreateDirectory(folder);
        IdxWriter.WriteDataset(folder, 20, 10);
        FakeCache.MarkVerified(folder, "mnist");
        using var http = new HttpClient(new RefusingHandler());
        var found = await DatasetStore.LocateOrDownloadAsync("mnist", new Downloader(http), With(false, ("INITLAB_DATA", d.Path), ("HOME", d.Path)));
        Assert.Equal(folder, found);
    }

    [Fact]
    public async Task AStoreDownloadsIntoTheCacheWhenNothingIsHere()
    {
        using var d = new TempDir();
        var info = new DatasetInfo("toy", "Toy", [.. DataLocator.FileNames.Select(n => new DataFileInfo(n + ".gz", "0"))],
            [new Uri("http://127.0.0.1:1/")], [.. Enumerable.Range(0, 10).Select(i => $"{i}")]);
        string cacheFolder = Path.Combine(d.Path, "toy");
        bool existedDuringDownload = false;
        using var http = new HttpClient(new RefusingHandler(() => existedDuringDownload = Directory.Exists(cacheFolder)));
        var e = await Assert.ThrowsAsync<DownloadException>(() =>
            DatasetStore.LocateOrDownloadAsync(info, new Downloader(http, new() { Retries = 0 }), With(false, ("INITLAB_DATA", d.Path), ("HOME", d.Path))));
        Assert.Contains("http://127.0.0.1:1/train-images-idx3-ubyte.gz failed after 0 bytes: refused by the test", e.Message);
        Assert.True(existedDuringDownload, "the download should go into the cache folder");
        Assert.False(Directory.Exists(cacheFolder), "the failed download should not leave an empty folder");
    }

    private sealed class RefusingHandler(Action? onRequest = null) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onRequest?.Invoke();
            throw new HttpRequestException("refused by the test");
        }
    }
}

public class DatasetCatalogTests
{
    [Fact]
    public void EntriesFollowTorchvision()
    {
        Assert.Equal(["mnist", "fashion-mnist", "kmnist"], DatasetCatalog.All.Select(d => d.Name));
        foreach (var d in DatasetCatalog.All)
        {
            Assert.Equal(DataLocator.FileNames.Select(n => n + ".gz"), d.Files.Select(f => f.FileName));
            Assert.All(d.Files, f => Assert.Matches("^[0-9a-f]{32}$", f.Md5));
            Assert.Equal(10, d.Classes);
            Assert.All(d.Mirrors, m => Assert.EndsWith("/", m.ToString()));
        }
        Assert.Equal("https://ossci-datasets.s3.amazonaws.com/mnist/", DatasetCatalog.Mnist.Mirrors[0].ToString());
        Assert.Equal("Ankle boot", DatasetCatalog.FashionMnist.ClassNames[9]);
        Assert.Equal("tsu", DatasetCatalog.Kmnist.ClassNames[3]);
        // The official MNIST test images, as ../shared/datasets/README.md records them.
        Assert.Equal("mnist", DatasetCatalog.FindByMd5("9fb629c4189551a2d022fa330f9573f3")?.Dataset.Name);
        Assert.Same(DatasetCatalog.FashionMnist, DatasetCatalog.Get("Fashion-MNIST"));
        Assert.Contains("unknown dataset 'cifar'; known datasets: mnist, fashion-mnist, kmnist", Assert.Throws<UserInputException>(() => DatasetCatalog.Get("cifar")).Message);
    }

    [Fact]
    public void InspectorReportsCountsHistogramAndGuessesFromTheFolderName()
    {
        using var d = new TempDir();
        string folder = Path.Combine(d.Path, "my-kmnist-copy");
        Directory.CreateDirectory(folder);
        IdxWriter.WriteDataset(folder, 50, 20);
        var r = DatasetInspector.Inspect(folder);
        Assert.Same(DatasetCatalog.Kmnist, r.Dataset);
        Assert.Equal("folder name", r.GuessedFrom);
        Assert.Equal((50, 20, 28, 28), (r.Train.Count, r.Test.Count, r.Train.ImageRows, r.Train.ImageCols));
        var labels = MnistLoader.Load(folder).Train.Labels;
        Assert.Equal(Enumerable.Range(0, 10).Select(c => labels.Count(l => l == c)), r.Train.Histogram);
        Assert.All(r.Files, f => Assert.False(f.Matches));
        Assert.Equal("fashion-mnist", DatasetInspector.Guess("/usr/share/datasets/fashion-mnist", []).Dataset?.Name);
        Assert.Null(DatasetInspector.Guess("/tmp/digits", ["00"]).Dataset);
    }
}
