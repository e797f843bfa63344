using InitLab.Data;

namespace InitLab.Tests.Data;

public class MnistPreprocessTests
{
    /// <summary>A width x height image of <paramref name="background"/> with the given rectangles (x, y, w, h) filled with <paramref name="ink"/>.</summary>
    private static float[] Image(int width, int height, float background, float ink, params (int X, int Y, int W, int H)[] rects)
    {
        var img = Enumerable.Repeat(background, width * height).ToArray();
        foreach (var (x0, y0, w, h) in rects)
            for (int y = y0; y < y0 + h; y++)
                for (int x = x0; x < x0 + w; x++) img[y * width + x] = ink;
        return img;
    }

    private static (double X, double Y) CentreOfMass(float[] img)
    {
        double m = 0, mx = 0, my = 0;
        for (int i = 0; i < img.Length; i++) { m += img[i]; mx += img[i] * (i % 28); my += img[i] * (i / 28); }
        return (mx / m, my / m);
    }

    private static (int W, int H) InkExtent(float[] img)
    {
        var cols = Enumerable.Range(0, 784).Where(i => img[i] > 0).Select(i => i % 28).ToArray();
        var rows = Enumerable.Range(0, 784).Where(i => img[i] > 0).Select(i => i / 28).ToArray();
        return (cols.Max() - cols.Min() + 1, rows.Max() - rows.Min() + 1);
    }

    [Fact]
    public void AnOffCentreLShapeIsFittedInto20x20AndCentredByItsMass()
    {
        // An L in the top-left corner of a wide image: a 12x60 bar and a 40x12 foot, bounding box 40x60.
        var img = Image(300, 200, 0f, 1f, (5, 3, 12, 60), (5, 51, 40, 12));
        var m = MnistPreprocess.ToMnist(img, 300, 200);
        Assert.Equal(784, m.Length);
        Assert.All(m, v => Assert.InRange(v, 0f, 1f));
        var (w, h) = InkExtent(m);
        Assert.Equal(20, h);
        Assert.Equal(13, w); // 40 * 20/60 = 13.3, rounded
        var (cx, cy) = CentreOfMass(m);
        // Shifted by whole pixels: the centre of mass is within half a pixel of (13.5, 13.5).
        Assert.InRange(cx, 13.0, 14.0);
        Assert.InRange(cy, 13.0, 14.0);
        // The L's mass sits low and left of its box's centre, so the box lands right of and above the field's centre.
        var ink = Enumerable.Range(0, 784).Where(i => m[i] > 0).ToArray();
        Assert.True(ink.Min(i => i % 28) + ink.Max(i => i % 28) > 27, "box not shifted right");
        Assert.True(ink.Min(i => i / 28) + ink.Max(i => i / 28) < 27, "box not shifted up");
    }

    [Fact]
    public void AreaAveragingKeepsTheInkOfAnExactlyHalvedSquare()
    {
        var framed = MnistPreprocess.ToMnist(Image(60, 60, 0f, 1f, (10, 10, 40, 40)), 60, 60);
        Assert.Equal(400f, framed.Sum(), 3);
        Assert.Equal((20, 20), InkExtent(framed));
        Assert.Equal(0f, framed[3 * 28 + 3]);
        Assert.Equal(1f, framed[4 * 28 + 4]);
    }

    [Fact]
    public void DarkInkOnLightPaperGivesTheSameDigitAsLightInkOnBlack()
    {
        var rects = new[] { (30, 10, 8, 70), (20, 10, 30, 8), (15, 72, 40, 8) };
        var whiteOnBlack = MnistPreprocess.ToMnist(Image(90, 90, 0f, 1f, rects), 90, 90);
        var blackOnWhite = MnistPreprocess.ToMnist(Image(90, 90, 1f, 0f, rects), 90, 90);
        // Grey pencil on grey paper: the background is removed and the contrast stretched.
        var greyOnGrey = MnistPreprocess.ToMnist(Image(90, 90, 0.8f, 0.3f, rects), 90, 90);
        Assert.Equal(whiteOnBlack, blackOnWhite);
        for (int i = 0; i < 784; i++) Assert.Equal(whiteOnBlack[i], greyOnGrey[i], 5);
        Assert.True(whiteOnBlack.Max() == 1f && whiteOnBlack[0] == 0f);
    }

    [Fact]
    public void ATinyDigitIsScaledUp()
    {
        var m = MnistPreprocess.ToMnist(Image(9, 9, 0f, 1f, (3, 2, 2, 4)), 9, 9);
        Assert.Equal((10, 20), InkExtent(m));
        Assert.Equal(200f, m.Sum(), 3);
    }

    [Fact]
    public void ABlankImageOrAWrongPixelCountIsRefused()
    {
        Exception e = Assert.Throws<UserInputException>(() => MnistPreprocess.ToMnist(Image(30, 30, 0.5f, 0.55f, (10, 10, 5, 5)), 30, 30));
        Assert.Contains("no ink", e.Message);
        e = Assert.Throws<ArgumentException>(() => MnistPreprocess.ToMnist(new float[10], 4, 4));
        Assert.Contains("4x4 image needs 16 pixels, got 10", e.Message);
    }
}
