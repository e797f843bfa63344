using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InitLab.Data;
using InitLab.Diagnostics;
using InitLab.Experiments;
using InitLab.Nn;
using InitLab.Tensors;

namespace InitLab.Training;

/// <summary>One training step's scalar: the loss of the batch just done.</summary>
/// <param name="Step">Steps since the start of training: (epoch - 1) · batches per epoch + batch.</param>
/// <param name="Epoch">The 1-based epoch.</param>
/// <param name="Batch">The batch of that epoch just done (1-based).</param>
/// <param name="Cost">The batch's cross-entropy loss.</param>
public sealed record LogStep(int Step, int Epoch, int Batch, double Cost);

/// <summary>A histogram of one layer at one step.</summary>
/// <param name="Step">The step it was taken after (0: right after initialization).</param>
/// <param name="Epoch">The epoch of that step (1 at step 0).</param>
/// <param name="Layer">The Linear layer, 1-based.</param>
/// <param name="Kind">What was counted: one of <see cref="TrainingLog.Kinds"/>.</param>
/// <param name="Histogram">The counts.</param>
public sealed record LogHistogram(int Step, int Epoch, int Layer, string Kind, Histogram Histogram);

/// <summary>How a logged run ended: <see cref="TrainingLog.Finished"/>, <see cref="TrainingLog.Stopped"/> or <see cref="TrainingLog.Failed"/>, and why.</summary>
public sealed record LogEnd(string Status, string? Message);

/// <summary>Everything a training log holds, in file order.</summary>
/// <param name="Config">The run's configuration (null when the start record has none).</param>
/// <param name="SampleEvery">Steps between histogram samples.</param>
/// <param name="Steps">The per-step losses.</param>
/// <param name="Epochs">The per-epoch figures.</param>
/// <param name="Histograms">Every histogram.</param>
/// <param name="End">How the run ended; null while it trains (or when its process died).</param>
public sealed record TrainingLogData(TrainConfig? Config, int SampleEvery, IReadOnlyList<LogStep> Steps, IReadOnlyList<EpochReport> Epochs,
    IReadOnlyList<LogHistogram> Histograms, LogEnd? End);

/// <summary>
/// The training log of a run folder (<see cref="FileName"/>): JSON lines, one record per line,
/// append-only, so a viewer can follow it while the run trains (<see cref="TrainingLogTail"/>) and
/// a crash loses at most the last, half-written line, which readers ignore. Records have a
/// "type": "start" (the configuration, bins, sampling period), "step" (the batch loss), "hist"
/// (one layer's histogram of one <see cref="Kinds">kind</see>), "epoch" (the metrics CSV's row)
/// and "end" (status and message). <see cref="TrainingLogWriter"/> writes it.
/// </summary>
public static partial class TrainingLog
{
    /// <summary>The log's file name in a run folder.</summary>
    public const string FileName = "log.jsonl";

    /// <summary>The status of a run that trained all its epochs.</summary>
    public const string Finished = "finished";

    /// <summary>The status of a run cancelled before its last epoch.</summary>
    public const string Stopped = "stopped";

    /// <summary>The status of a run that ended with an error (diverged, bad data).</summary>
    public const string Failed = "failed";

    /// <summary>
    /// What histograms count, per Linear layer: "preactivation" (x Wᵀ + b on the probe batch),
    /// "activation" (after the activation; hidden layers only), "weight" (W) and "gradient" (dW of
    /// the last training batch; not at step 0).
    /// </summary>
    public static IReadOnlyList<string> Kinds { get; } = ["preactivation", "activation", "weight", "gradient"];

