using System.Text;
using System.Text.Json;

namespace InitLab.Training;

public static partial class TrainingLog
{
    /// <summary>The bytes <see cref="ReadEnd(Stream, string)"/> first reads from a log's end: far more than an end record takes.</summary>
    public const int EndWindow = 16 * 1024;

    /// <summary>The most bytes <see cref="ReadEnd(Stream, string)"/> reads, for a last line longer than <see cref="EndWindow"/> (a long error message).</summary>
    public const int MaxEndWindow = 1 << 20;

    /// <summary>Opens the log at <paramref name="path"/> and returns <see cref="ReadEnd(Stream, string)"/> of it.</summary>
    public static LogEnd? ReadEnd(string path) => ReadFile(path, file => ReadEnd(file, path));

    /// <summary>
    /// How the run of the log in <paramref name="log"/> (a seekable stream) ended, read from the
    /// log's last complete line only: its end record, or null while it trains (the last complete
    /// line is another record; a half-written line after it is ignored, as <see cref="Parse(Stream, string)"/>
    /// does). Reads at most <see cref="MaxEndWindow"/> bytes from the end, usually
    /// <see cref="EndWindow"/>, however long the log: listing many runs' statuses does not read
    /// their histograms. A last line that is not a valid record is an
    /// <see cref="InvalidDataException"/> naming <paramref name="source"/>.
    /// </summary>
    public static LogEnd? ReadEnd(Stream log, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!log.CanSeek) throw new ArgumentException("The log stream must be seekable.", nameof(log));
        long length = log.Length;
        for (int window = EndWindow; ; window *= 2)
        {
            int n = (int)Math.Min(window, length);
            long start = length - n;
            var buffer = new byte[n];
            log.Position = start;
            log.ReadExactly(buffer);
            if (LastLine(buffer, atFileStart: start == 0) is { } line) return EndOf(line, source);
            // The last line began before the window: an end record is never this long, unless its message is.
            if (window >= MaxEndWindow) return null;
        }
    }

    /// <summary>The last complete, non-blank line in <paramref name="buffer"/> (the end of a file); "" when there is none; null when it may begin before the buffer.</summary>
    private static string? LastLine(byte[] buffer, bool atFileStart)
    {
        int end = Array.LastIndexOf(buffer, (byte)'\n');
        // No line end at all: a half-written line fills the window; the last complete line, if any, is before it.
        if (end < 0) return atFileStart ? "" : null;
        while (end >= 0)
        {
            int begin = end == 0 ? -1 : Array.LastIndexOf(buffer, (byte)'\n', end - 1);
            if (begin < 0 && !atFileStart) return null;
            string line = Encoding.UTF8.GetString(buffer, begin + 1, end - begin - 1);
            if (!string.IsNullOrWhiteSpace(line)) return line;
            end = begin;
        }
        return "";
    }

    private static LogEnd? EndOf(string line, string source)
    {
        if (line.Length == 0) return null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            if (Text(r, "type") != "end") return null;
            return EndRecord(r);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: its last line is not JSON (at byte {e.BytePositionInLine + 1}).", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: its last line: {e.Message}.", e);
        }
    }

    /// <summary>An "end" record's status and message.</summary>
    private static LogEnd EndRecord(JsonElement r) =>
        new(Text(r, "status"), r.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null);
}
