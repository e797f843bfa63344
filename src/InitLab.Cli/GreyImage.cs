using InitLab.Io;
using SkiaSharp;

namespace InitLab.Cli;

/// <summary>
/// Reads an image file (PNG, or any format SkiaSharp decodes) as grey values in [0, 1], as
/// untrusted input: the file must be a regular file of at most <see cref="MaxFileBytes"/>, the
/// dimensions its header declares at most <see cref="MaxSide"/> on each side (checked before
/// anything is decoded), and it must decode completely (a truncated file is an error, not a
/// half-grey digit). A PNG's chunks are walked first (<see cref="PngChunks"/>): its structure is
/// checked against the file's length and only the chunks that make the pixels reach the decoder,
/// so a huge text chunk costs one pass over its bytes. Memory is bounded by the file size plus
/// about 8 bytes per declared pixel (at most 128 MB at 4096x4096).
/// </summary>
internal static class GreyImage
{
    /// <summary>The largest width or height accepted (pixels): MNIST-style input needs far less than 4096.</summary>
    public const int MaxSide = 4096;

    /// <summary>The largest image file accepted (bytes): 64 MB, more than a 4096x4096 RGBA PNG needs.</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>Returns (height, width) row-major grey, 0 black .. 1 white; transparent pixels count as white paper.</summary>
    public static (float[] Grey, int Width, int Height) Read(string path) => FromBytes(ReadFile(path), path);

    /// <summary>As <see cref="Read"/>, from the bytes of a file already read; <paramref name="path"/> names it in errors.</summary>
    public static (float[] Grey, int Width, int Height) FromBytes(byte[] bytes, string path)
    {
        if (bytes.LongLength > MaxFileBytes) throw Error(path, $"the file is {bytes.LongLength:N0} bytes; images of at most {MaxFileBytes:N0} bytes are read");
        if (PngChunks.IsPng(bytes))
        {
            try
            {
                bytes = PngChunks.Essential(bytes, MaxSide);
            }
            catch (InvalidDataException e)
            {
                throw Error(path, e.Message);
            }
        }
        return Decode(path, bytes);
    }

    private static byte[] ReadFile(string path)
    {
        FileStream file;
        try
        {
            file = InputFile.OpenRead(path);
        }
        catch (FileNotFoundException)
        {
            throw new UserInputException($"--image {path}: no such file.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(path, e.Message);
        }
        using (file)
        {
            long length = file.Length;
            if (length > MaxFileBytes) throw Error(path, $"the file is {length:N0} bytes; images of at most {MaxFileBytes:N0} bytes are read");
            var bytes = new byte[length];
            if (file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length) throw Error(path, "the file shrank while it was read");
            return bytes;
        }
    }

    private static (float[] Grey, int Width, int Height) Decode(string path, byte[] bytes)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw Error(path, "not an image SkiaSharp can decode (corrupt, truncated or not a PNG)");
        int w = codec.Info.Width, h = codec.Info.Height;
        if (w <= 0 || h <= 0) throw Error(path, $"the image is empty ({w}x{h})");
        // Checked from the header, before the pixels are allocated: 50000x50000 would be 10 GB.
        if (w > MaxSide || h > MaxSide) throw Error(path, $"the image is {w}x{h}; at most {MaxSide}x{MaxSide} pixels are read");
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw Error(path, result == SKCodecResult.IncompleteInput
                ? "the image data is truncated (the file ends before the last row)"
                : $"the image could not be decoded ({result})");
        var grey = new float[w * h];
        var pixels = bitmap.GetPixelSpan(); // RGBA bytes, unpremultiplied
        for (int i = 0; i < grey.Length; i++)
        {
            var c = pixels.Slice(4 * i, 4);
            // ITU-R BT.601 luma, then composited over white by alpha.
            float luma = (0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2]) / 255f, alpha = c[3] / 255f;
            grey[i] = alpha * luma + (1 - alpha);
        }
        return (grey, w, h);
    }

    private static UserInputException Error(string path, string problem) => new($"--image {path}: {problem}.");
}
