using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Random;
using SkiaSharp;

namespace InitLab.Tests.Cli;

/// <summary>
/// Issue 17's bomb cases through the real command, each in a child process run under
/// /usr/bin/time so its peak resident memory is measured: under 300 MB, exit 1 with
/// "initlab: error: FILE: ..." and no stack trace.
/// </summary>
[Collection(Training.SerialCollection.Name)]
public class HostileInputCliTests
{
    private const long MaxPeakKb = 300 * 1024;

    private static (int Code, string Out, string Err, long PeakKb) RunMeasured(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/time")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("PEAK_RSS_KB=%M");
        psi.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "initlab.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"initlab {string.Join(" ", args)} did not finish within 120 s");
        }
        // GNU time adds "Command exited with non-zero status N" before its own line.
        string err = Regex.Replace(stderr.Result, @"^Command exited with non-zero status \d+\n", "", RegexOptions.Multiline);
        var peak = Regex.Match(err, @"PEAK_RSS_KB=(\d+)");
        Assert.True(peak.Success, err);
        return (p.ExitCode, stdout.Result, err[..peak.Index], long.Parse(peak.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void AssertCleanError((int Code, string Out, string Err, long PeakKb) r, string file, string problem)
    {
        Assert.True(r.Code == 1, $"exit {r.Code}: {r.Err}");
        Assert.StartsWith("initlab: error: ", r.Err);
        Assert.Contains(file, r.Err);
        Assert.Contains(problem, r.Err);
        Assert.DoesNotMatch(@"\n\s+at ", r.Err);  // no stack trace
        Assert.Single(r.Err.TrimEnd().Split('\n'));
        Assert.True(r.PeakKb < MaxPeakKb, $"peak RSS {r.PeakKb / 1024} MB");
    }

    private static string Model(TempDir d)
    {
        string path = d.File("m.safetensors");
        ModelFile.Save(Mlp.Create([784, 8, 10], "relu", InitSpec.Parse("default"), new TorchGenerator(1)), path);
        return path;
    }

    private static byte[] Digit()
    {
        using var bitmap = new SKBitmap(56, 56);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var pen = new SKPaint { Color = SKColors.Black, StrokeWidth = 5, Style = SKPaintStyle.Stroke };
            canvas.DrawLine(14, 10, 40, 10, pen);
            canvas.DrawLine(40, 10, 22, 48, pen);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [SkippableFact]
    public void BombsAreRefusedInBoundedMemoryWithoutAStackTrace()
    {
        Skip.IfNot(File.Exists("/usr/bin/time"), "/usr/bin/time measures the peak memory");
        using var d = new TempDir();
        string model = Model(d), digit = d.File("digit.png"), bomb = d.File("bomb.safetensors");
        File.WriteAllBytes(digit, Digit());
        File.WriteAllBytes(bomb, InitLab.Tests.Io.HostileModelFileTests.MetadataBomb());
        var peaks = new StringBuilder();

        // 16 KB of metadata claiming 20 million layer sizes (3.2 GB before).
        var r = RunMeasured("predict", "--model", bomb, "--image", digit);
        AssertCleanError(r, bomb, "initlab.layers");
        peaks.Append($"metadata bomb {r.PeakKb / 1024} MB; ");

        // A 128-byte-class PNG declaring 50000x50000 (a stack trace and exit 134 before).
        string huge = d.File("huge.png");
        File.WriteAllBytes(huge, PngFuzzTests.Declare(PngFuzzTests.Png(2, 2, 1), 50_000, 50_000));
        Assert.True(new FileInfo(huge).Length < 200);
        r = RunMeasured("predict", "--model", model, "--image", huge);
        AssertCleanError(r, huge, "50000x50000");
        peaks.Append($"50000x50000 PNG {r.PeakKb / 1024} MB; ");

        // Half of a PNG (predicted, wrongly, before).
        string half = d.File("half.png");
        var png = File.ReadAllBytes(digit);
        File.WriteAllBytes(half, png[..(png.Length / 2)]);
        r = RunMeasured("predict", "--model", model, "--image", half);
        AssertCleanError(r, half, "truncated");

        // A 10 MB tEXt chunk in a valid digit (51-57 s before): read, and predicted.
        string text = d.File("text.png");
        File.WriteAllBytes(text, PngFuzzTests.Insert(png, PngFuzzTests.Chunk("tEXt", Encoding.ASCII.GetBytes("Comment\0" + new string('x', 10 << 20)))));
        r = RunMeasured("predict", "--model", model, "--image", text);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("Prediction:", r.Out);
        Assert.True(r.PeakKb < MaxPeakKb, $"peak RSS {r.PeakKb / 1024} MB");
        peaks.Append($"10 MB tEXt PNG {r.PeakKb / 1024} MB");
        Console.WriteLine($"HostileInputCliTests peak RSS: {peaks}");
    }

    [SkippableFact]
    public void FifosAsModelOrImageAreRefusedAtOnce()
    {
        Skip.If(OperatingSystem.IsWindows(), "no FIFOs");
        using var d = new TempDir();
        string model = Model(d), fifo = d.File("pipe");
        using (var mk = Process.Start(new ProcessStartInfo("mkfifo", [fifo]) { UseShellExecute = false })!) mk.WaitForExit();
        Skip.IfNot(File.Exists(fifo), "mkfifo is not available");
        var r = RunMeasured("predict", "--model", fifo, "--image", fifo);
        AssertCleanError(r, fifo, "not a regular file");
        string digit = d.File("digit.png");
        File.WriteAllBytes(digit, Digit());
        r = RunMeasured("predict", "--model", model, "--image", fifo);
        AssertCleanError(r, fifo, "not a regular file");
    }
}
