using InitLab.Data;
using InitLab.Diagnostics;
using InitLab.Experiments;
using InitLab.Init;
using InitLab.Tensors;
using InitLab.Training;

namespace InitLab.Tests.Training;

/// <summary>The training log: what the writer records, what the reader makes of whole and cut-off files, and the run folder LoggedRun leaves.</summary>
[Collection(SerialCollection.Name)]
public class TrainingLogTests
{
    private static readonly Lazy<DataSplits> Data = new(() =>
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 200, test: 40);
        return MnistLoader.Load(d.Path);
    });

    private static readonly TrainConfig Small = TrainConfig.Note with
    {
        Data = "synthetic", Layers = [784, 12, 8, 10], Init = InitPlan.Parse("he-normal"), BatchSize = 50, Epochs = 2, Seed = 3,
    };

    [Fact]
    public void LogRoundTripsStepsEpochsHistogramsAndEnd()
    {
        using var d = new TempDir();
        string path = d.File(TrainingLog.FileName);
        var trainer = Trainer.Create(Small, Data.Value);
        var options = new TrainingLogOptions { SampleEvery = 3, Bins = 7, ProbeRows = 20 };
        IReadOnlyList<EpochReport> history;
        using (var log = new TrainingLogWriter(path, trainer, options))
        {
            history = trainer.Fit(log.Epochs(), default, new FitOptions { BatchProgress = log.Batches });
            log.Finish(TrainingLog.Finished);
        }
        var read = TrainingLog.Read(path);

        Assert.Equal(Small, read.Config);
        Assert.Equal(3, read.SampleEvery);
        // 200 images in batches of 50: 4 steps an epoch, 8 in all, each with its loss.
        Assert.Equal(Enumerable.Range(1, 8), read.Steps.Select(s => s.Step));
        Assert.All(read.Steps, s => Assert.True(double.IsFinite(s.Cost) && s.Cost > 0));
        Assert.Equal(history.Select(h => (h.Epoch, h.TrainCost, h.TestAccuracy)), read.Epochs.Select(h => (h.Epoch, h.TrainCost, h.TestAccuracy)));
        // Samples: step 0 (init), every 3rd step, and each epoch's last step: 0, 3, 4, 6, 8.
        Assert.Equal([0, 3, 4, 6, 8], read.Histograms.Select(h => h.Step).Distinct());
        // Step 0 has no gradients yet; three Linear layers, the last without an activation.
        var first = read.Histograms.Where(h => h.Step == 0).Select(h => (h.Layer, h.Kind)).ToList();
        Assert.Equal([(1, "preactivation"), (1, "weight"), (1, "activation"), (2, "preactivation"), (2, "weight"), (2, "activation"), (3, "preactivation"), (3, "weight")], first);
        Assert.Equal(4, read.Histograms.Count(h => h.Step == 3 && h.Layer == 2));
        Assert.All(read.Histograms, h => Assert.Equal(7, h.Histogram.Counts.Count));
        // The probe batch: 20 images of 12 units in layer 1; weights 12 x 784.
        Assert.Equal(20 * 12, read.Histograms.First(h => h.Kind == "preactivation" && h.Layer == 1).Histogram.Total);
        Assert.Equal(12 * 784, read.Histograms.First(h => h.Kind == "weight" && h.Layer == 1).Histogram.Total);
        // The weights logged after the last step are the trained weights.
        var w = trainer.Model.Parameters[0].Value.Data;
        var last = read.Histograms.Last(h => h.Kind == "weight" && h.Layer == 1).Histogram;
        Assert.Equal(w.Min(), last.Min, 5);
        Assert.Equal(w.Max(), last.Max, 5);
        Assert.Equal(new LogEnd(TrainingLog.Finished, null), read.End);
    }

    [Fact]
    public void HalfWrittenLastRecordIsIgnoredButABadMiddleLineIsAnError()
    {
        string whole = "{\"type\":\"start\",\"sample_every\":5}\n{\"type\":\"step\",\"step\":1,\"epoch\":1,\"batch\":1,\"cost\":2.5}\n";
        var cut = TrainingLog.Parse(whole + "{\"type\":\"step\",\"step\":2,\"ep");
        Assert.Equal([1], cut.Steps.Select(s => s.Step));
        Assert.Null(cut.End);

        var e = Assert.Throws<InvalidDataException>(() => TrainingLog.Parse("{\"type\":\"step\",\"st\n" + whole, "x.jsonl"));
        Assert.Contains("x.jsonl: line 1", e.Message);
    }

    /// <summary>
    /// A line that is not a record says what is wrong with it in the log's terms (which field is
    /// missing or of the wrong kind, or where the JSON breaks), not in the JSON reader's.
    /// </summary>
    [Theory]
    [InlineData("{\"type\":\"step\",\"step\":1,\"epoch\":1,\"batch\":1,\"cost\":NaN}", " is not JSON (at byte 52).")]
    [InlineData("{\"type\":\"step\",\"step\":1}", ": no \"epoch\" field.")]
    [InlineData("{\"type\":\"step\",\"step\":\"a\",\"epoch\":1,\"batch\":1,\"cost\":1}", ": \"step\" is not a whole number in range.")]
    [InlineData("{\"type\":\"step\",\"step\":2147483648,\"epoch\":1,\"batch\":1,\"cost\":1}", ": \"step\" is not a whole number in range.")]
    [InlineData("{\"type\":\"step\",\"step\":1.5,\"epoch\":1,\"batch\":1,\"cost\":1}", ": \"step\" is not a whole number in range.")]
    [InlineData("{\"type\":\"step\",\"step\":1,\"epoch\":1,\"batch\":1}", ": no \"cost\" field.")]
    [InlineData("[1,2]", ": not a JSON object.")]
    [InlineData("{\"step\":1}", ": no \"type\" field.")]
    [InlineData("{\"type\":7}", ": \"type\" is not text.")]
    [InlineData("{\"type\":\"hist\",\"counts\":\"x\"}", ": \"counts\" is not a list.")]
    [InlineData("{\"type\":\"hist\",\"counts\":[1,-0.5]}", ": \"counts\" are not all whole numbers.")]
    [InlineData("{\"type\":\"end\"}", ": no \"status\" field.")]
    public void ABadRecordIsNamedByWhatIsWrongWithIt(string record, string expected)
    {
        string start = "{\"type\":\"start\",\"sample_every\":5}\n";
        var e = Assert.Throws<InvalidDataException>(() => TrainingLog.Parse(start + record + "\n", "runs/a/log.jsonl"));
        Assert.Equal("runs/a/log.jsonl: line 2" + expected, e.Message);
    }

    [Fact]
    public void ABadConfigurationInTheStartRecordNamesTheLogLineAndSetting()
    {
        var e = Assert.Throws<InvalidDataException>(() => TrainingLog.Parse("{\"type\":\"start\",\"sample_every\":5,\"config\":{\"layers\":\"x\"}}\n", "runs/a/log.jsonl"));
        Assert.Equal("runs/a/log.jsonl: line 1: config: setting 'data' is missing.", e.Message);
    }

    /// <summary>
    /// The reader streams the file a line at a time: a line longer than MaxLineBytes is an error
    /// naming it (without holding it), a long last line still being written is ignored, CRLF and
    /// blank lines read as before, and records split across the reader's 64 KiB chunks read whole.
    /// </summary>
    [Fact]
    public void ReadsLineByLineWithABoundOnALine()
    {
        string start = "{\"type\":\"start\",\"sample_every\":5}\n";
        string step = "{\"type\":\"step\",\"step\":1,\"epoch\":1,\"batch\":1,\"cost\":2.5}\n";
        // A record whose padding (JSON whitespace) takes it past 1 MiB, then another record.
        string huge = "{\"type\":\"step\"," + new string(' ', TrainingLog.MaxLineBytes) + "\"step\":2,\"epoch\":1,\"batch\":2,\"cost\":1}\n";
        var e = Assert.Throws<InvalidDataException>(() => TrainingLog.Parse(start + huge + step, "big.jsonl"));
        Assert.Contains("big.jsonl: line 2 takes more than 1 MiB", e.Message);
        // The bound counts the newline, as a follower's does: MaxLineBytes - 1 bytes and '\n' read, MaxLineBytes and '\n' do not.
        string Exactly(int bytes) => "{\"type\":\"step\"," + new string(' ', bytes - 53) + "\"step\":4,\"epoch\":1,\"batch\":4,\"cost\":1}";
        Assert.Equal(TrainingLog.MaxLineBytes - 1, System.Text.Encoding.UTF8.GetByteCount(Exactly(TrainingLog.MaxLineBytes - 1)));
        Assert.Equal([4], TrainingLog.Parse(Exactly(TrainingLog.MaxLineBytes - 1) + "\n").Steps.Select(s => s.Step));
        Assert.Throws<InvalidDataException>(() => TrainingLog.Parse(Exactly(TrainingLog.MaxLineBytes) + "\n"));

        // The same unfinished (no newline) is a record being written: ignored.
        var cut = TrainingLog.Parse(start + step + huge.TrimEnd('\n'));
        Assert.Equal([1], cut.Steps.Select(s => s.Step));

        // A record just under the bound, split across the 64 KiB chunks, reads whole; CRLF and blank lines too.
        string padded = "{\"type\":\"step\"," + new string(' ', TrainingLog.MaxLineBytes - 100) + "\"step\":3,\"epoch\":1,\"batch\":3,\"cost\":0.5}\r\n";
        var read = TrainingLog.Parse(start + "\r\n   \n" + step.Replace("\n", "\r\n") + padded);
        Assert.Equal([1, 3], read.Steps.Select(s => s.Step));
        Assert.Equal(5, read.SampleEvery);

        // From a file: the same as from its text, a byte-order mark skipped.
        using var d = new TempDir();
        File.WriteAllText(d.File("log.jsonl"), start + step + padded, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal([1, 3], TrainingLog.Read(d.File("log.jsonl")).Steps.Select(s => s.Step));

        // Invalid UTF-8 in a string reads as U+FFFD, as the end-record reader reads it.
        var bytes = System.Text.Encoding.UTF8.GetBytes(start + "{\"type\":\"end\",\"status\":\"failed\",\"message\":\"bad X\"}\n");
        bytes[Array.IndexOf(bytes, (byte)'X')] = 0xFF;
        File.WriteAllBytes(d.File("bad.jsonl"), bytes);
        Assert.Equal(new LogEnd(TrainingLog.Failed, "bad \uFFFD"), TrainingLog.Read(d.File("bad.jsonl")).End);
        Assert.Equal(TrainingLog.Read(d.File("bad.jsonl")).End, TrainingLog.ReadEnd(d.File("bad.jsonl")));
    }

    [Fact]
    public void WriterReopeningACutLogDropsThePartialLineAndAppends()
    {
        using var d = new TempDir();
        string path = d.File(TrainingLog.FileName);
        var trainer = Trainer.Create(Small with { Epochs = 1 }, Data.Value);
        using (var log = new TrainingLogWriter(path, trainer)) { }
        File.AppendAllText(path, "{\"type\":\"step\",\"step\":9");
        using (var log = new TrainingLogWriter(path, trainer))
            log.Finish(TrainingLog.Stopped, "by hand");
        var read = TrainingLog.Read(path);
        Assert.Empty(read.Steps);
        Assert.Equal(new LogEnd(TrainingLog.Stopped, "by hand"), read.End);
    }

    [Fact]
    public void TailReturnsOnlyCompleteLinesOnce()
    {
        using var d = new TempDir();
        string path = d.File("t.jsonl");
        var tail = new TrainingLogTail(path);
        Assert.Empty(tail.ReadNew());
        File.WriteAllText(path, "{\"a\":1}\n{\"b\":");
        Assert.Equal(["{\"a\":1}"], tail.ReadNew());
        Assert.Empty(tail.ReadNew());
        File.AppendAllText(path, "2}\n");
        Assert.Equal(["{\"b\":2}"], tail.ReadNew());
    }

    [Fact]
    public void LayerSeriesStartsWhereTheProbeOfTheFreshNetworkIs()
    {
        using var d = new TempDir();
        string path = d.File(TrainingLog.FileName);
        var config = Small with { Activation = "sigmoid" };
        var trainer = Trainer.Create(config, Data.Value);
        // The probe of the untrained network on the log's probe batch: the first 20 training images.
        var (x, y) = DataBatch.First(Data.Value.Train, 20);
        var fresh = SignalProbe.Run(Trainer.Create(config, Data.Value).Model, x, y);
        using (var log = new TrainingLogWriter(path, trainer, new TrainingLogOptions { SampleEvery = 3, ProbeRows = 20 }))
        {
            trainer.Fit(log.Epochs(), default, new FitOptions { BatchProgress = log.Batches });
            log.Finish(TrainingLog.Finished);
        }
        var series = TrainingLog.LayerSeries(TrainingLog.Read(path), "activation");
        Assert.Equal([1, 2], series.Select(s => s.Layer));
        // 2 epochs of 4 batches: step 0, every 3rd step and each epoch's end.
        Assert.Equal([0, 3, 4, 6, 8], series[0].Points.Select(p => p.Step));
        for (int l = 0; l < 2; l++) Assert.Equal(fresh[l].Mean, series[l].Points[0].Mean, 1e-6);
        Assert.NotEqual(series[1].Points[0].Mean, series[1].Points[^1].Mean);
        Assert.Throws<ArgumentException>(() => TrainingLog.LayerSeries(TrainingLog.Read(path), "activations"));
    }

    [Fact]
    public void TailWithASmallChunkReturnsTheLinesInPiecesAndSkipsALineLongerThanTheChunk()
    {
        using var d = new TempDir();
        string path = d.File("t.jsonl");
        // Lines of 9 bytes with their newline; a chunk of 20 bytes holds two of them.
        var lines = Enumerable.Range(0, 7).Select(i => $"{{\"n\":{i:000}}}").ToArray();
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        var tail = new TrainingLogTail(path, 20);
        var got = new List<string>();
        int calls = 0;
        for (IReadOnlyList<string> batch; (batch = tail.ReadNew()).Count > 0; calls++)
        {
            Assert.True(batch.Count <= 2, $"a 20-byte chunk returned {batch.Count} lines");
            got.AddRange(batch);
        }
        Assert.Equal(lines, got);
        Assert.Equal(4, calls);
        // A line of 30 bytes does not fit: it is skipped, the next one is read.
        File.AppendAllText(path, new string('x', 29) + "\n{\"n\":999}\n");
        var after = new List<string>();
        for (int i = 0; i < 5; i++) after.AddRange(tail.ReadNew());
        Assert.Equal(["{\"n\":999}"], after);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingLogTail(path, 0));
    }

    [Fact]
    public void LoggedRunLeavesAFinishedRunFolderThatRunFilesReads()
    {
        using var d = new TempDir();
        string dir = d.File("run-a");
        var result = LoggedRun.Train(dir, Small, Data.Value, new TrainingLogOptions { SampleEvery = 2 });
        var record = RunFiles.Read(dir);
        Assert.Equal("run-a", record.Config.Id);
        Assert.Equal(Small, record.Config.Train);
        Assert.Equal(2, record.Metrics.Count);
        Assert.Equal(result.FinalAccuracy, record.Result.FinalAccuracy);
        Assert.Equal(TrainingLog.Finished, TrainingLog.Read(Path.Combine(dir, TrainingLog.FileName)).End?.Status);
    }

    [Fact]
    public void CancelledLoggedRunRecordsStoppedAndIsNotFinished()
    {
        using var d = new TempDir();
        string dir = d.File("run-b");
        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() =>
            LoggedRun.Train(dir, Small, Data.Value, null, new InlineProgress<EpochReport>(_ => cts.Cancel()), cts.Token));
        Assert.False(RunFiles.IsFinished(dir));
        var log = TrainingLog.Read(Path.Combine(dir, TrainingLog.FileName));
        Assert.Equal(TrainingLog.Stopped, log.End?.Status);
        Assert.Matches(@"^stopped in epoch \d+ after batch \d+$", log.End!.Message);
        Assert.Single(log.Epochs);
    }

    [Fact]
    public void TrainCommandLoggedRunAndSweepWriteTheSameLogForTheSameRun()
    {
        using var d = new TempDir();
        string dataDir = Directory.CreateDirectory(d.File("data")).FullName;
        IdxWriter.WriteDataset(dataDir, train: 200, test: 40);
        string cliDir = d.File("cli");
        var (code, _, err) = Cli.CliTests.Run("train", "--data", dataDir, "--layers", "784,12,8,10", "--init", "he-normal", "--batch-size", "50", "--epochs", "2",
            "--seed", "3", "--threads", "1", "--log", cliDir, "--log-every", "3", "--quiet");
        Assert.True(code == 0, err);
        var config = TrainingLog.Read(Path.Combine(cliDir, TrainingLog.FileName)).Config!;
        Assert.Empty(config.Differences(Small with { Data = config.Data, Init = config.Init }));
        var data = MnistLoader.Load(dataDir);

        string libDir = d.File("lib");
        using (Compute.UseThreads(1)) LoggedRun.Train(libDir, config, data, new TrainingLogOptions { SampleEvery = 3 });
        var run = Assert.Single(SweepGrid.Build([config.Init.Weights[0].ToString()], [[.. config.Layers]], [config.Activation], 1, config.Seed));
        string sweepDir = d.File("sweep");
        var summary = Sweep.Run(sweepDir, [run], data, new SweepOptions { Base = config, Threads = 1, LogEvery = 3 });
        Assert.Equal(1, summary.Completed);

        // Every record but the epochs' timings, which differ from run to run.
        static string[] Untimed(string path) => [.. File.ReadAllLines(path).Select(line =>
        {
            var record = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            record.Remove("seconds");
            record.Remove("samples_per_second");
            return record.ToJsonString();
        })];
        var cli = Untimed(Path.Combine(cliDir, TrainingLog.FileName));
        Assert.Contains(cli, l => l.Contains("\"type\":\"hist\"", StringComparison.Ordinal));
        Assert.EndsWith("{\"type\":\"end\",\"status\":\"finished\"}", cli[^1]);
        Assert.Equal(cli, Untimed(Path.Combine(libDir, TrainingLog.FileName)));
        Assert.Equal(cli, Untimed(Path.Combine(sweepDir, run.Id, RunFiles.Log)));
    }

    [SkippableFact]
    public void AFifoIsRefusedInsteadOfBlockingForever()
    {
        Skip.If(OperatingSystem.IsWindows(), "no FIFOs");
        using var d = new TempDir();
        string fifo = d.File(TrainingLog.FileName);
        using (var mk = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mkfifo", [fifo]) { UseShellExecute = false })!) mk.WaitForExit();
        Skip.IfNot(File.Exists(fifo), "mkfifo is not available");
        var read = Task.Run(() => TrainingLog.Read(fifo));
        Assert.True(Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(20))).Result == read, "reading a FIFO blocked");
        var e = Assert.IsType<InvalidDataException>(read.Exception!.InnerException);
        Assert.Contains("not a regular file", e.Message);
        Assert.Contains(fifo, e.Message);
    }
}
