using System.Diagnostics;
using SkiaSharp;

namespace InitLab.Tests.Cli;

/// <summary>Opens report.html in a real browser (Debian's headless Chromium) and checks the page is drawn.</summary>
// Child processes (initlab shards, Chromium) load both cores; run apart from the timing-sensitive download tests.
[Collection(Training.SerialCollection.Name)]
public class ReportBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    public void ReportRendersInHeadlessChromium()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium); the browser check is skipped.");
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        string outDir = d.File("out");
        var (code, _, err) = CliTests.Run("compare", "--data", d.Path, "--out", outDir, "--layers", "784,12,10", "--inits", "zeros,xavier-uniform,normal:std=1",
            "--seeds", "2", "--epochs", "2", "--threads", "1");
        Assert.True(code == 0, err);
        string shot = d.File("report.png");
        var psi = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={d.File("profile")}", $"--screenshot={shot}", "--window-size=1200,2000",
                     new Uri(Path.Combine(outDir, "report.html")).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), "chromium did not finish within two minutes");
        Assert.True(File.Exists(shot), $"no screenshot; chromium exited {p.ExitCode}: {stderr.Result}");

        using var bitmap = SKBitmap.Decode(shot);
        Assert.NotNull(bitmap);
        Assert.Equal(1200, bitmap.Width);
        // The tables' borders, the text and the embedded charts' colours: a blank or broken page is almost all white.
        int dark = 0, coloured = 0, total = 0;
        for (int y = 0; y < bitmap.Height; y += 4)
            for (int x = 0; x < bitmap.Width; x += 4)
            {
                var c = bitmap.GetPixel(x, y);
                total++;
                if (c.Red + c.Green + c.Blue < 200) dark++;
                if (Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) > 80) coloured++;
            }
        Assert.True(dark > total / 1000, $"only {dark} of {total} sampled pixels are dark: the page shows no text");
        Assert.True(coloured > total / 1000, $"only {coloured} of {total} sampled pixels are coloured: the charts are not drawn");
    }
}
