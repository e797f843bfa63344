using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using InitLab.Io;
using InitLab.Training;

namespace InitLab.Tests.Cli;

/// <summary>A synthetic dataset and the final model of an uninterrupted run, shared by the kill-and-resume tests.</summary>
public sealed class UninterruptedRun : IDisposable
{
    public TempDir Dir { get; } = new();

    /// <summary>Arguments every run shares: about 0.2 s an epoch on one thread, so a run can be stopped mid-way.</summary>
    public string[] Common { get; }

    public byte[] FinalModel { get; }

    /// <summary>The uninterrupted run's --metrics CSV lines, without the header.</summary>
    public string[] Metrics { get; }

    public UninterruptedRun()
    {
        IdxWriter.WriteDataset(Dir.Path, train: 8000, test: 100);
        Common = ["train", "--data", Dir.Path, "--layers", "784,512,512,10", "--activation", "tanh", "--lr", "0.0003",
            "--batch-size", "20", "--epochs", "10", "--threads", "1", "--quiet"];
        string path = Dir.File("straight.safetensors");
        string metrics = Dir.File("straight.csv");
        var (code, _, err) = CliTests.Run([.. Common, "--save", path, "--metrics", metrics]);
        Assert.True(code == 0, err);
        FinalModel = File.ReadAllBytes(path);
        Metrics = File.ReadAllLines(metrics)[1..];
    }

    public void Dispose() => Dir.Dispose();
}

