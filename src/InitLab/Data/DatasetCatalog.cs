namespace InitLab.Data;

/// <summary>One file of a published dataset and the checksums it was published with.</summary>
/// <param name="FileName">The name on the mirrors and in the cache, e.g. train-images-idx3-ubyte.gz.</param>
/// <param name="Md5">Lower-case hex MD5 of the file as published (torchvision's table).</param>
/// <param name="Sha256">Lower-case hex SHA-256 when one is published; null otherwise.</param>
public sealed record DataFileInfo(string FileName, string Md5, string? Sha256 = null);

/// <summary>A dataset that can be downloaded: its files, where to get them and what its classes are called.</summary>
/// <param name="Name">The name used on the command line and as the cache subfolder.</param>
/// <param name="Title">The name as its authors write it, for listings ("Fashion-MNIST").</param>
/// <param name="Files">The four IDX files (train/test images and labels), gzipped as published.</param>
/// <param name="Mirrors">Base URLs, ending in '/', tried in order.</param>
/// <param name="ClassNames">What each label means, indexed by label (torchvision's names).</param>
public sealed record DatasetInfo(string Name, string Title, IReadOnlyList<DataFileInfo> Files, IReadOnlyList<Uri> Mirrors, IReadOnlyList<string> ClassNames)
{
    /// <summary>Number of classes, one per entry of ClassNames.</summary>
    public int Classes => ClassNames.Count;

    /// <summary>The catalog entry of the file called <paramref name="fileName"/> (with or without .gz), or null.</summary>
    public DataFileInfo? File(string fileName) =>
        Files.FirstOrDefault(f => f.FileName == fileName || f.FileName == fileName + ".gz");
}

/// <summary>
/// The datasets InitLab knows how to fetch: the files, MD5s and mirrors torchvision uses
/// (torchvision/datasets/mnist.py), and the class names torchvision gives them. No SHA-256 is
/// published for these files, so only MD5 is checked for them; the downloader checks SHA-256
/// whenever an entry has one.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>LeCun, Cortes and Burges' handwritten digits: 60,000 training and 10,000 test images, 28x28.</summary>
    public static readonly DatasetInfo Mnist = new(
        "mnist", "MNIST",
        [
            new(MnistLoader.TrainImages + ".gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            new(MnistLoader.TrainLabels + ".gz", "d53e105ee54ea40749a09fcbcd1e9432"),
            new(MnistLoader.TestImages + ".gz", "9fb629c4189551a2d022fa330f9573f3"),
            new(MnistLoader.TestLabels + ".gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ],
        [new("https://ossci-datasets.s3.amazonaws.com/mnist/"), new("http://yann.lecun.com/exdb/mnist/")],
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

    /// <summary>Zalando's Fashion-MNIST: clothing images in MNIST's format and sizes, ten classes.</summary>
    public static readonly DatasetInfo FashionMnist = new(
        "fashion-mnist", "Fashion-MNIST",
        [
            new(MnistLoader.TrainImages + ".gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            new(MnistLoader.TrainLabels + ".gz", "25c81989df183df01b3e8a0aad5dffbe"),
            new(MnistLoader.TestImages + ".gz", "bef4ecab320f06d8554ea6380940ec79"),
            new(MnistLoader.TestLabels + ".gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ],
        [new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")],
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);

    /// <summary>Kuzushiji-MNIST: ten cursive Japanese characters in MNIST's format and sizes.</summary>
    public static readonly DatasetInfo Kmnist = new(
        "kmnist", "Kuzushiji-MNIST",
        [
            new(MnistLoader.TrainImages + ".gz", "bdb82020997e1d708af4cf47b453dcf7"),
            new(MnistLoader.TrainLabels + ".gz", "e144d726b3acfaa3e44228e80efcd344"),
            new(MnistLoader.TestImages + ".gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
            new(MnistLoader.TestLabels + ".gz", "7320c461ea6c1c855c0b718fb2a4b134"),
        ],
        [new("http://codh.rois.ac.jp/kmnist/dataset/kmnist/")],
        ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]);

    /// <summary>Every known dataset, in the order listings show them.</summary>
    public static IReadOnlyList<DatasetInfo> All { get; } = [Mnist, FashionMnist, Kmnist];

    /// <summary>The known names joined by ", " for messages ("mnist, fashion-mnist, kmnist").</summary>
    public static string Names => string.Join(", ", All.Select(d => d.Name));

    /// <summary>The dataset called <paramref name="name"/> (case-insensitive); a <see cref="UserInputException"/> naming the known ones otherwise.</summary>
    public static DatasetInfo Get(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UserInputException($"unknown dataset '{name}'; known datasets: {Names}.");

    /// <summary>The dataset and file whose published MD5 is <paramref name="md5"/>, if any.</summary>
    public static (DatasetInfo Dataset, DataFileInfo File)? FindByMd5(string md5)
    {
        foreach (var d in All)
            foreach (var f in d.Files)
                if (string.Equals(f.Md5, md5, StringComparison.OrdinalIgnoreCase)) return (d, f);
        return null;
    }
}
