namespace InitLab.Data;

/// <summary>How patient the downloader is. The defaults suit a real network; tests make them small.</summary>
public sealed record DownloaderOptions
{
    /// <summary>How long to wait for response headers, and then for each next chunk of the body.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Further attempts at the same mirror after a timeout, a dropped connection or a 5xx answer.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>The wait before the first retry; doubled before each further one.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Base URLs tried before the dataset's own mirrors (see <see cref="ParseMirrors"/>).</summary>
    public IReadOnlyList<string> ExtraMirrors { get; init; } = [];

    /// <summary>A mirror that sends more than this many bytes for one file is cut off (the real files are at most 30 MB).</summary>
    public long MaxFileBytes { get; init; } = 256L << 20;

    /// <summary>
    /// The most one file may take, every mirror, retry and backoff together (15 minutes: the
    /// largest file, 30 MB, at 35 KB/s). A mirror that keeps sending a byte now and then defeats
    /// <see cref="Timeout"/>, which waits for each next chunk; this ends it.
    /// </summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The slowest a body may arrive, in bytes per second averaged over each <see cref="RateWindow"/>
    /// (1 KB/s); a slower mirror is given up for the next one, without retries.
    /// </summary>
    public long MinBytesPerSecond { get; init; } = 1024;

    /// <summary>The stretch of time over which <see cref="MinBytesPerSecond"/> is measured (30 s).</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The defaults, with extra mirrors from $INITLAB_MIRRORS.</summary>
    public static DownloaderOptions FromEnvironment(DataCache? cache = null) =>
        new() { ExtraMirrors = ParseMirrors((cache ?? DataCache.Default).Variable("INITLAB_MIRRORS")) };

    /// <summary>
    /// Splits a comma-separated list such as $INITLAB_MIRRORS. In each entry "{name}" stands for
    /// the dataset's name, so one setting can serve several datasets.
    /// </summary>
    public static IReadOnlyList<string> ParseMirrors(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Progress of one file's download.</summary>
/// <param name="FileName">The file being fetched, as named in the catalog.</param>
/// <param name="Source">The URL being read.</param>
/// <param name="Bytes">Bytes of the file on disk so far (a resumed download counts what it started with).</param>
/// <param name="Total">The file's full size when the server said it; null otherwise.</param>
/// <param name="BytesPerSecond">Speed of the current request since it started.</param>
public sealed record DownloadProgress(string FileName, Uri Source, long Bytes, long? Total, double BytesPerSecond);

/// <summary>What happened to one file.</summary>
/// <param name="Path">Where the verified file now is.</param>
/// <param name="Source">The URL it came from; null when a verified copy was already there.</param>
/// <param name="Bytes">Its size on disk.</param>
public sealed record DownloadedFile(string Path, Uri? Source, long Bytes);

/// <summary>No mirror delivered a verified file; the message names every URL tried and what it answered.</summary>
public sealed class DownloadException(string fileName, IReadOnlyList<string> answers)
    : IOException($"Could not download {fileName} from any mirror: {string.Join("; ", answers)}.")
{
    /// <summary>One entry per mirror: "URL: what it answered".</summary>
    public IReadOnlyList<string> Answers { get; } = answers;
}
