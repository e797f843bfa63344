using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace InitLab.Data;

/// <summary>
/// All of InitLab's network I/O: fetches a dataset's files over HTTP, trying mirrors in order,
/// resuming a partial FILE.part with a Range request, and verifying each file's published
/// checksums before it is renamed into place. A file that fails verification is deleted and the
/// next mirror is tried.
/// </summary>
public sealed class Downloader(HttpClient http, DownloaderOptions? options = null)
{
    private readonly DownloaderOptions _options = options ?? new DownloaderOptions();

    /// <summary>An HttpClient suited to the downloader: no overall timeout (the downloader keeps its own per read).</summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { { "User-Agent", "initlab/0.1" } },
    };

    /// <summary>The URLs tried for <paramref name="dataset"/>: the extra mirrors, then its own.</summary>
    public IReadOnlyList<Uri> MirrorsFor(DatasetInfo dataset)
    {
        var extra = _options.ExtraMirrors.Select(m =>
        {
            string s = m.Replace("{name}", dataset.Name, StringComparison.Ordinal);
            if (!s.EndsWith('/')) s += "/";
            return Uri.TryCreate(s, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
                ? u : throw new UserInputException($"mirror '{m}' is not an http or https URL.");
        });
        return [.. extra, .. dataset.Mirrors];
    }

    /// <summary>Downloads every file of <paramref name="dataset"/> into <paramref name="folder"/> (created if missing).</summary>
    public async Task<IReadOnlyList<DownloadedFile>> DownloadAsync(DatasetInfo dataset, string folder,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default)
    {
        var mirrors = MirrorsFor(dataset);
        bool created = !Directory.Exists(folder);
        Directory.CreateDirectory(folder);
        try
        {
            var results = new List<DownloadedFile>();
            foreach (var file in dataset.Files)
                results.Add(await DownloadFileAsync(mirrors, file, folder, progress, cancel).ConfigureAwait(false));
            return results;
        }
        catch when (created)
        {
            RemoveIfNothingKept(folder);
            throw;
        }
    }

    /// <summary>
    /// After a failed download into a folder this call created: deletes empty .part files, then
    /// the folder if nothing is left in it. A .part file with bytes stays, for the next run to resume.
    /// </summary>
    private static void RemoveIfNothingKept(string folder)
    {
        try
        {
            foreach (var part in Directory.EnumerateFiles(folder, "*.part"))
                if (new FileInfo(part).Length == 0) File.Delete(part);
            if (!Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Fetches one file from the first mirror that delivers it intact; DownloadException when none does.</summary>
    public async Task<DownloadedFile> DownloadFileAsync(IReadOnlyList<Uri> mirrors, DataFileInfo file, string folder,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default)
    {
        string target = Path.Combine(folder, file.FileName), part = target + ".part";
        if (File.Exists(target) && FileChecksum.Mismatch(target, file) is null)
            return new DownloadedFile(target, null, new FileInfo(target).Length);
        var answers = new List<string>();
        // One deadline for the whole file, across mirrors and retries: the backstop for a mirror
        // that is neither silent (Timeout) nor quite slow enough to be cut off (MinBytesPerSecond).
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(_options.Deadline);
        foreach (var mirror in mirrors)
        {
            var url = new Uri(mirror, file.FileName);
            string? failure;
            try
            {
                failure = await TryMirrorAsync(url, part, file.FileName, progress, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                answers.Add($"{url} had not delivered the file when the {_options.Deadline.TotalSeconds:0.###} s deadline per file ran out (after {Size(part):N0} bytes)");
                break;
            }
            if (failure is null)
            {
                failure = FileChecksum.Mismatch(part, file);
                if (failure is null)
                {
                    long length = new FileInfo(part).Length;
                    File.Move(part, target, overwrite: true);
                    return new DownloadedFile(target, url, length);
                }
                File.Delete(part);
                failure += "; the file was deleted";
            }
            answers.Add($"{url} {failure}");
        }
        throw new DownloadException(file.FileName, answers);
    }

    /// <summary>Null when <paramref name="part"/> now holds the whole body; else what went wrong, for the final error.</summary>
    private async Task<string?> TryMirrorAsync(Uri url, string part, string fileName, IProgress<DownloadProgress>? progress, CancellationToken cancel)
    {
        string last = "";
        int attempts = 0;
        for (int attempt = 0; attempt <= _options.Retries; attempt++)
        {
            if (attempt > 0) await Task.Delay(_options.Backoff * Math.Pow(2, attempt - 1), cancel).ConfigureAwait(false);
            attempts++;
            var (done, retry, message) = await AttemptAsync(url, part, fileName, progress, cancel).ConfigureAwait(false);
            if (done) return null;
            last = message;
            if (!retry) break;
        }
        return attempts > 1 ? $"{last} ({attempts} attempts)" : last;
    }

    private async Task<(bool Done, bool Retry, string Message)> AttemptAsync(Uri url, string part, string fileName,
        IProgress<DownloadProgress>? progress, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        try
        {
            timeout.CancelAfter(_options.Timeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                File.Delete(part);
                return (false, true, $"answered 416 to a resume from byte {have}; starting over");
            }
            if (!response.IsSuccessStatusCode)
            {
                int code = (int)response.StatusCode;
                return (false, code >= 500 || code is 408 or 429, $"answered {code} {response.ReasonPhrase}");
            }
            var range = response.Content.Headers.ContentRange;
            bool resume = have > 0 && response.StatusCode == HttpStatusCode.PartialContent && range?.From == have;
            if (!resume) have = 0;
            long? total = resume ? range!.Length : response.Content.Headers.ContentLength;
            if (total > _options.MaxFileBytes) return (false, false, $"announced {total:N0} bytes, more than the {_options.MaxFileBytes:N0} allowed");
            return await CopyBodyAsync(url, response, part, fileName, have, total, resume, progress, timeout, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return (false, true, $"did not answer within {_options.Timeout.TotalSeconds:0.###} s (after {Size(part)} bytes)");
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.NameResolutionError)
        {
            return (false, false, $"could not be reached: {e.Message}");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return (false, true, $"failed after {Size(part)} bytes: {e.Message}");
        }
        catch (UriFormatException e)
        {
            // HttpClient follows a redirect before parsing its target (file:///etc/passwd gives
            // "Invalid URI"): that is this mirror's failure, so the next mirror is tried.
            return (false, false, $"sent a redirect that is not a valid http or https URL ({e.Message})");
        }
    }

    private async Task<(bool, bool, string)> CopyBodyAsync(Uri url, HttpResponseMessage response, string part, string fileName, long have,
        long? total, bool resume, IProgress<DownloadProgress>? progress, CancellationTokenSource timeout, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        long start = have;
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        await using var output = new FileStream(part, resume ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        var windowStart = TimeSpan.Zero;
        long windowBytes = have;
        progress?.Report(new DownloadProgress(fileName, url, have, total, 0));
        while (true)
        {
            timeout.CancelAfter(_options.Timeout);
            int n = await body.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            if (n == 0) break;
            await output.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
            have += n;
            if (have > _options.MaxFileBytes) return (false, false, $"sent more than the {_options.MaxFileBytes:N0} bytes allowed");
            var window = clock.Elapsed - windowStart;
            if (window >= _options.RateWindow)
            {
                if (have - windowBytes < _options.MinBytesPerSecond * window.TotalSeconds)
                    return (false, false, $"sent only {have - windowBytes:N0} bytes in {window.TotalSeconds:0.#} s, slower than the {_options.MinBytesPerSecond:N0} bytes/s allowed");
                (windowStart, windowBytes) = (clock.Elapsed, have);
            }
            double seconds = clock.Elapsed.TotalSeconds;
            progress?.Report(new DownloadProgress(fileName, url, have, total, seconds > 0 ? (have - start) / seconds : 0));
        }
        if (total is { } t && have != t) return (false, true, $"closed the connection after {have:N0} of {t:N0} bytes");
        return (true, false, "");
    }

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
