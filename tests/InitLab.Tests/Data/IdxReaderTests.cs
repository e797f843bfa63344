using InitLab.Data;

namespace InitLab.Tests.Data;

public class IdxReaderTests
{
    private static readonly byte[] Pixels = [0, 51, 255, 128, 1, 2, 3, 4];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesAndLabelsRawOrGzipped(bool gz)
    {
        using var d = new TempDir();
        byte[] images = IdxWriter.Bytes(8, [2, 2, 2], Pixels), labels = IdxWriter.Bytes(8, [2], [7, 3]);
        File.WriteAllBytes(d.File("i"), gz ? IdxWriter.Gzip(images) : images);
        File.WriteAllBytes(d.File("l"), gz ? IdxWriter.Gzip(labels) : labels);
        var ds = MnistLoader.LoadPair(d.File("i"), d.File("l"));
        Assert.Equal(2, ds.Count);
        Assert.Equal((2, 2), (ds.ImageRows, ds.ImageCols));
        Assert.Equal(new[] { 7, 3 }, ds.Labels);
        // ToTensor: x / 255 in float32.
        var features = ds.Row(0).Concat(ds.Row(1)).ToArray();
        Assert.Equal(Pixels.Select(p => p / 255f).ToArray(), features);
        Assert.Equal(0.2f, features[1]);
        Assert.Equal(1f, features[2]);
    }

    private static IdxFormatException Broken(byte[] imageBytes, byte[]? labelBytes = null)
    {
        using var d = new TempDir();
        File.WriteAllBytes(d.File("images"), imageBytes);
        File.WriteAllBytes(d.File("labels"), labelBytes ?? IdxWriter.Bytes(8, [2], [1, 2]));
        return Assert.Throws<IdxFormatException>(() => MnistLoader.LoadPair(d.File("images"), d.File("labels")));
    }

    [Fact]
    public void WrongMagicNumber()
    {
        var e = Broken(IdxWriter.Bytes(8, [2, 2, 2], Pixels, magicHigh: 0x12));
        Assert.Contains("wrong magic number 0x12000803", e.Message);
        Assert.EndsWith("images", e.FilePath);
    }

    [Fact]
    public void WrongDataType() => Assert.Contains("data type 0x0D is not supported", Broken(IdxWriter.Bytes(0x0D, [2, 2, 2], Pixels)).Message);

    [Fact]
    public void WrongNumberOfDimensions() => Assert.Contains("has 2 dimensions where 3 were expected", Broken(IdxWriter.Bytes(8, [2, 4], Pixels)).Message);

    [Fact]
    public void TruncatedHeader() => Assert.Contains("truncated inside its header", Broken(IdxWriter.Bytes(8, [2, 2, 2], Pixels)[..9]).Message);

    [Fact]
    public void TooShortForAHeader() => Assert.Contains("too short", Broken([0, 0]).Message);

    [Fact]
    public void TruncatedData() => Assert.Contains("holds only", Broken(IdxWriter.Bytes(8, [2, 2, 2], Pixels)[..^3]).Message);

    [Fact]
    public void TruncatedGzipData()
    {
        var e = Broken(IdxWriter.Gzip(IdxWriter.Bytes(8, [2, 2, 2], Pixels)[..^3]));
        Assert.Contains("is truncated: header promises 8 bytes of data, found 5 after decompression", e.Message);
    }

    [Fact]
    public void TrailingBytes() => Assert.Contains("trailing bytes", Broken(IdxWriter.Bytes(8, [2, 2, 2], [.. Pixels, 9])).Message);

    [Fact]
    public void CorruptGzipStream()
    {
        var gz = IdxWriter.Gzip(IdxWriter.Bytes(8, [2, 2, 2], Pixels));
        for (int i = 10; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        var e = Broken(gz);
        Assert.True(e.Message.Contains("gzip stream is corrupt") || e.Message.Contains("wrong magic") || e.Message.Contains("truncated"), e.Message);
    }

    [Fact]
    public void HugeHeaderClaimIsRejectedBeforeAllocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Broken(IdxWriter.Bytes(8, [100_000, 100, 100], Pixels));
        Assert.Contains("header claims 1,000,000,000 bytes", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "reader allocated for the header's claim");
    }

    [Fact]
    public void HeaderBeyondAnyArrayIsRejected() =>
        Assert.Contains("more than any file", Broken(IdxWriter.Bytes(8, [int.MaxValue, 100_000, 100_000], Pixels)).Message);

    [Fact]
    public void NegativeDimension() => Assert.Contains("negative", Broken(IdxWriter.Bytes(8, [-1, 2, 2], Pixels)).Message);

    [Fact]
    public void GzipClaimBeyondWhatDeflateCanExpandTo()
    {
        // 2^30 bytes claimed from a few dozen compressed bytes: impossible, rejected up front.
        var e = Broken(IdxWriter.Gzip(IdxWriter.Bytes(8, [1 << 20, 32, 32], Pixels)));
        Assert.Contains("cannot decompress to that much", e.Message);
    }

    [Fact]
    public void ImageAndLabelCountsDiffer()
    {
        var e = Broken(IdxWriter.Bytes(8, [2, 2, 2], Pixels), IdxWriter.Bytes(8, [3], [1, 2, 3]));
        Assert.Contains("holds 3 labels but images holds 2 images", e.Message);
        Assert.EndsWith("labels", e.FilePath);
    }

    [Fact]
    public void LabelOutOfRange() =>
        Assert.Contains("label 10 at index 1 is out of range (expected 0 to 9)", Broken(IdxWriter.Bytes(8, [2, 2, 2], Pixels), IdxWriter.Bytes(8, [2], [1, 10])).Message);

    [Fact]
    public void MissingFileInDataFolderNamesIt()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, 20, 10);
        File.Delete(d.File("t10k-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<FileNotFoundException>(() => MnistLoader.Load(d.Path));
        Assert.Contains("t10k-labels-idx1-ubyte(.gz) is missing", e.Message);
    }

    [Fact]
    public void LoadsAFolderAndReadsCountsFromHeaders()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, 37, 11);
        var s = MnistLoader.Load(d.Path);
        Assert.Equal((37, 11), (s.Train.Count, s.Test.Count));
        Assert.Equal(784, s.Train.FeatureCount);
    }
}

public class DatasetScalingTests
{
    [Fact]
    public void EveryByteValueScalesExactlyAsToTensor()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var ds = new Dataset(bytes, [0], 16, 16, 10, "test");
        var row = ds.Row(0);
        for (int i = 0; i < 256; i++) Assert.Equal(i / 255f, row[i]);
    }
}
