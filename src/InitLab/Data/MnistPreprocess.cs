namespace InitLab.Data;

/// <summary>
/// Turns a grey image of any size into a 28x28 MNIST-style input, the way the MNIST digits were
/// prepared (LeCun et al.): ink light on a dark background, the ink's bounding box fitted into
/// 20x20 keeping its aspect ratio (area-averaged, so edges come out grey), then placed in the
/// 28x28 field so that its centre of mass is at the field's centre.
/// </summary>
public static class MnistPreprocess
{
    /// <summary>Side of the output image in pixels (28): the input is Size·Size = 784 values.</summary>
    public const int Size = 28;

    /// <summary>Side of the box, in pixels, the ink's bounding box is scaled to fit (20), leaving a 4-pixel margin.</summary>
    public const int Box = 20;

    /// <summary>Pixels whose ink (after background removal, in [0, 1]) exceeds this count for the bounding box.</summary>
    public const float InkThreshold = 0.1f;

    /// <summary>
    /// grey is (height, width) row-major, 0 black .. 1 white. Returns 28·28 values in [0, 1],
    /// row-major, ink high. The background level is the median of the border pixels: a light one
    /// means dark ink, and the image is inverted. Throws <see cref="UserInputException"/> for an
    /// image with no ink (every pixel within <see cref="InkThreshold"/> of the background).
    /// </summary>
    public static float[] ToMnist(ReadOnlySpan<float> grey, int width, int height)
    {
        if (width <= 0 || height <= 0 || grey.Length != checked(width * height))
            throw new ArgumentException($"A {width}x{height} image needs {(long)width * height} pixels, got {grey.Length}.");
        var ink = Ink(grey, width, height);
        var (x0, y0, x1, y1) = BoundingBox(ink, width, height);
        int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
        // The longer side becomes 20; the shorter keeps the aspect ratio (at least one pixel).
        double scale = (double)Box / Math.Max(bw, bh);
        int dw = Math.Clamp((int)Math.Round(bw * scale), 1, Box), dh = Math.Clamp((int)Math.Round(bh * scale), 1, Box);
        var fitted = AreaResample(ink, width, x0, y0, bw, bh, dw, dh);
        return CentreByMass(fitted, dw, dh);
    }

    /// <summary>Ink in [0, 1]: the distance from the background level, stretched so the strongest ink is 1.</summary>
    private static float[] Ink(ReadOnlySpan<float> grey, int width, int height)
    {
        var border = new List<float>(2 * (width + height));
        for (int x = 0; x < width; x++) { border.Add(grey[x]); border.Add(grey[(height - 1) * width + x]); }
        for (int y = 0; y < height; y++) { border.Add(grey[y * width]); border.Add(grey[y * width + width - 1]); }
        border.Sort();
        float background = border[border.Count / 2];
        bool lightBackground = background > 0.5f;
        var ink = new float[grey.Length];
        float max = 0;
        for (int i = 0; i < grey.Length; i++)
        {
            float v = Math.Clamp(grey[i], 0f, 1f);
            ink[i] = Math.Max(0f, lightBackground ? background - v : v - background);
            max = Math.Max(max, ink[i]);
        }
        if (max < InkThreshold)
            throw new UserInputException($"The image has no ink: every pixel is within {InkThreshold} of the background level {background:0.###}.");
        for (int i = 0; i < ink.Length; i++) ink[i] /= max;
        return ink;
    }

    private static (int X0, int Y0, int X1, int Y1) BoundingBox(float[] ink, int width, int height)
    {
        int x0 = width, y0 = height, x1 = -1, y1 = -1;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                if (ink[y * width + x] <= InkThreshold) continue;
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
            }
        return (x0, y0, x1, y1);
    }

    /// <summary>
    /// The (bw, bh) box at (x0, y0) of src resampled to (dw, dh): each output pixel is the mean of
    /// the source area it covers, fractional pixels weighted by the overlap.
    /// </summary>
    private static float[] AreaResample(float[] src, int srcWidth, int x0, int y0, int bw, int bh, int dw, int dh)
    {
        var wx = Weights(bw, dw);
        var wy = Weights(bh, dh);
        var dst = new float[dw * dh];
        for (int oy = 0; oy < dh; oy++)
            for (int ox = 0; ox < dw; ox++)
            {
                double sum = 0;
                foreach (var (sy, fy) in wy[oy])
                    foreach (var (sx, fx) in wx[ox])
                        sum += fy * fx * src[(y0 + sy) * srcWidth + x0 + sx];
                dst[oy * dw + ox] = (float)sum;
            }
        return dst;
    }

    /// <summary>For each of n output pixels along an axis of length m: the source pixels it covers and their weights (summing to 1).</summary>
    private static List<(int Index, double Weight)>[] Weights(int m, int n)
    {
        double step = (double)m / n;
        var result = new List<(int, double)>[n];
        for (int o = 0; o < n; o++)
        {
            double from = o * step, to = (o + 1) * step;
            result[o] = [];
            for (int s = (int)Math.Floor(from); s < Math.Min(m, (int)Math.Ceiling(to)); s++)
            {
                double overlap = Math.Min(to, s + 1) - Math.Max(from, s);
                if (overlap > 0) result[o].Add((s, overlap / step));
            }
        }
        return result;
    }

    /// <summary>Places the (w, h) image in 28x28 so its centre of mass lands on the field's centre (13.5, 13.5), to the nearest pixel.</summary>
    private static float[] CentreByMass(float[] img, int w, int h)
    {
        double mass = 0, mx = 0, my = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float v = img[y * w + x];
                mass += v; mx += v * x; my += v * y;
            }
        int dx = (int)Math.Round((Size - 1) / 2.0 - mx / mass), dy = (int)Math.Round((Size - 1) / 2.0 - my / mass);
        var output = new float[Size * Size];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int tx = x + dx, ty = y + dy;
                // A very lopsided digit can have ink more than 8 pixels from its centre of mass: that ink is cut off, as in MNIST.
                if ((uint)tx < Size && (uint)ty < Size) output[ty * Size + tx] = Math.Clamp(img[y * w + x], 0f, 1f);
            }
        return output;
    }
}
