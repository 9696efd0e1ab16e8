using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace MediaTagger.Core.Models;

/// <summary>Bytes received so far of one file, and the rate of the current attempt.</summary>
public readonly record struct DownloadProgress(string File, long Received, long Total, double BytesPerSecond)
{
    /// <summary>0–100, or null when the size is unknown.</summary>
    public double? Percent => Total > 0 ? Math.Min(100, 100.0 * Received / Total) : null;
}

/// <summary>How downloads retry, give up and report.</summary>
public sealed record ModelDownloadOptions
{
    /// <summary>Further attempts after a transient failure (cut connection, timeout, HTTP 5xx/408/429); each resumes the ".part".</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Delay before the first retry; doubles per attempt, with jitter.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>An attempt that receives nothing for this long (headers or body) is abandoned and retried.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>At most one progress report per interval (plus the last one), so logs are not flooded.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>Where an installed file came from in a pull.</summary>
public enum PullSource
{
    AlreadyInstalled = 0,
    Mirror = 1,
    Download = 2,
}

/// <summary>One file of a pull: where it is now and where it came from.</summary>
public sealed record PulledFile(ModelFile File, string Path, PullSource Source);

/// <summary>A download that could not be completed; the message says what to do (retry to resume, or import offline).</summary>
public sealed class ModelDownloadException : Exception
{
    public ModelDownloadException(string message, bool offline, Exception? inner = null) : base(message, inner) => Offline = offline;

    public ModelDownloadException() : this("the download failed", offline: false)
    {
    }

    public ModelDownloadException(string message) : this(message, offline: false)
    {
    }

    public ModelDownloadException(string message, Exception inner) : this(message, offline: false, inner)
    {
    }

    /// <summary>The source could not be reached at all (no network, name resolution failed, connection refused).</summary>
    public bool Offline { get; }
}

/// <summary>A downloaded (or mirrored) file whose checksum is not the catalog's: it was discarded, never installed.</summary>
public sealed class ModelChecksumMismatchException : IOException
{
    public ModelChecksumMismatchException(ModelFile file, string source, string actual)
        : base($"{file.Name} from {source} has {ModelChecksum.Name(file.ChecksumKind)} {actual}, expected {file.Checksum}; the file was discarded and nothing was installed")
    {
        Expected = file.Checksum;
        Actual = actual;
    }

    public ModelChecksumMismatchException() => (Expected, Actual) = ("", "");

    public ModelChecksumMismatchException(string message) : base(message) => (Expected, Actual) = ("", "");

    public ModelChecksumMismatchException(string message, Exception inner) : base(message, inner) => (Expected, Actual) = ("", "");

    public string Expected { get; }

    public string Actual { get; }
}

/// <summary>
/// Installs catalog files from their public sources. A download goes to "&lt;file&gt;.part" and continues from its length
/// with an HTTP range request after a cut (a server that ignores the range, or answers 416 for a part that is not the
/// whole file, makes it start over cleanly); transient failures are retried with backoff; the finished part is verified
/// by its catalog checksum (sha256, or sha1 where only that is published) before it takes its final name, so a partial
/// or wrong file is never used. A copy in the offline mirror is imported instead of downloaded.
/// </summary>
public sealed partial class ModelDownloader
{
    private readonly HttpClient http;
    private readonly ModelStore store;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ModelDownloadOptions options;
    private readonly ResiliencePipeline retry;