/// <summary>Checkpoints through the real command: a child process killed with SIGKILL or stopped with SIGINT, then resumed.</summary>
[Collection(Training.SerialCollection.Name)]
public class CheckpointCliTests(UninterruptedRun straight) : IClassFixture<UninterruptedRun>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Process Start(IEnumerable<string> args)
    {
        return ChildProcess.Start(ChildProcess.Cli, args);
    }

    private static (int Code, string Out, string Err) Finish(Process p)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Patience))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"initlab did not finish within {Patience.TotalSeconds} s.");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The checkpoint's metadata, read from its header only; null while there is no file.</summary>
    private static Dictionary<string, string>? Metadata(string path)
    {
        if (!File.Exists(path)) return null;
        using var f = File.OpenRead(path);  // a rename replaces the file whole; an open one stays readable
        var len = new byte[8];
        f.ReadExactly(len);
        var header = new byte[BinaryPrimitives.ReadInt64LittleEndian(len)];
        f.ReadExactly(header);
        using var doc = JsonDocument.Parse(header);
        return doc.RootElement.GetProperty("__metadata__").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    private static int EpochsCompleted(string path) => Metadata(path) is { } m ? int.Parse(m[CheckpointFile.EpochsCompletedKey]) : 0;

    /// <summary>Waits, at most <see cref="Patience"/>, for a checkpoint with at least <paramref name="epochs"/> epochs done.</summary>
    private static void WaitForCheckpoint(Process p, string path, int epochs)
    {
        var clock = Stopwatch.StartNew();
        while (!p.HasExited && EpochsCompleted(path) < epochs && clock.Elapsed < Patience) Thread.Sleep(20);
        if (p.HasExited) Assert.Fail($"initlab ended (exit code {p.ExitCode}) before it could be interrupted after epoch {epochs}: {p.StandardError.ReadToEnd()}");
        Assert.True(EpochsCompleted(path) >= epochs, $"no checkpoint showed {epochs} completed epochs within {Patience.TotalSeconds} s.");
    }

    [Fact]
    public void KilledWithSigkillAndResumedEndsWithTheSameWeights()
    {
        using var d = new TempDir();
        string dir = d.File("ck"), checkpoint = Path.Combine(dir, CheckpointFile.FileName), final = d.File("final.safetensors");
        string[] args = [.. straight.Common, "--checkpoint", dir, "--save", final];
        var victim = Start(args);
        WaitForCheckpoint(victim, checkpoint, 2);
        victim.Kill(entireProcessTree: true);  // SIGKILL on Linux: no handler runs
        victim.WaitForExit();
        Assert.False(File.Exists(final), "the run finished before it was killed");
        int done = EpochsCompleted(checkpoint);
        Assert.InRange(done, 2, 9);
        Assert.Equal("0", Metadata(checkpoint)![CheckpointFile.BatchKey]);

        string csv = d.File("resumed.csv");
        var (code, _, err) = Finish(Start([.. args, "--resume", "--metrics", csv]));
        Assert.True(code == 0, err);
        Assert.True(straight.FinalModel.SequenceEqual(File.ReadAllBytes(final)), $"resumed after epoch {done}: the final weights differ from the uninterrupted run's");
        // The resumed run's metrics cover all 10 epochs, those before the kill from the checkpoint,
        // with the uninterrupted run's costs (seconds differ).
        static string[] EpochAndCost(IEnumerable<string> lines) => [.. lines.Select(l => string.Join(",", l.Split(',')[..2]))];
        var rows = File.ReadAllLines(csv);
        Assert.Equal(MetricsCsv.Header, rows[0]);
        Assert.Equal(EpochAndCost(straight.Metrics), EpochAndCost(rows[1..]));
        Assert.Equal(10, EpochsCompleted(checkpoint));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void CtrlCStopsAfterTheBatchWritesACheckpointAndExitsWith130()
    {
        using var d = new TempDir();
        string dir = d.File("ck"), checkpoint = Path.Combine(dir, CheckpointFile.FileName), final = d.File("final.safetensors");
        string[] args = [.. straight.Common, "--checkpoint", dir, "--save", final];
        var victim = Start(args);
        WaitForCheckpoint(victim, checkpoint, 1);
        Process.Start("kill", ["-INT", victim.Id.ToString()])!.WaitForExit();
        var (code, _, err) = Finish(victim);
        Assert.True(code == 130, $"exit code {code}: {err}");
        Assert.Contains("--resume", err);
        Assert.Contains(checkpoint, err);
        Assert.False(File.Exists(final));
        var meta = Metadata(checkpoint)!;

        var (resumedCode, _, resumedErr) = Finish(Start([.. args, "--resume"]));
        Assert.True(resumedCode == 0, resumedErr);
        Assert.True(straight.FinalModel.SequenceEqual(File.ReadAllBytes(final)),
            $"resumed at epoch {meta[CheckpointFile.EpochKey]}, batch {meta[CheckpointFile.BatchKey]}: the final weights differ from the uninterrupted run's");
    }
}

/// <summary>Checkpoint errors, in process.</summary>
public class CheckpointErrorTests
{
    private static string[] Args(string data, string dir, params string[] more) =>
        ["train", "--data", data, "--layers", "784,16,10", "--epochs", "2", "--batch-size", "50", "--threads", "1", "--quiet", "--checkpoint", dir, .. more];

    private static (TempDir, string Dir, string File) Trained()
    {
        var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 20);
        string dir = d.File("ck");
        var (code, _, err) = CliTests.Run(Args(d.Path, dir));
        Assert.True(code == 0, err);
        return (d, dir, Path.Combine(dir, CheckpointFile.FileName));
    }

    [Fact]
    public void TruncatedCheckpointIsAClearError()
    {
        var (d, dir, file) = Trained();
        using var cleanup = d;
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
        var (code, _, err) = CliTests.Run(Args(d.Path, dir, "--resume"));
        Assert.Equal(1, code);
        Assert.Contains(file, err);
        Assert.Contains("is outside the", err);  // a tensor's bytes lie past the cut
    }

    [Fact]
    public void GarbageAndModelFilesAreNotCheckpoints()
    {
        var (d, dir, file) = Trained();
        using var cleanup = d;
        File.WriteAllBytes(file, new byte[100]);
        var (code, _, err) = CliTests.Run(Args(d.Path, dir, "--resume"));
        Assert.Equal(1, code);
        Assert.Contains($"{file}", err);
        Assert.Contains("header is not valid JSON", err);

        var model = InitLab.Models.Mlp.Create([784, 16, 10], "relu", InitLab.Init.InitSpec.Parse("zeros"), new InitLab.Random.TorchGenerator(1));
        ModelFile.Save(model, file);
        (code, _, err) = CliTests.Run(Args(d.Path, dir, "--resume"));
        Assert.Equal(1, code);
        Assert.Contains("is not an InitLab checkpoint", err);
    }

    [Fact]
    public void ATemporaryFileLeftByACrashedWriteIsIgnored()
    {
        var (d, dir, file) = Trained();
        using var cleanup = d;
        var good = File.ReadAllBytes(file);
        File.WriteAllBytes(file + ".99999.tmp", good[..1000]);  // what a crash mid-write leaves behind
        var (code, _, err) = CliTests.Run(Args(d.Path, dir, "--resume"));
        Assert.True(code == 0, err);
        Assert.Equal(2, CheckpointFile.Load(file).Config!.Epochs);
    }

    [Fact]
    public void ATamperedMetricsHistoryIsAClearError()
    {
        var (d, dir, file) = Trained();
        using var cleanup = d;
        var content = SafeTensors.Read(file);
        var meta = content.Metadata.ToDictionary();
        Assert.Equal(MetricsCsv.Header, meta[CheckpointFile.HistoryKey].Split('\n')[0]);
        Assert.Equal(3, meta[CheckpointFile.HistoryKey].Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        meta[CheckpointFile.HistoryKey] = "1,0.5,0.9,1.0,100.0\n2,lots,0.9,1.0,100.0\n";
        SafeTensors.Write(file, content.Tensors, meta, content.U32Tensors);
        var (code, _, err) = CliTests.Run(Args(d.Path, dir, "--resume"));
        Assert.Equal(1, code);
        Assert.Contains(file, err);
        Assert.Contains("metadata initlab.history, line 2, field 2: 'lots' is not a number", err);
    }

    [Fact]
    public void DifferentSettingsAreNamed()
    {
        var (d, dir, _) = Trained();
        using var cleanup = d;
        var (code, _, err) = CliTests.Run([.. Args(d.Path, dir, "--resume"), "--lr", "0.01", "--seed", "5"]);
        Assert.Equal(1, code);
        Assert.Contains("the settings differ from the checkpoint's (given vs recorded): lr: 0.01 vs 0.001; seed: 5 vs 777", err);
    }

    [Fact]
    public void ResumeAcceptsAnotherSpellingOfTheSameInitializer()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 20);
        string dir = d.File("ck");
        var (code, _, err) = CliTests.Run([.. Args(d.Path, dir), "--init", "he_normal"]);
        Assert.True(code == 0, err);
        (code, _, err) = CliTests.Run([.. Args(d.Path, dir, "--resume"), "--init", "kaiming-normal"]);
        Assert.True(code == 0, err);
        (code, _, err) = CliTests.Run([.. Args(d.Path, dir, "--resume"), "--init", "xavier-normal"]);
        Assert.Equal(1, code);
        Assert.Contains("init: xavier-normal:gain=1 vs kaiming-normal:a=0,mode=fan_in,nonlinearity=leaky_relu", err);
    }

    [Fact]
    public void ResumeNeedsACheckpoint()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 100, test: 10);
        var (code, _, err) = CliTests.Run("train", "--data", d.Path, "--resume");
        Assert.Equal(2, code);
        Assert.Contains("--resume needs --checkpoint DIR", err);
        (code, _, err) = CliTests.Run(Args(d.Path, d.File("empty"), "--resume"));
        Assert.Equal(1, code);
        Assert.Contains("no checkpoint to continue from", err);
    }

    [Fact]
    public void ResumingAFinishedRunSavesTheSameModel()
    {
        var (d, dir, _) = Trained();
        using var cleanup = d;
        string a = d.File("a.safetensors"), b = d.File("b.safetensors");
        Assert.Equal(0, CliTests.Run([.. Args(d.Path, d.File("ck2"), "--checkpoint-every", "5"), "--save", a]).Code);
        Assert.Equal(2, CheckpointFile.Load(Path.Combine(d.File("ck2"), CheckpointFile.FileName)).Position.EpochsCompleted);  // the last epoch always
        Assert.Equal(0, CliTests.Run([.. Args(d.Path, dir, "--resume"), "--save", b]).Code);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        // A checkpoint also loads as a model: the same weights as the saved one.
        var fromCheckpoint = ModelFile.Load(Path.Combine(dir, CheckpointFile.FileName)).Model.Parameters.SelectMany(p => p.Value.Data);
        Assert.Equal(ModelFile.Load(a).Model.Parameters.SelectMany(p => p.Value.Data), fromCheckpoint);
    }
}
