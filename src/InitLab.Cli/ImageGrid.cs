using InitLab.Io;
using SkiaSharp;

namespace InitLab.Cli;

/// <summary>Writes tiles of grey images (one row of pixels per tile, rows x cols each) as one PNG grid.</summary>
internal static class ImageGrid
{
    /// <param name="tiles">Each tile's pixels, row-major.</param>
    /// <param name="normalize">Stretch each tile to its own min..max (for weights); otherwise values are taken as [0, 1].</param>
    public static void Save(string path, IReadOnlyList<float[]> tiles, int rows, int cols, bool normalize, int scale = 3)
    {
        int n = tiles.Count, perRow = (int)Math.Ceiling(Math.Sqrt(n)), gridRows = (n + perRow - 1) / perRow;
        const int gap = 1;
        int width = (perRow * (cols + gap) + gap) * scale, height = (gridRows * (rows + gap) + gap) * scale;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(128, 128, 128));
        for (int t = 0; t < n; t++)
        {
            var px = tiles[t];
            float lo = 0, hi = 1;
            if (normalize)
            {
                lo = px.Min();
                hi = px.Max();
                if (hi - lo < 1e-12f) hi = lo + 1;
            }
            int ox = gap + t % perRow * (cols + gap), oy = gap + t / perRow * (rows + gap);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    byte g = (byte)Math.Clamp((int)MathF.Round((px[r * cols + c] - lo) / (hi - lo) * 255), 0, 255);
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++)
                            bitmap.SetPixel((ox + c) * scale + dx, (oy + r) * scale + dy, new SKColor(g, g, g));
                }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, data.SaveTo);
    }
}
