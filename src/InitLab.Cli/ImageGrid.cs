using InitLab.Io;
using SkiaSharp;

namespace InitLab.Cli;

/// <summary>
/// Writes tiles of grey images (one row of pixels per tile, rows x cols each) as one PNG grid,
/// under a title and above a grey-scale bar that says which value each grey stands for and
/// where 0 is.
/// </summary>
internal static class ImageGrid
{
    private const int TitleHeight = 26, BarHeight = 44, Margin = 8;

    // The lines between tiles are pale blue, a colour outside the grey scale: a mid-grey gap would
    // be indistinguishable from a filter's zero weights.
    private static readonly SKColor Gap = new(190, 210, 240);

    /// <param name="tiles">Each tile's pixels, row-major.</param>
    /// <param name="normalize">
    /// For weights (filters): each tile is scaled by its own largest |value|, so 0 is mid grey in
    /// every tile, negative darker, positive lighter; otherwise values are taken as [0, 1]
    /// (0 black, 1 white).
    /// </param>
    /// <param name="title">The line above the grid.</param>
    public static void Save(string path, IReadOnlyList<float[]> tiles, int rows, int cols, bool normalize, string title, int scale = 3)
    {
        int n = tiles.Count, perRow = (int)Math.Ceiling(Math.Sqrt(n)), gridRows = (n + perRow - 1) / perRow;
        const int gap = 1;
        int gridWidth = (perRow * (cols + gap) + gap) * scale, gridHeight = (gridRows * (rows + gap) + gap) * scale;
        int width = Math.Max(gridWidth, 360) + 2 * Margin, height = TitleHeight + gridHeight + BarHeight + Margin;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(SKColors.White);
        int left = (width - gridWidth) / 2;
        for (int y = 0; y < gridHeight; y++)
            for (int x = 0; x < gridWidth; x++) bitmap.SetPixel(left + x, TitleHeight + y, Gap);
        for (int t = 0; t < n; t++)
        {
            var px = tiles[t];
            float top = normalize ? Math.Max(px.Select(MathF.Abs).DefaultIfEmpty(0).Max(), 1e-12f) : 1;
            int ox = gap + t % perRow * (cols + gap), oy = gap + t / perRow * (rows + gap);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    byte g = Grey(px[r * cols + c], top, normalize);
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++)
                            bitmap.SetPixel(left + (ox + c) * scale + dx, TitleHeight + (oy + r) * scale + dy, new SKColor(g, g, g));
                }
        }
        using (var canvas = new SKCanvas(bitmap))
        {
            using var font = new SKFont(SKTypeface.Default, 13);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawText(title, width / 2f, 18, SKTextAlign.Center, font, ink);
            ScaleBar(canvas, font, ink, width, TitleHeight + gridHeight + 6, normalize);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, data.SaveTo);
    }

    /// <summary>The grey of value <paramref name="v"/>: symmetric (0 → 128) when scaled by <paramref name="top"/> = the tile's largest |value|, else [0, 1] → 0..255.</summary>
    public static byte Grey(float v, float top, bool symmetric) =>
        (byte)Math.Clamp((int)MathF.Round(symmetric ? 127.5f + 127.5f * v / top : v * 255), 0, 255);

    /// <summary>A horizontal black-to-white bar with its value labels and a mark at 0.</summary>
    private static void ScaleBar(SKCanvas canvas, SKFont font, SKPaint ink, int width, int y, bool symmetric)
    {
        const int barWidth = 200, barHeight = 10;
        int x0 = (width - barWidth) / 2;
        for (int i = 0; i < barWidth; i++)
        {
            byte g = (byte)Math.Round(255.0 * i / (barWidth - 1));
            using var p = new SKPaint { Color = new SKColor(g, g, g) };
            canvas.DrawRect(x0 + i, y, 1, barHeight, p);
        }
        using var frame = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(x0, y, barWidth, barHeight, frame);
        float zero = symmetric ? x0 + barWidth / 2f : x0;
        using var mark = new SKPaint { Color = SKColors.Red, StrokeWidth = 2 };
        canvas.DrawLine(zero, y - 3, zero, y + barHeight + 3, mark);
        float ty = y + barHeight + 14;
        using var small = new SKFont(SKTypeface.Default, 11);
        if (symmetric)
        {
            canvas.DrawText("−max", x0, ty, SKTextAlign.Center, small, ink);
            canvas.DrawText("0", zero, ty, SKTextAlign.Center, small, ink);
            canvas.DrawText("+max", x0 + barWidth, ty, SKTextAlign.Center, small, ink);
            canvas.DrawText("each tile scaled by its own largest |value|; 0 is mid grey", width / 2f, ty + 13, SKTextAlign.Center, small, ink);
        }
        else
        {
            canvas.DrawText("0", zero, ty, SKTextAlign.Center, small, ink);
            canvas.DrawText("0.5", x0 + barWidth / 2f, ty, SKTextAlign.Center, small, ink);
            canvas.DrawText("1", x0 + barWidth, ty, SKTextAlign.Center, small, ink);
            canvas.DrawText("pixel value (probability of a white pixel)", width / 2f, ty + 13, SKTextAlign.Center, small, ink);
        }
    }
}
