using SkiaSharp;

namespace InitLab.Tests;

/// <summary>Checks that a file the CLI wrote is a whole PNG image, not just one that starts like one.</summary>
internal static class PngAssert
{
    /// <summary>Decodes <paramref name="path"/> as a PNG (signature and all) and returns its size; fails the test otherwise.</summary>
    public static (int Width, int Height) Decodes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 8 && bytes[0] == 0x89 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', $"{path} is not a PNG");
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.True(bitmap is not null && bitmap.Width > 0 && bitmap.Height > 0, $"{path} does not decode as an image");
        return (bitmap.Width, bitmap.Height);
    }
}