    /// <summary>
    /// Per Linear layer (1-based, ascending), the mean and standard deviation of the histograms of
    /// <paramref name="kind"/> at each sampled step, in step order: the lines of Glorot &amp;
    /// Bengio's Figure 2 (activation mean and spread per layer over training).
    /// </summary>
    /// <param name="data">A read log.</param>
    /// <param name="kind">One of <see cref="Kinds"/>.</param>
    public static IReadOnlyList<(int Layer, IReadOnlyList<(int Step, double Mean, double Std)> Points)> LayerSeries(TrainingLogData data, string kind)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!Kinds.Contains(kind)) throw new ArgumentException($"Unknown histogram kind '{kind}'; use {string.Join(", ", Kinds)}.", nameof(kind));
        return data.Histograms.Where(h => h.Kind == kind).GroupBy(h => h.Layer).OrderBy(g => g.Key)
            .Select(g => (g.Key, (IReadOnlyList<(int, double, double)>)g.OrderBy(h => h.Step).Select(h => (h.Step, h.Histogram.Mean, h.Histogram.Std)).ToList()))
            .ToList();
    }

    /// <summary>Reads the log at <paramref name="path"/>; see <see cref="Parse(Stream, string)"/>.</summary>
    public static TrainingLogData Read(string path) => ReadFile(path, file => Parse(file, path));

    /// <summary>
    /// <paramref name="read"/> applied to the log at <paramref name="path"/>, opened with
    /// Io.InputFile (not File.OpenRead: a FIFO would block it forever); a file that cannot be
    /// opened or read is an InvalidDataException naming it.
    /// </summary>
    private static T ReadFile<T>(string path, Func<Stream, T> read)
    {
        try
        {
            using var file = Io.InputFile.OpenRead(path);
            return read(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot be read ({e.Message}).", e);
        }
    }

    /// <summary>
    /// The bytes a log line may take with its newline: <see cref="TrainingLogTail.MaxChunk"/>, so a
    /// line the reader takes is one a follower takes too (a histogram record takes a few kilobytes).
    /// </summary>
    public const int MaxLineBytes = TrainingLogTail.MaxChunk;

    /// <summary>Reads a log's text; see <see cref="Parse(Stream, string)"/>.</summary>
    public static TrainingLogData Parse(string text, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var bytes = new MemoryStream(Encoding.UTF8.GetBytes(text), writable: false);
        return Parse(bytes, source);
    }

    /// <summary>
    /// Reads a log, line by line: UTF-8 (a byte-order mark is skipped, invalid bytes read as
    /// U+FFFD, as <see cref="ReadEnd(Stream, string)"/> reads them), one JSON record per line, lines
    /// ending at '\n' (a '\r' before it is dropped), lines of spaces and tabs skipped. A last line
    /// without its newline is a record being written (or cut off by a crash) and is ignored; any
    /// other line that is not a valid record, or takes more than <see cref="MaxLineBytes"/> with
    /// its newline, is an <see cref="InvalidDataException"/> naming <paramref name="source"/> and
    /// the line, as is an <see cref="IOException"/> while reading. Memory is what the records hold
    /// plus a 64 KB chunk and a 1 MB line buffer (both pooled), whatever the file's size.
    /// </summary>
    public static TrainingLogData Parse(Stream log, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(log);
        var records = new Records(source);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        byte[] line = ArrayPool<byte>.Shared.Rent(MaxLineBytes);
        try
        {
            int length = 0, lineNumber = 0;
            bool tooLong = false;
            int read;
            while ((read = log.Read(chunk, 0, chunk.Length)) > 0)
            {
                var rest = chunk.AsSpan(0, read);
                while (!rest.IsEmpty)
                {
                    int newline = rest.IndexOf((byte)'\n');
                    var piece = newline < 0 ? rest : rest[..newline];
                    if (!tooLong)
                    {
                        // With its newline the line may take MaxLineBytes.
                        if ((long)length + piece.Length >= MaxLineBytes) tooLong = true;
                        else
                        {
                            piece.CopyTo(line.AsSpan(length));
                            length += piece.Length;
                        }
                    }
                    if (newline < 0) break;
                    lineNumber++;
                    if (tooLong)
                        throw new InvalidDataException($"{source}: line {lineNumber} takes more than {MaxLineBytes / (1 << 20)} MiB: not a log record.");
                    records.Add(line.AsMemory(0, length), lineNumber);
                    length = 0;
                    rest = rest[(newline + 1)..];
                }
            }
            // What follows the last newline is a record still being written: ignored.
            return records.Data();
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"{source}: cannot be read ({e.Message}).", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            ArrayPool<byte>.Shared.Return(line);
        }
    }

    /// <summary>The records of a log read so far.</summary>
    private sealed class Records(string source)
    {
        private TrainConfig? _config;
        private int _every;
        private readonly List<LogStep> _steps = new();
        private readonly List<EpochReport> _epochs = new();
        private readonly List<LogHistogram> _histograms = new();
        private LogEnd? _end;

        public TrainingLogData Data() => new(_config, _every, _steps, _epochs, _histograms, _end);

        /// <summary>One line's record (UTF-8, without its newline); a blank line is skipped.</summary>
        public void Add(ReadOnlyMemory<byte> utf8, int lineNumber)
        {
            if (lineNumber == 1 && utf8.Span.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
            if (utf8.Span.EndsWith("\r"u8)) utf8 = utf8[..^1];
            if (utf8.Span.TrimStart(" \t\r\f\v"u8).IsEmpty) return;
            // Invalid UTF-8 reads as U+FFFD (as a StreamReader decodes it), not as an error.
            if (!System.Text.Unicode.Utf8.IsValid(utf8.Span)) utf8 = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(utf8.Span));
            try
            {
                using var doc = JsonDocument.Parse(utf8);
                var r = doc.RootElement;
                switch (Text(r, "type"))
                {
                    case "start":
                        _every = Int(r, "sample_every");
                        if (r.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object)
                            _config = TrainConfig.FromJson(c.GetRawText(), $"{source}: line {lineNumber}: config");
                        break;
                    case "step":
                        _steps.Add(new LogStep(Int(r, "step"), Int(r, "epoch"), Int(r, "batch"), Number(r, "cost")));
                        break;
                    case "epoch":
                        _epochs.Add(new EpochReport(Int(r, "epoch"), Int(r, "epochs"), Number(r, "train_cost"),
                            Number(r, "test_accuracy"), Number(r, "seconds"), Number(r, "samples_per_second")));
                        break;
                    case "hist":
                        var bins = Field(r, "counts");
                        if (bins.ValueKind != JsonValueKind.Array) throw new InvalidDataException("\"counts\" is not a list");
                        var counts = bins.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long n) ? n
                            : throw new InvalidDataException("\"counts\" are not all whole numbers")).ToArray();
                        if (counts.Length == 0) throw new InvalidDataException("a histogram needs at least one bin");
                        _histograms.Add(new LogHistogram(Int(r, "step"), Int(r, "epoch"), Int(r, "layer"),
                            Text(r, "kind"), new Histogram(Number(r, "min"), Number(r, "max"), counts,
                                Long(r, "nonfinite"), Number(r, "mean"), Number(r, "std"))));
                        break;
                    case "end":
                        _end = EndRecord(r);
                        break;
                    default:
                        // A record type of a later InitLab: skipped, so old viewers still read new logs.
                        break;
                }
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{source}: line {lineNumber} is not JSON (at byte {e.BytePositionInLine + 1}).", e);
            }
            catch (UserInputException e)
            {
                // The run's configuration: its message names the log, the line and the setting already.
                throw new InvalidDataException(e.Message, e);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{source}: line {lineNumber}: {e.Message}.", e);
            }
        }
    }

    /// <summary>A number written as null (NaN, infinity) reads back as NaN.</summary>
    private static double Number(JsonElement r, string key) =>
        Field(r, key) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : double.NaN;

    /// <summary>A record's field; a record that is not a JSON object, or lacks the field, is an <see cref="InvalidDataException"/> naming it.</summary>
    private static JsonElement Field(JsonElement r, string key)
    {
        if (r.ValueKind != JsonValueKind.Object) throw new InvalidDataException("not a JSON object");
        return r.TryGetProperty(key, out var v) ? v : throw new InvalidDataException($"no \"{key}\" field");
    }

    /// <summary>A whole-number field that fits an int.</summary>
    private static int Int(JsonElement r, string key) =>
        Long(r, key) is var i && i >= int.MinValue && i <= int.MaxValue ? (int)i : throw NotWhole(key);

    /// <summary>A whole-number field that fits a long.</summary>
    private static long Long(JsonElement r, string key) =>
        Field(r, key) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out long i) ? i : throw NotWhole(key);

    private static InvalidDataException NotWhole(string key) => new($"\"{key}\" is not a whole number in range");

    /// <summary>A text field.</summary>
    private static string Text(JsonElement r, string key) =>
        Field(r, key) is { ValueKind: JsonValueKind.String } v ? v.GetString()! : throw new InvalidDataException($"\"{key}\" is not text");
}

