using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace InitLab.Data;

/// <summary>
/// Images and their labels. Pixels are kept as the file's bytes (a quarter of the memory of
/// floats, and a quarter of the traffic when batches are gathered) and handed out as float32
/// rows scaled to [0, 1] by x / 255, exactly as torchvision's ToTensor computes them.
/// </summary>
public sealed class Dataset
{
    private readonly byte[] _pixels;

    /// <summary>A dataset over <paramref name="pixels"/> (kept, not copied); checks that the sizes agree.</summary>
    /// <param name="pixels">(labels.Length, imageRows·imageCols) grey levels 0..255, row-major, one image after another.</param>
    /// <param name="labels">The class of each image, 0 to classes - 1.</param>
    /// <param name="imageRows">Image height in pixels (28 for MNIST).</param>
    /// <param name="imageCols">Image width in pixels (28 for MNIST).</param>
    /// <param name="classes">Number of classes: the width of the network's output.</param>
    /// <param name="source">Where the data came from (a folder or file), for messages and reports.</param>
    /// <param name="classNames">One name per class (e.g. Fashion-MNIST's "Ankle boot"); the class numbers when null.</param>
    public Dataset(byte[] pixels, int[] labels, int imageRows, int imageCols, int classes, string source, IReadOnlyList<string>? classNames = null)
    {
        if (classNames is not null && classNames.Count != classes)
            throw new ArgumentException($"{classNames.Count} class names given for {classes} classes.");
        ClassNames = classNames ?? [.. Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        int width = imageRows * imageCols;
        if (pixels.LongLength != (long)labels.Length * width)
            throw new ArgumentException($"{pixels.Length} pixels do not make {labels.Length} images of {width}.");
        (_pixels, Labels, ImageRows, ImageCols, Classes, Source) = (pixels, labels, imageRows, imageCols, classes, source);
    }

    /// <summary>The class of each image, in [0, <see cref="Classes"/>); index i is image i.</summary>
    public int[] Labels { get; }

    /// <summary>Image height in pixels.</summary>
    public int ImageRows { get; }

    /// <summary>Image width in pixels.</summary>
    public int ImageCols { get; }

    /// <summary>Number of classes (10 for the MNIST family), whether or not every class occurs.</summary>
    public int Classes { get; }

    /// <summary>What each class is called, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Where the data came from (a folder or file), for messages and reports.</summary>
    public string Source { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Pixels per image (rows · cols): the network's input width, 784 for MNIST.</summary>
    public int FeatureCount => ImageRows * ImageCols;

    /// <summary>
    /// The share of pixels that are exactly 0 (MNIST's 81%, Fashion-MNIST's 50%), counted once on
    /// first use. The trainers mark their batches from it (<see cref="InitLab.Tensors.Gemm.ImageZeros"/>),
    /// so the first layer's products skip the steps where a tile's pixels are all zero.
    /// </summary>
    internal float ZeroShare => _zeroShare ??= _pixels.Length == 0 ? 0f : (float)((double)_pixels.AsSpan().Count((byte)0) / _pixels.Length);

    private float? _zeroShare;

    /// <summary>The raw bytes of image <paramref name="i"/>.</summary>
    public ReadOnlySpan<byte> Pixels(int i) => _pixels.AsSpan(i * FeatureCount, FeatureCount);

    /// <summary>Writes image <paramref name="i"/> as floats in [0, 1] into <paramref name="destination"/>.</summary>
    public void CopyRow(int i, Span<float> destination)
    {
        destination = destination[..FeatureCount];
        ToUnitFloats(Pixels(i), destination);
    }

    /// <summary>
    /// destination[j] = source[j] / 255f, in one pass: 16 bytes are widened to 16 floats and divided
    /// in 512-bit vectors where the CPU has them. The same IEEE division as the two-pass
    /// conversion it replaced, so the same floats (a training batch is gathered this way, and the
    /// per-epoch evaluation converts the whole test set).
    /// </summary>
    internal static unsafe void ToUnitFloats(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int n = source.Length, i = 0;
        if (destination.Length < n) throw new ArgumentException("Destination is shorter than the source.", nameof(destination));
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            var scale = System.Runtime.Intrinsics.Vector512.Create(255f);
            fixed (byte* s = source)
            fixed (float* d = destination)
            {
                for (; i <= n - 16; i += 16)
                {
                    var wide = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Int32(System.Runtime.Intrinsics.Vector128.Load(s + i));
                    (System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Single(wide) / scale).Store(d + i);
                }
            }
        }
        if (i < n)
        {
            TensorPrimitives.ConvertChecked<byte, float>(source[i..], destination[i..n]);
            TensorPrimitives.Divide(destination[i..n], 255f, destination[i..n]);
        }
    }

    /// <summary>Image <paramref name="i"/> as a new float array.</summary>
    public float[] Row(int i)
    {
        var row = new float[FeatureCount];
        CopyRow(i, row);
        return row;
    }
}

/// <summary>A training and a test split.</summary>
/// <param name="Train">The training split.</param>
/// <param name="Test">The test split.</param>
public sealed record DataSplits(Dataset Train, Dataset Test);
