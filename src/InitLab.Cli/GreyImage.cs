using SkiaSharp;

namespace InitLab.Cli;

/// <summary>Reads an image file (PNG, or any format SkiaSharp decodes) as grey values in [0, 1].</summary>
public static class GreyImage
{
    /// <summary>Returns (height, width) row-major grey, 0 black .. 1 white; transparent pixels count as white paper.</summary>
    public static (float[] Grey, int Width, int Height) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--image {path}: no such file.");
        using var bitmap = SKBitmap.Decode(path)
            ?? throw new InvalidDataException($"--image {path}: not an image SkiaSharp can decode (corrupt, truncated or not a PNG).");
        int w = bitmap.Width, h = bitmap.Height;
        if (w <= 0 || h <= 0) throw new InvalidDataException($"--image {path}: the image is empty ({w}x{h}).");
        var grey = new float[checked(w * h)];
        var pixels = bitmap.Pixels; // unpremultiplied colours
        for (int i = 0; i < grey.Length; i++)
        {
            var c = pixels[i];
            // ITU-R BT.601 luma, then composited over white by alpha.
            float luma = (0.299f * c.Red + 0.587f * c.Green + 0.114f * c.Blue) / 255f, alpha = c.Alpha / 255f;
            grey[i] = alpha * luma + (1 - alpha);
        }
        return (grey, w, h);
    }
}