/// <summary>
/// Follows a training log as it grows: each <see cref="ReadNew"/> returns the complete lines
/// appended since the last call, never a half-written one (it is returned once its newline is
/// there). Reads at most a chunk of bytes a call, so a follower's memory stays bounded
/// however large the log.
/// </summary>
/// <param name="path">The log file (it need not exist yet).</param>
/// <param name="maxChunk">The most bytes one <see cref="ReadNew"/> reads (<see cref="MaxChunk"/> unless given); also the longest line returned.</param>
public sealed class TrainingLogTail(string path, int maxChunk = TrainingLogTail.MaxChunk)
{
    /// <summary>The most bytes one <see cref="ReadNew"/> reads by default.</summary>
    public const int MaxChunk = 1 << 20;

    private bool _skipping;
    private readonly int _chunk = maxChunk > 0 ? maxChunk : throw new ArgumentOutOfRangeException(nameof(maxChunk), "must be positive");

    private long _offset;

    /// <summary>The log being followed.</summary>
    public string Path { get; } = path;

    /// <summary>
    /// The complete lines written since the last call, at most the chunk size given to the
    /// constructor in bytes (empty when there are none or the file does not exist yet). A line
    /// longer than the chunk is skipped.
    /// </summary>
    public IReadOnlyList<string> ReadNew()
    {
        if (!File.Exists(Path)) return [];
        using var f = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (f.Length <= _offset) return [];
        f.Position = _offset;
        var buffer = new byte[(int)Math.Min(_chunk, f.Length - _offset)];
        int n = f.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        int first = 0;
        if (_skipping)
        {
            // The rest of a line longer than the chunk: dropped up to its newline.
            int end = Array.IndexOf(buffer, (byte)'\n', 0, n);
            if (end < 0)
            {
                _offset += n;
                return [];
            }
            _skipping = false;
            first = end + 1;
        }
        int last = n > first ? Array.LastIndexOf(buffer, (byte)'\n', n - 1, n - first) : -1;
        if (last < 0)
        {
            // A whole chunk without a newline is no record a writer of this format makes: skip that line.
            if (first == 0 && n == _chunk)
            {
                _offset += n;
                _skipping = true;
            }
            else _offset += first;
            return [];
        }
        _offset += last + 1;
        return Encoding.UTF8.GetString(buffer, first, last - first).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}

/// <summary>How often and how much <see cref="TrainingLogWriter"/> samples.</summary>
public sealed record TrainingLogOptions
{
    /// <summary>Take histograms every this many steps (and after each epoch's last batch).</summary>
    public int SampleEvery { get; init; } = 50;