    public ModelDownloader(HttpClient http, ModelStore store, TimeProvider time, ILogger logger, ModelDownloadOptions options)
    {
        this.http = http;
        this.store = store;
        this.time = time;
        this.logger = logger;
        this.options = options;
        retry = options.MaxRetries <= 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = options.FirstRetryDelay > TimeSpan.Zero,
                Delay = options.FirstRetryDelay,
                OnRetry = args =>
                {
                    // AttemptNumber counts from 0 for the first retry: the attempt about to start is that + 2.
                    LogRetry(logger, args.Context.Properties.GetValue(FileKey, ""), args.RetryDelay.TotalSeconds, args.AttemptNumber + 2,
                        options.MaxRetries + 1, args.Outcome.Exception?.Message ?? "failed");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private static readonly ResiliencePropertyKey<string> FileKey = new("mediatagger.file");

    /// <summary>
    /// Installs every file of <paramref name="model"/>: kept when already verified in the model folder, imported from the
    /// mirror when there, downloaded otherwise. Throws <see cref="ModelDownloadException"/> (what to do in its message) or
    /// <see cref="ModelChecksumMismatchException"/> (the wrong file discarded).
    /// </summary>
    public async Task<IReadOnlyList<PulledFile>> PullFilesAsync(ModelEntry model, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var result = new List<PulledFile>();
        foreach (var file in model.Files)
        {
            var resolved = store.Resolve(model, file);
            if (resolved is { Found: true, Source: "model-folder" })
            {
                result.Add(new PulledFile(file, resolved.Path!, PullSource.AlreadyInstalled));
                continue;
            }

            var target = store.InstalledPath(model, file);
            var part = target + ".part";
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            PullSource source;
            string from;
            if (resolved.Found)
            {
                // A verified local copy beats a download.
                File.Copy(resolved.Path!, part, overwrite: true);
                source = PullSource.Mirror;
                from = resolved.Path!;
            }
            else
            {
                await DownloadAsync(model, file, part, progress, cancellationToken).ConfigureAwait(false);
                source = PullSource.Download;
                from = file.Url;
            }

            string actual;
            await using (var stream = File.OpenRead(part))
            {
                actual = await ModelChecksum.ComputeAsync(stream, file.ChecksumKind, cancellationToken).ConfigureAwait(false);
            }

            if (!string.Equals(actual, file.Checksum, StringComparison.OrdinalIgnoreCase))
            {
                // The whole file arrived and is not the published one: resuming it could never make it right.
                File.Delete(part);
                LogChecksumMismatch(logger, file.Name, from, ModelChecksum.Name(file.ChecksumKind), actual, file.Checksum);
                throw new ModelChecksumMismatchException(file, from, actual);
            }

            File.Move(part, target, overwrite: true);
            ModelStore.RememberChecksum(target, file.ChecksumKind, actual);
            LogInstalled(logger, model.Id, file.Name, from);
            result.Add(new PulledFile(file, target, source));
        }

        return result;
    }

    private async Task DownloadAsync(ModelEntry model, ModelFile file, string part, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        if (file.ImportOnly)
        {
            throw new ModelDownloadException(
                $"{file.Name} has no public download source in the catalog (import-only): copy it from a mirror or another machine, then run: mediatagger models import DIR {model.Id}",
                offline: false);
        }

        if (!Uri.TryCreate(file.Url, UriKind.Absolute, out var url) || !ModelFile.IsAllowedSource(url))
        {
            throw new ModelDownloadException($"{file.Name}: refusing to download from {file.Url}: only https sources (or plain http on this machine's loopback) are used", offline: false);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(FileKey, file.Name);
        try
        {
            await retry.ExecuteAsync(async ctx => await AttemptAsync(file, url, part, progress, ctx.CancellationToken).ConfigureAwait(false), context).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransient(ex) || ex is HttpRequestException)
        {
            var kept = File.Exists(part) ? new FileInfo(part).Length : 0;
            if (IsUnreachable(ex))
            {
                throw new ModelDownloadException(
                    $"cannot reach {url.Host} to download {file.Name} ({ex.Message}). No network? On a machine that has one, download the files " +
                    $"listed by `mediatagger models list --json` (or copy a mirror), then here run: mediatagger models import DIR {model.Id}", offline: true, ex);
            }

            throw new ModelDownloadException(string.Create(CultureInfo.InvariantCulture,
                $"downloading {file.Name} from {file.Url} failed after {Math.Max(0, options.MaxRetries) + 1} attempts: {ex.Message}. {kept} bytes are kept in {part}: run the same command again to resume, or fetch the file elsewhere and run: mediatagger models import DIR {model.Id}"),
                offline: false, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One request: resumes the part when the server honours the range, else starts it over.</summary>
    private async Task AttemptAsync(ModelFile file, Uri url, string part, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var have = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (file.Size > 0 && have > file.Size)
        {
            File.Delete(part); // more than the file can hold: not a prefix of it
            have = 0;
        }

        if (file.Size > 0 && have == file.Size)
        {
            return; // complete from an earlier run; the checksum decides
        }

        using var stall = new CancellationTokenSource(options.StallTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (have > 0)
            {
                request.Headers.Range = new RangeHeaderValue(have, null);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                if (have > 0 && response.Content.Headers.ContentRange?.Length == have)
                {
                    return; // the part already holds the whole file
                }

                File.Delete(part);
                LogRestart(logger, file.Name, "the server refused the resume range (HTTP 416)");
                throw new DownloadInterruptedException($"the server refused to resume {file.Name} at byte {have} (HTTP 416); starting over");
            }

            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                var message = $"HTTP {status} {response.ReasonPhrase} from {url}";
                if (status is 408 or 429 or >= 500)
                {
                    throw new HttpRequestException(message, null, response.StatusCode);
                }

                throw new ModelDownloadException($"downloading {file.Name} failed: {message}" + (status == 404 ? " (the catalog's URL may be out of date)" : ""), offline: false);
            }

            var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
            if (append && response.Content.Headers.ContentRange?.From is { } from && from != have)
            {
                File.Delete(part);
                throw new DownloadInterruptedException($"the server resumed {file.Name} at byte {from} instead of {have}; starting over");
            }

            if (have > 0 && !append)
            {
                LogRestart(logger, file.Name, "the server ignored the range request (HTTP 200)");
                have = 0;
            }

            var total = file.Size > 0 ? file.Size : (response.Content.Headers.ContentLength ?? 0) + have;
            await using var body = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            await using var target = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            var started = time.GetTimestamp();
            var startBytes = have;
            var lastReport = long.MinValue;
            int read;
            while (true)
            {
                stall.CancelAfter(options.StallTimeout);
                read = await body.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await target.WriteAsync(buffer.AsMemory(0, read), linked.Token).ConfigureAwait(false);
                have += read;
                var now = time.GetTimestamp();
                if (lastReport == long.MinValue || time.GetElapsedTime(lastReport, now) >= options.ProgressInterval)
                {
                    progress?.Report(new DownloadProgress(file.Name, have, total, Rate(have - startBytes, started, now)));
                    lastReport = now;
                }
            }

            await target.FlushAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(new DownloadProgress(file.Name, have, total, Rate(have - startBytes, started, time.GetTimestamp())));
            if (file.Size > 0 && have < file.Size)
            {
                throw new DownloadInterruptedException(string.Create(CultureInfo.InvariantCulture,
                    $"the connection ended after {have} of {file.Size} bytes of {file.Name}"));
            }
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"no data from {url.Host} for {options.StallTimeout.TotalSeconds:0} s"));
        }
    }

    private double Rate(long bytes, long started, long now)
    {
        var seconds = time.GetElapsedTime(started, now).TotalSeconds;
        return seconds > 0 ? bytes / seconds : 0;
    }

    /// <summary>Worth another attempt: a cut or stalled transfer, a server error, a refused or reset connection.</summary>
    private static bool IsTransient(Exception ex) => ex switch
    {
        ModelDownloadException => false,
        DownloadInterruptedException or TimeoutException => true,
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => false, // offline: fail at once
        HttpRequestException { StatusCode: { } status } => (int)status is 408 or 429 or >= 500,
        HttpRequestException => true,
        IOException => true,
        _ => false,
    };

    private static bool IsUnreachable(Exception ex) => ex is HttpRequestException
    {
        HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError, StatusCode: null,
    };

    /// <summary>A transfer that stopped short or must start over; the retry continues from the ".part".</summary>
    private sealed class DownloadInterruptedException(string message) : IOException(message);

    [LoggerMessage(EventId = 4050, Level = LogLevel.Warning, Message = "Download of {File} failed, retrying in {DelaySeconds:0.#} s (attempt {Attempt} of {Attempts}): {Reason}")]
    private static partial void LogRetry(ILogger logger, string file, double delaySeconds, int attempt, int attempts, string reason);

    [LoggerMessage(EventId = 4051, Level = LogLevel.Warning, Message = "Restarting {File} from the beginning: {Reason}")]
    private static partial void LogRestart(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 4052, Level = LogLevel.Error, Message = "{File} from {Source} has {Algorithm} {Actual}, expected {Expected}: discarded")]
    private static partial void LogChecksumMismatch(ILogger logger, string file, string source, string algorithm, string actual, string expected);

    [LoggerMessage(EventId = 4053, Level = LogLevel.Information, Message = "Installed {Model} {File} from {Source}")]
    private static partial void LogInstalled(ILogger logger, string model, string file, string source);
}
