namespace InitLab.Cli;

/// <summary>Draws a grayscale image in [0, 1] as text, two characters per pixel to keep the aspect.</summary>
internal static class DigitArt
{
    private const string Ramp = " .:-=+*#%@";

    public static IEnumerable<string> Render(ReadOnlySpan<float> pixels, int rows, int cols)
    {
        var lines = new List<string>(rows);
        var chars = new char[cols * 2];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                float v = Math.Clamp(pixels[r * cols + c], 0f, 1f);
                char ch = Ramp[(int)MathF.Round(v * (Ramp.Length - 1))];
                chars[2 * c] = ch;
                chars[2 * c + 1] = ch;
            }
            lines.Add(new string(chars).TrimEnd());
        }
        return lines;
    }
}