    /// <summary>Bins per histogram.</summary>
    public int Bins { get; init; } = Histogram.DefaultBins;

    /// <summary>Training images in the probe batch whose pre-activations and activations are counted.</summary>
    public int ProbeRows { get; init; } = 256;
}

/// <summary>
/// Writes a run's <see cref="TrainingLog"/> while <see cref="Trainer.Fit(IProgress{EpochReport}?, CancellationToken, FitOptions?)"/>
/// trains: <see cref="Fit"/> does the wiring and ends the log (what train --log, LoggedRun and
/// sweeps use); to wire it by hand, pass <see cref="Batches"/> (or <see cref="BatchesThen"/>) as
/// <see cref="FitOptions.BatchProgress"/> and <see cref="Epochs"/> as Fit's progress. Every step appends the batch loss; every <see cref="TrainingLogOptions.SampleEvery"/>
/// steps the probe batch (the first training images) goes through the network layer by layer and
/// each Linear layer's pre-activations, activations, weights and last weight gradient are counted
/// into histograms. Lines are flushed to the file at every sample, and to the disk (fsync) at
/// every epoch and at the end. Nothing of this runs when no log is attached: the trainer's step
/// is unchanged.
/// </summary>
public sealed class TrainingLogWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Sequential _model;
    private readonly Tensor _probe;
    private readonly TrainingLogOptions _options;
    private bool _ended;

