using System.Text;
using InitLab.Data;
using InitLab.Init;
using InitLab.Training;

namespace InitLab.Tests.Training;

/// <summary>
/// <see cref="TrainingLog.ReadEnd(Stream, string)"/>: the same end as reading the whole log
/// (<see cref="TrainingLog.Parse(string, string)"/>, the oracle) for a real log cut at every byte of its last
/// lines, while reading a bounded tail of a log of any length.
/// </summary>
[Collection(SerialCollection.Name)]
public class TrainingLogEndTests
{
    private static LogEnd? EndOf(byte[] log) => TrainingLog.ReadEnd(new MemoryStream(log));

    /// <summary>A real stopped run's log: start, steps, histograms, one epoch, end.</summary>
    private static byte[] StoppedRunLog()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d.File("data"));
        IdxWriter.WriteDataset(d.File("data"), train: 200, test: 40);
        var config = TrainConfig.Note with { Data = d.File("data"), Layers = [784, 8, 10], Init = InitPlan.Parse("he-normal"), BatchSize = 50, Epochs = 3, Seed = 2 };
        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() =>
            LoggedRun.Train(d.File("run"), config, MnistLoader.Load(d.File("data")), new TrainingLogOptions { SampleEvery = 1 },
                new InlineProgress<EpochReport>(_ => cts.Cancel()), cts.Token));
        return File.ReadAllBytes(Path.Combine(d.File("run"), TrainingLog.FileName));
    }

    [Fact]
    public void EveryCutOfARealLogEndsAsReadingItWholeSays()
    {
        byte[] stopped = StoppedRunLog();
        Assert.Equal(TrainingLog.Stopped, EndOf(stopped)?.Status);
        // As if a resumed run had begun writing after the end record (a writer first cuts such a line off).
        byte[] log = [.. stopped, .. "{\"type\":\"start\",\"sample_every\":1}"u8];
        // Every cut in the last three lines (the half-written one, the end record, the record before it) and at every line boundary.
        int from = log.AsSpan(0, log.Length - 1).LastIndexOf((byte)'\n');
        from = log.AsSpan(0, from).LastIndexOf((byte)'\n');
        from = log.AsSpan(0, from).LastIndexOf((byte)'\n');
        var cuts = Enumerable.Range(from, log.Length - from + 1)
            .Concat(Enumerable.Range(1, log.Length - 1).Where(i => log[i - 1] == (byte)'\n')).Append(0);
        int ends = 0;
        foreach (int cut in cuts.Distinct())
        {
            var prefix = log[..cut];
            var whole = TrainingLog.Parse(Encoding.UTF8.GetString(prefix)).End;
            Assert.Equal(whole, EndOf(prefix));
            if (whole is not null) ends++;
        }
        Assert.True(ends > 1, "no cut kept the end record");
        // Text after the end record: a half-written line is ignored, blank lines are passed over.
        Assert.Equal(TrainingLog.Stopped, EndOf([.. stopped, .. "{\"type\":\"st"u8])?.Status);
        Assert.Equal(TrainingLog.Stopped, EndOf([.. stopped, .. "\n  \n"u8])?.Status);
        // A half-written line longer than the first window (no line end in it): the end record before it still counts.
        byte[] longTail = [.. stopped, .. Encoding.UTF8.GetBytes("{\"type\":\"step\",\"pad\":\"" + new string('y', TrainingLog.EndWindow + 100))];
        Assert.Equal(TrainingLog.Parse(Encoding.UTF8.GetString(longTail)).End, EndOf(longTail));
        Assert.Equal(TrainingLog.Stopped, EndOf(longTail)?.Status);
    }

    [Fact]
    public void ALastLineThatIsNotARecordNamesTheLog()
    {
        var e = Assert.Throws<InvalidDataException>(() => TrainingLog.ReadEnd(new MemoryStream("{\"type\":\"start\",\"sample_every\":1}\nnot json\n"u8.ToArray()), "runs/a/log.jsonl"));
        Assert.Equal("runs/a/log.jsonl: its last line is not JSON (at byte 2).", e.Message);
        var noStatus = Assert.Throws<InvalidDataException>(() => TrainingLog.ReadEnd(new MemoryStream("{\"type\":\"end\",\"message\":\"x\"}\n"u8.ToArray()), "runs/a/log.jsonl"));
        Assert.Equal("runs/a/log.jsonl: its last line: no \"status\" field.", noStatus.Message);
        Assert.Null(EndOf([]));
        Assert.Null(EndOf("{\"type\":\"step\",\"step\":1,\"epoch\":1,\"batch\":1,\"cost\":1}\n"u8.ToArray()));
    }

    /// <summary>A 32 MB log of step records ending in <paramref name="end"/>.</summary>
    internal static void WriteBigLog(string path, string end, long bytes = 32L << 20)
    {
        using var w = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        w.WriteLine("{\"type\":\"start\",\"sample_every\":50,\"bins\":30,\"probe_rows\":256,\"batches_per_epoch\":100}");
        for (int i = 1; w.BaseStream.Length < bytes; i++)
            w.WriteLine($"{{\"type\":\"step\",\"step\":{i},\"epoch\":{1 + (i - 1) / 100},\"batch\":{1 + (i - 1) % 100},\"cost\":0.{i % 1000:D3}}}");
        w.WriteLine(end);
    }

    [Fact]
    public void ABigLogsEndIsFoundFromItsLastBytes()
    {
        using var d = new TempDir();
        string path = d.File(TrainingLog.FileName);
        WriteBigLog(path, "{\"type\":\"end\",\"status\":\"failed\",\"message\":\"diverged at step 9\"}");
        using (var file = File.OpenRead(path))
        {
            var counted = new CountingStream(file);
            Assert.Equal(new LogEnd(TrainingLog.Failed, "diverged at step 9"), TrainingLog.ReadEnd(counted));
            Assert.True(counted.Length > 30L << 20);
            Assert.True(counted.BytesRead <= TrainingLog.EndWindow, $"read {counted.BytesRead} bytes of a {counted.Length}-byte log");
        }
        Assert.Equal(TrainingLog.Read(path).End, TrainingLog.ReadEnd(path));

        // A last line longer than the first window (a long error message) is read in wider windows, still bounded.
        string message = new('x', 100_000);
        using (var f = File.AppendText(path)) f.Write($"{{\"type\":\"end\",\"status\":\"failed\",\"message\":\"{message}\"}}\n");
        using (var file = File.OpenRead(path))
        {
            var counted = new CountingStream(file);
            Assert.Equal(new LogEnd(TrainingLog.Failed, message), TrainingLog.ReadEnd(counted));
            Assert.True(counted.BytesRead < 2 * TrainingLog.MaxEndWindow, $"read {counted.BytesRead} bytes");
        }
        // A still longer last line is no end record this reader looks for: the run reads as training, after at most the largest windows.
        using (var f = File.AppendText(path)) f.Write($"{{\"type\":\"step\",\"pad\":\"{new string('y', TrainingLog.MaxEndWindow)}\"}}\n");
        using (var file = File.OpenRead(path))
        {
            var counted = new CountingStream(file);
            Assert.Null(TrainingLog.ReadEnd(counted));
            Assert.True(counted.BytesRead < 2 * TrainingLog.MaxEndWindow, $"read {counted.BytesRead} bytes");
        }
    }
}
