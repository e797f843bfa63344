namespace InitLab.Data;

/// <summary>
/// Loads the four standard MNIST-format files (MNIST, Fashion-MNIST and KMNIST share them) from a
/// folder, raw or gzipped, and checks that they belong together.
/// </summary>
public static class MnistLoader
{
    /// <summary>File name (without .gz) of the training images: IDX rank 3, (count, rows, cols) bytes.</summary>
    public const string TrainImages = "train-images-idx3-ubyte";

    /// <summary>File name (without .gz) of the training labels: IDX rank 1, one byte per image.</summary>
    public const string TrainLabels = "train-labels-idx1-ubyte";

    /// <summary>File name (without .gz) of the test images.</summary>
    public const string TestImages = "t10k-images-idx3-ubyte";

    /// <summary>File name (without .gz) of the test labels.</summary>
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>Loads train and test splits from <paramref name="directory"/>.</summary>
    /// <param name="directory">The folder holding the four files, each raw or .gz (the .gz is preferred when both exist).</param>
    /// <param name="classes">Number of classes; a label at or above it is an error in the file.</param>
    /// <param name="classNames">The classes' names (see <see cref="DatasetCatalog"/>); numbers when null.</param>
    public static DataSplits Load(string directory, int classes = 10, IReadOnlyList<string>? classNames = null)
    {
        if (File.Exists(directory)) DataLocator.CheckFolder(directory);
        if (!Directory.Exists(directory))
            throw new FileNotFoundException($"Data folder '{directory}' does not exist. It should hold {TrainImages}, {TrainLabels}, {TestImages} and {TestLabels} (each optionally .gz).");
        var train = LoadPair(Find(directory, TrainImages), Find(directory, TrainLabels), classes, classNames);
        var test = LoadPair(Find(directory, TestImages), Find(directory, TestLabels), classes, classNames);
        if (train.ImageRows != test.ImageRows || train.ImageCols != test.ImageCols)
            throw new IdxFormatException(directory, $"training images are {train.ImageRows}x{train.ImageCols} but test images are {test.ImageRows}x{test.ImageCols}.");
        return new DataSplits(train, test);
    }

    /// <summary>The path of <paramref name="baseName"/> or <paramref name="baseName"/>.gz in the folder.</summary>
    public static string Find(string directory, string baseName)
    {
        foreach (var candidate in new[] { baseName + ".gz", baseName })
        {
            string p = Path.Combine(directory, candidate);
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"{Path.Combine(directory, baseName)}(.gz) is missing. A data folder holds {TrainImages}, {TrainLabels}, {TestImages} and {TestLabels} (each optionally .gz).");
    }

    /// <summary>Loads an image file and its label file and checks that they agree.</summary>
    public static Dataset LoadPair(string imagesPath, string labelsPath, int classes = 10, IReadOnlyList<string>? classNames = null)
    {
        var images = IdxFile.Read(imagesPath, expectedRank: 3);
        var labels = IdxFile.Read(labelsPath, expectedRank: 1);
        if (images.Count != labels.Count)
            throw new IdxFormatException(labelsPath, $"holds {labels.Count:N0} labels but {Path.GetFileName(imagesPath)} holds {images.Count:N0} images.");
        int rows = images.Dimensions[1], cols = images.Dimensions[2];
        if (rows == 0 || cols == 0) throw new IdxFormatException(imagesPath, $"images are {rows}x{cols}; they must not be empty.");
        var y = new int[labels.Count];
        for (int i = 0; i < y.Length; i++)
        {
            int l = labels.Data[i];
            if (l >= classes) throw new IdxFormatException(labelsPath, $"label {l} at index {i} is out of range (expected 0 to {classes - 1}).");
            y[i] = l;
        }
        return new Dataset(images.Data, y, rows, cols, classes, imagesPath, classNames);
    }
}