    /// <summary>
    /// Opens (appending) the log at <paramref name="path"/> for <paramref name="trainer"/>, writes
    /// the start record and the histograms of the network as it is now (step 0 for a new run).
    /// A half-written last line left by a crash is cut off first, so the appended records stay
    /// one per line.
    /// </summary>
    public TrainingLogWriter(string path, Trainer trainer, TrainingLogOptions? options = null)
    {
        _options = options ?? new TrainingLogOptions();
        if (_options.SampleEvery < 1) throw new UserInputException($"log sample every: must be at least 1 step, got {_options.SampleEvery}.");
        if (_options.Bins < 1) throw new UserInputException($"log bins: must be at least 1, got {_options.Bins}.");
        var data = trainer.Data ?? throw new InvalidOperationException("A training log needs a trainer made from a configuration and data (Trainer.Create).");
        _model = trainer.Model;
        (_probe, _) = DataBatch.First(data.Train, Math.Clamp(_options.ProbeRows, 1, data.Train.Count));
        Path = path;
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        CutPartialLine();
        var position = trainer.Position;
        int batches = trainer.BatchesPerEpoch(data.Train.Count);
        var w = Begin("start");
        w.WriteNumber("sample_every", _options.SampleEvery);
        w.WriteNumber("bins", _options.Bins);
        w.WriteNumber("probe_rows", _probe.Rows);
        w.WriteNumber("batches_per_epoch", batches);
        if (trainer.Config is { } config)
        {
            w.WritePropertyName("config");
            JsonNode.Parse(config.ToJson())!.WriteTo(w);
        }
        End();
        Sample((position.Epoch - 1) * batches + position.Batch, position.Epoch, gradients: position.Epoch > 1 || position.Batch > 0);
        Flush(toDisk: true);
        Batches = new InlineProgress<TrainingProgress>(OnBatch);
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>The per-batch observer to pass as <see cref="FitOptions.BatchProgress"/>.</summary>
    public IProgress<TrainingProgress> Batches { get; }

    /// <summary>
    /// The per-batch observer followed by <paramref name="then"/> (e.g. a progress bar), for
    /// <see cref="FitOptions.BatchProgress"/>.
    /// </summary>
    public IProgress<TrainingProgress> BatchesThen(IProgress<TrainingProgress>? then) =>
        then is null ? Batches : new InlineProgress<TrainingProgress>(p => { OnBatch(p); then.Report(p); });

    /// <summary>The per-epoch observer to pass to Fit, followed by <paramref name="then"/> (e.g. the printed lines).</summary>
    public IProgress<EpochReport> Epochs(IProgress<EpochReport>? then = null) =>
        new InlineProgress<EpochReport>(r => { OnEpoch(r); then?.Report(r); });

    /// <summary>
    /// Trains <paramref name="trainer"/> as <see cref="Trainer.Fit(IProgress{EpochReport}?, CancellationToken, FitOptions?)"/> does,
    /// with <paramref name="log"/> (if any) attached and ended: "stopped in epoch E after batch B"
    /// (<see cref="TrainingLog.Stopped"/>) when <paramref name="cancel"/> stops the run, the
    /// exception's message (<see cref="TrainingLog.Failed"/>) when training or <paramref name="then"/>
    /// throws (the exception is rethrown in both cases), else <see cref="TrainingLog.Finished"/>
    /// after <paramref name="then"/> has run.
    /// </summary>
    /// <param name="trainer">The run; for a log, made from a configuration and data.</param>
    /// <param name="log">The log to write, or null to train without one.</param>
    /// <param name="progress">Each epoch's report, after the log's epoch record.</param>
    /// <param name="cancel">Stops training between batches.</param>
    /// <param name="options">Fit's options; a log's step records come before <see cref="FitOptions.BatchProgress"/>.</param>
    /// <param name="then">What the run writes after training and before the log's end record (e.g. its result file), given the history.</param>
    public static IReadOnlyList<EpochReport> Fit(Trainer trainer, TrainingLogWriter? log, IProgress<EpochReport>? progress, CancellationToken cancel,
        FitOptions? options = null, Action<IReadOnlyList<EpochReport>>? then = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        options ??= new FitOptions();
        if (log is null)
        {
            var history = trainer.Fit(progress, cancel, options);
            then?.Invoke(history);
            return history;
        }
        try
        {
            var history = trainer.Fit(log.Epochs(progress), cancel, options with { BatchProgress = log.BatchesThen(options.BatchProgress) });
            then?.Invoke(history);
            log.Finish(TrainingLog.Finished);
            return history;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            log.Finish(TrainingLog.Stopped, $"stopped in epoch {trainer.Position.Epoch} after batch {trainer.Position.Batch}");
            throw;
        }
        catch (Exception e)
        {
            log.Finish(TrainingLog.Failed, e.Message);
            throw;
        }
    }

    /// <summary>Writes the end record (once) and forces the log to the disk.</summary>
    public void Finish(string status, string? message = null)
    {
        if (_ended) return;
        _ended = true;
        var w = Begin("end");
        w.WriteString("status", status);
        if (message is not null) w.WriteString("message", message);
        End();
        Flush(toDisk: true);
    }

    /// <summary>Closes the file (without an end record if <see cref="Finish"/> was not called: a follower sees a run that stopped without saying how).</summary>
    public void Dispose() => _file.Dispose();

    private void OnBatch(TrainingProgress p)
    {
        int step = (p.Epoch - 1) * p.Batches + p.Batch;
        var w = Begin("step");
        w.WriteNumber("step", step);
        w.WriteNumber("epoch", p.Epoch);
        w.WriteNumber("batch", p.Batch);
        Number(w, "cost", p.Cost);
        End();
        if (step % _options.SampleEvery == 0 || p.Batch == p.Batches)
        {
            Sample(step, p.Epoch, gradients: true);
            Flush(toDisk: false);
        }
    }

    private void OnEpoch(EpochReport r)
    {
        var w = Begin("epoch");
        w.WriteNumber("epoch", r.Epoch);
        w.WriteNumber("epochs", r.Epochs);
        Number(w, "train_cost", r.TrainCost);
        Number(w, "test_accuracy", r.TestAccuracy);
        Number(w, "seconds", r.Seconds);
        Number(w, "samples_per_second", r.SamplesPerSecond);
        End();
        Flush(toDisk: true);
    }

    /// <summary>
    /// The probe batch through the layers one by one (unfused, so a Linear's output is its
    /// pre-activation even where training fuses the ReLU into it). Runs between training steps:
    /// the layers' buffers it overwrites are rewritten by the next step's forward, and the
    /// weight gradients it reads are the last step's. It runs in evaluation mode (as the test
    /// accuracy is measured): in training mode a dropout layer would draw from the trainer's
    /// generator and a batch norm would update its running statistics, so logging would change
    /// the training it watches.
    /// </summary>
    private void Sample(int step, int epoch, bool gradients)
    {
        bool training = _model.Training;
        _model.Training = false;
        try
        {
            Tensor h = _probe;
            int layer = 0;
            foreach (var l in _model.Layers)
            {
                h = l.Forward(h);
                if (l is Linear linear)
                {
                    layer++;
                    WriteHistogram(step, epoch, layer, "preactivation", h.Span);
                    WriteHistogram(step, epoch, layer, "weight", linear.Weight.Value.Span);
                    if (gradients) WriteHistogram(step, epoch, layer, "gradient", linear.Weight.Grad.Span);
                }
                else if (l is Activation && layer > 0)
                    WriteHistogram(step, epoch, layer, "activation", h.Span);
            }
        }
        finally
        {
            _model.Training = training;
        }
    }

    private void WriteHistogram(int step, int epoch, int layer, string kind, ReadOnlySpan<float> values)
    {
        var hist = Histogram.Of(values, _options.Bins);
        var w = Begin("hist");
        w.WriteNumber("step", step);
        w.WriteNumber("epoch", epoch);
        w.WriteNumber("layer", layer);
        w.WriteString("kind", kind);
        Number(w, "min", hist.Min);
        Number(w, "max", hist.Max);
        Number(w, "mean", hist.Mean);
        Number(w, "std", hist.Std);
        w.WriteNumber("nonfinite", hist.NonFinite);
        w.WriteStartArray("counts");
        foreach (long c in hist.Counts) w.WriteNumberValue(c);
        w.WriteEndArray();
        End();
    }

    private Utf8JsonWriter? _writer;

    private Utf8JsonWriter Begin(string type)
    {
        _writer ??= new Utf8JsonWriter(_buffer);
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _writer.WriteString("type", type);
        return _writer;
    }

    /// <summary>Closes the record and appends it with its newline to the file's buffer: a line reaches the file whole or, after a crash, as a tail readers ignore.</summary>
    private void End()
    {
        _writer!.WriteEndObject();
        _writer.Flush();
        _file.Write(_buffer.WrittenSpan);
        _file.WriteByte((byte)'\n');
        _buffer.ResetWrittenCount();
    }

    private void Flush(bool toDisk) => _file.Flush(flushToDisk: toDisk);

    private static void Number(Utf8JsonWriter w, string key, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(key, value);
        else w.WriteNull(key);
    }

    /// <summary>Truncates the file after its last newline and moves to the end.</summary>
    private void CutPartialLine()
    {
        long length = _file.Length;
        if (length == 0) return;
        long keep = length;
        var one = new byte[1];
        while (keep > 0)
        {
            _file.Position = keep - 1;
            _file.ReadExactly(one);
            if (one[0] == (byte)'\n') break;
            keep--;
        }
        if (keep != length) _file.SetLength(keep);
        _file.Position = keep;
    }
}

/// <summary>
/// Trains a configuration into a run folder that is both a followable log and an ordinary run
/// folder (as <c>compare</c> writes): config.json first, layers_init.csv, the training log and the
/// metrics CSV as it trains, then layers_trained.csv and result.json last, which makes it a
/// finished run that <see cref="RunFiles.Read"/> and reports read. A stopped or failed run keeps
/// its log (ending "stopped" or "failed") but gets no result.json.
/// </summary>
public static class LoggedRun
{
    /// <summary>
    /// Creates <paramref name="dir"/> and writes its config.json (<see cref="RunFiles.ToJson(RunConfig)"/>,
    /// the run's id being the folder's name); returns the id.
    /// </summary>
    public static string WriteConfig(string dir, TrainConfig config)
    {
        Directory.CreateDirectory(dir);
        string id = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(dir)));
        File.WriteAllText(System.IO.Path.Combine(dir, RunFiles.Config), RunFiles.ToJson(new RunConfig(id, config.Init.ToString(), config, 0, 0, 0, 0)));
        return id;
    }

    /// <summary>
    /// Trains <paramref name="config"/> on <paramref name="data"/> into <paramref name="dir"/>
    /// (created; its name is the run's id). A cancelled token stops between batches and throws
    /// <see cref="OperationCanceledException"/> after the log records "stopped".
    /// </summary>
    public static RunResult Train(string dir, TrainConfig config, DataSplits data, TrainingLogOptions? options = null,
        IProgress<EpochReport>? progress = null, CancellationToken cancel = default)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        string id = WriteConfig(dir, config);
        var trainer = Trainer.Create(config, data);
        var (x, y) = DataBatch.First(data.Train, Math.Min(options?.ProbeRows ?? 256, data.Train.Count));
        File.WriteAllText(System.IO.Path.Combine(dir, RunFiles.LayersInit), RunFiles.LayersCsv(SignalProbe.Run(trainer.Model, x, y)));
        using var log = new TrainingLogWriter(System.IO.Path.Combine(dir, TrainingLog.FileName), trainer, options);
        RunResult? result = null;
        TrainingLogWriter.Fit(trainer, log, progress, cancel, new FitOptions { MetricsPath = System.IO.Path.Combine(dir, RunFiles.Metrics) }, history =>
        {
            File.WriteAllText(System.IO.Path.Combine(dir, RunFiles.LayersTrained), RunFiles.LayersCsv(SignalProbe.Run(trainer.Model, x, y)));
            result = new RunResult(id, "ok", null, history[^1].TestAccuracy, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
                Compute.Threads, DateTime.UtcNow, Machine.Current);
            File.WriteAllText(System.IO.Path.Combine(dir, RunFiles.Result), RunFiles.ToJson(result));
        });
        return result!;
    }
}
