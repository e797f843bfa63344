using System.Diagnostics;
using InitLab.Io;

namespace InitLab.Tests.Samples;

/// <summary>samples/QuickStart, the README's C# quick start, run as a user runs it: trains, reports each epoch, saves, and stops cleanly on Ctrl+C.</summary>
[Collection(Training.SerialCollection.Name)]
public class QuickStartTests
{
    private static string SamplePath =>
        Path.Combine(AppContext.BaseDirectory.Replace(Path.Combine("tests", "InitLab.Tests"), Path.Combine("samples", "QuickStart"), StringComparison.Ordinal), "QuickStart.dll");

    private static Process Start(string workDir, params string[] args)
    {
        return ChildProcess.Start(SamplePath, args, workDir);
    }

    [Fact]
    public void TrainsReportsEachEpochAndSavesTheModel()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 300, test: 50);
        using var p = Start(d.Path, d.Path, "2");
        string output = p.StandardOutput.ReadToEnd(), err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "the sample did not finish");
        Assert.True(p.ExitCode == 0, err + output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^epoch 1/2: cost \d+\.\d{4}, test accuracy \d+\.\d{2}\s?%$", lines[0]);
        Assert.StartsWith("epoch 2/2: ", lines[1]);
        Assert.Equal("saved quickstart.safetensors", lines[^1]);
        var model = ModelFile.Load(Path.Combine(d.Path, "quickstart.safetensors"));
        Assert.Equal([784, 256, 256, 10], model.Sizes);
        Assert.Equal("relu", model.Activation);
    }

    [Fact]
    public void CtrlCStopsTrainingAndStillSavesTheModel()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 2000, test: 50);
        using var p = Start(d.Path, d.Path, "100000");
        string first = p.StandardOutput.ReadLine() ?? "";
        Assert.StartsWith("epoch 1/100000: ", first);
        Process.Start("kill", ["-INT", p.Id.ToString()])!.WaitForExit();
        string rest = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "the sample did not stop after Ctrl+C");
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd() + rest);
        Assert.Matches(@"stopped in epoch \d+; saving the weights as they are", rest);
        Assert.EndsWith("saved quickstart.safetensors\n", rest.Replace("\r", ""));
        Assert.True(File.Exists(Path.Combine(d.Path, "quickstart.safetensors")));
    }
}
