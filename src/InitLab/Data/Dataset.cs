namespace InitLab.Data;

/// <summary>
/// Images as float32 rows scaled to [0, 1] (x / 255, as torchvision's ToTensor) and their labels.
/// Features is (Count, Rows·Cols), row-major.
/// </summary>
public sealed class Dataset
{
    public Dataset(float[] features, int[] labels, int imageRows, int imageCols, int classes, string source)
    {
        int width = imageRows * imageCols;
        if (features.Length != labels.Length * width)
            throw new ArgumentException($"{features.Length} feature values do not make {labels.Length} rows of {width}.");
        (Features, Labels, ImageRows, ImageCols, Classes, Source) = (features, labels, imageRows, imageCols, classes, source);
    }

    public float[] Features { get; }
    public int[] Labels { get; }
    public int ImageRows { get; }
    public int ImageCols { get; }
    public int Classes { get; }

    /// <summary>Where the data came from (a folder or file), for messages and reports.</summary>
    public string Source { get; }

    public int Count => Labels.Length;
    public int FeatureCount => ImageRows * ImageCols;

    public ReadOnlySpan<float> Row(int i) => Features.AsSpan(i * FeatureCount, FeatureCount);
}

/// <summary>A training and a test split.</summary>
public sealed record DataSplits(Dataset Train, Dataset Test);
