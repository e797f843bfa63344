using System.Globalization;
using System.Text.RegularExpressions;
using InitLab.Cli;
using InitLab.Data;
using InitLab.Io;
using InitLab.Training;
using SkiaSharp;
using static InitLab.Tests.Cli.CliTests;

namespace InitLab.Tests.Cli;

public class PredictImageCliTests
{
    /// <summary>A "7"-like stroke drawn without antialiasing, so the two colourings are exact complements.</summary>
    private static void WritePng(string path, SKColor paper, SKColor ink, int width = 160, int height = 120)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(paper);
            using var pen = new SKPaint { Color = ink, StrokeWidth = 9, IsAntialias = false, Style = SKPaintStyle.Stroke };
            canvas.DrawLine(40, 20, 100, 20, pen);
            canvas.DrawLine(100, 20, 60, 100, pen);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static double[] Probabilities(string output) =>
        Regex.Matches(output, @"^\s+(\d)\s+([\d.]+)", RegexOptions.Multiline).Select(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void APngIsPreparedLikeMnistAndPredicted()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 20);
        string model = d.File("m.safetensors"), white = d.File("white.png"), black = d.File("black.png");
        Assert.Equal(0, Run("train", "--data", d.Path, "--layers", "784,16,10", "--epochs", "1", "--save", model, "--quiet").Code);
        WritePng(white, SKColors.Black, SKColors.White);
        WritePng(black, new SKColor(255, 255, 255), new SKColor(0, 0, 0));

        var (code, output, err) = Run("predict", "--model", model, "--image", white);
        Assert.True(code == 0, err);
        Assert.Contains("@@", output);
        Assert.Equal(28, output.Split('\n').TakeWhile(l => !l.StartsWith("Prediction:")).Count());
        var p = Probabilities(output);
        Assert.Equal(10, p.Length);
        Assert.Equal(1.0, p.Sum(), 4);
        // The CLI's numbers are the library's: decode, prepare, run the loaded model.
        var (grey, w, h) = GreyImage.Read(white);
        var expected = Evaluator.Probabilities(ModelFile.Load(model).Model, MnistPreprocess.ToMnist(grey, w, h));
        Assert.Contains($"Prediction:  {Array.IndexOf(expected, expected.Max())}\n", output.Replace("\r", ""));
        for (int c = 0; c < 10; c++) Assert.Equal(expected[c], p[c], 5);

        // Black ink on white paper is inverted into the same digit.
        (code, var inverted, err) = Run("predict", "--model", model, "--image", black);
        Assert.True(code == 0, err);
        Assert.Equal(output, inverted);
    }

    [Fact]
    public void AMalformedPngOrAMissingFileIsBadInput()
    {
        using var d = new TempDir();
        string model = d.File("m.safetensors"), png = d.File("broken.png");
        ModelFile.Save(InitLab.Models.Mlp.Create([784, 8, 10], "relu", InitLab.Init.InitSpec.Parse("default"), new InitLab.Random.TorchGenerator(1)), model);
        File.WriteAllBytes(png, [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13, 1, 2, 3]);
        var (code, _, err) = Run("predict", "--model", model, "--image", png);
        Assert.Equal(1, code);
        Assert.Contains($"--image {png}: not an image SkiaSharp can decode", err);

        (code, _, err) = Run("predict", "--model", model, "--image", d.File("nope.png"));
        Assert.Equal(1, code);
        Assert.Contains("nope.png: no such file", err);

        string blank = d.File("blank.png");
        WritePng(blank, SKColors.White, SKColors.White);
        (code, _, err) = Run("predict", "--model", model, "--image", blank);
        Assert.Equal(1, code);
        Assert.Contains($"--image {blank}: The image has no ink", err);

        (code, _, err) = Run("predict", "--model", model, "--image", blank, "--data", d.Path);
        Assert.Equal(2, code);
        Assert.Contains("not both", err);
    }
}
