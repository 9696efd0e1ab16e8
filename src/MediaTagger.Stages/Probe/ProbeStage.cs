using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using MediaTagger.Media;
using MediaTagger.Media.Audio;
using MediaTagger.Native;
using MediaTagger.Native.Vips;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace MediaTagger.Stages.Probe;

/// <summary>
/// The first stage of every pipeline, needing no model: size, sha256, media type by content, and what the file's
/// headers say (image size from libvips without decoding; duration and streams from ffprobe). Refuses files over the
/// size limit and images whose header declares too many pixels before any pixel is decoded. Every failure is an
/// outcome for its input; nothing but cancellation leaves <see cref="RunAsync"/> as an exception.
/// </summary>
internal sealed class ProbeStage : IStage
{
    public const string StageName = "probe";

    private const int HashBufferBytes = 1 << 20;

    // Unknown included: probe is the stage that tells the user why a file is not media.
    private static readonly IReadOnlySet<MediaKind> AllKinds = new HashSet<MediaKind>(Enum.GetValues<MediaKind>());

    // Shared by all probe stages of the process: libvips' error buffer is process-wide too.
    private static readonly ReaderWriterLockSlim VipsLock = new();

    private readonly long maxImagePixels;
    private readonly long maxFileBytes;
    private readonly TimeSpan ffprobeTimeout;
    private readonly bool verifyImageData;
    private readonly int maxParallelism;
    private readonly FfmpegAudioDecoder ffprobe;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;

    public ProbeStage(ProbeStageOptions options, ILogger<ProbeStage>? logger = null, TimeProvider? timeProvider = null, FfmpegAudioDecoder? ffprobe = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Copied, so later changes to the options object cannot make results disagree with Parameters.
        maxImagePixels = options.MaxImagePixels;
        maxFileBytes = options.MaxFileBytes;
        ffprobeTimeout = options.FfprobeTimeout;
        verifyImageData = options.VerifyImageData;
        maxParallelism = options.MaxParallelism;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.ffprobe = ffprobe ?? new FfmpegAudioDecoder(timeProvider: this.timeProvider);
        Parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["maxImagePixels"] = maxImagePixels.ToString(CultureInfo.InvariantCulture),
            ["maxFileBytes"] = maxFileBytes.ToString(CultureInfo.InvariantCulture),
            ["verifyImageData"] = verifyImageData ? "true" : "false",
        };
    }

    public string Name => StageName;

    public IReadOnlySet<MediaKind> Kinds => AllKinds;

    public StageModelInfo? Model => null;

    public string Device => "cpu";

    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>For tests: runs after the file was read and hashed, before libvips or ffprobe opens it.</summary>
    internal Func<StageInput, CancellationToken, Task>? BeforeDecode { get; set; }

    public async Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var started = timeProvider.GetTimestamp();
        ProbeLog.BatchStarted(logger, batch.Count);
        var outcomes = new StageOutcome[batch.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count), parallel, async (i, ct) =>
            outcomes[i] = await ProbeAsync(batch[i], ct).ConfigureAwait(false)).ConfigureAwait(false);

        var failed = outcomes.Count(o => !o.Success);
        var elapsedMs = (long)timeProvider.GetElapsedTime(started).TotalMilliseconds;
        ProbeLog.BatchFinished(logger, batch.Count, failed, elapsedMs);
        return outcomes;
    }

    private async Task<StageOutcome> ProbeAsync(StageInput input, CancellationToken ct)
    {
        var started = timeProvider.GetTimestamp();
        StageOutcome outcome;
        try
        {
            outcome = await ProbeFileAsync(input, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A bug or an unforeseen native failure must still end as this input's outcome, not the batch's.
            ProbeLog.Unexpected(logger, input.Path, ex);
            outcome = StageOutcome.Fail($"probe failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
        }

        if (!outcome.Success)
        {
            ProbeLog.InputFailed(logger, input.Path, outcome.Transient, outcome.Error!);
        }
        else if (logger.IsEnabled(LogLevel.Debug))
        {
            var kind = (string?)outcome.Result!["kind"] ?? "?";
            var format = (string?)outcome.Result["format"] ?? "?";
            var elapsedMs = (long)timeProvider.GetElapsedTime(started).TotalMilliseconds;
            ProbeLog.Probed(logger, input.Path, kind, format, elapsedMs);
        }

        return outcome;
    }

    private async Task<StageOutcome> ProbeFileAsync(StageInput input, CancellationToken ct)
    {
        var path = input.Path;
        try
        {
            // FileShare.Read: a writer holding the file exclusively is a sharing violation (transient), not a half-read file.
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                FileOptions.SequentialScan | FileOptions.Asynchronous);
            var length = RandomAccess.GetLength(handle);
            if (length == 0)
            {
                return StageOutcome.Fail("file is empty (0 bytes)");
            }

            if (length > maxFileBytes)
            {
                return StageOutcome.Fail(Invariant($"file is {length} bytes, over the limit of {maxFileBytes} bytes (MaxFileBytes); refused without reading it"));
            }

            var type = MediaSniffer.DetectFile(handle);
            if (type.Kind == MediaKind.Unknown)
            {
                return StageOutcome.Fail(NotMedia(handle, path));
            }

            var (sha256, hashed) = await HashAsync(handle, length, ct).ConfigureAwait(false);
            if (hashed != length)
            {
                return StageOutcome.Fail(Invariant($"file changed while it was read ({length} bytes at first, then {hashed}); it may still be being written"), transient: true);
            }

            var result = new JsonObject
            {
                ["kind"] = KindName(type.Kind),
                ["format"] = type.Format,
                ["mime"] = type.Mime,
                ["size"] = length,
                ["mtime"] = File.GetLastWriteTimeUtc(handle).ToString("O", CultureInfo.InvariantCulture),
                ["sha256"] = sha256,
            };
            if (MediaSniffer.ExtensionMismatch(type, path) is { } note)
            {
                ProbeLog.ExtensionMismatch(logger, path, note);
                result["extensionMismatch"] = note;
            }

            if (BeforeDecode is { } hook)
            {
                await hook(input, ct).ConfigureAwait(false);
            }

            return type.Kind == MediaKind.Image
                ? ProbeImage(path, type, result)
                : await ProbeStreamsAsync(path, type, result, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var failure = ProbeFailures.FromIo(ex, path);
            return StageOutcome.Fail(failure.Message, failure.Transient);
        }
    }

    private StageOutcome ProbeImage(string path, MediaType type, JsonObject result)
    {
        ImageProbe header;
        try
        {
            header = WithOwnVipsMessage(() => VipsImaging.Probe(path));
        }
        catch (NativeEngineException ex)
        {
            return DecoderFailed(path, $"libvips cannot read this {type.Format} image: {ex.Message}");
        }

        var pixels = (long)header.Width * header.Height;
        if (pixels > maxImagePixels)
        {
            ProbeLog.ImageTooLarge(logger, path, header.Width, header.Height, maxImagePixels);
            return StageOutcome.Fail(Invariant(
                $"image is {header.Width}x{header.Height} = {pixels} pixels, over the limit of {maxImagePixels} pixels (MaxImagePixels); refused before decoding"));
        }

        if (verifyImageData)
        {
            try
            {
                WithOwnVipsMessage(() =>
                {
                    VipsImaging.VerifyDecodes(path);
                    return true;
                });
            }
            catch (NativeEngineException ex)
            {
                return DecoderFailed(path, $"image data is corrupt or truncated: {ex.Message}");
            }
        }

        result["width"] = header.Width;
        result["height"] = header.Height;
        if (header.DisplaySize != (header.Width, header.Height))
        {
            result["displayWidth"] = header.DisplaySize.Width;
            result["displayHeight"] = header.DisplaySize.Height;
        }

        result["bands"] = header.Bands;
        result["orientation"] = header.Orientation;
        result["pages"] = header.Pages;
        result["loader"] = header.Loader;
        return StageOutcome.Ok(result);
    }

    /// <summary>
    /// Runs a libvips call alongside the others; if it fails, runs it again alone on an emptied error buffer. libvips
    /// has one error buffer per process, so a failure among parallel (or earlier noisy) calls would otherwise report
    /// a mix of other files' messages. Failures are rare, so the exclusive re-run costs little.
    /// </summary>
    private static T WithOwnVipsMessage<T>(Func<T> call)
    {
        VipsLock.EnterReadLock();
        try
        {
            return call();
        }
        catch (NativeEngineException)
        {
            // Fall through to the exclusive re-run.
        }
        finally
        {
            VipsLock.ExitReadLock();
        }

        VipsLock.EnterWriteLock();
        try
        {
            Vips.ClearErrors();
            return call();
        }
        finally
        {
            VipsLock.ExitWriteLock();
        }
    }

    private async Task<StageOutcome> ProbeStreamsAsync(string path, MediaType type, JsonObject result, CancellationToken ct)
    {
        MediaProbe probe;
        try
        {
            probe = await ffprobe.FfprobeAsync(path, ffprobeTimeout, ct).ConfigureAwait(false);
        }
        catch (MediaDecodeException ex) when (!ct.IsCancellationRequested)
        {
            // A timeout may be load on the machine, a missing ffprobe an installation in progress: both may pass.
            var mayPass = ex.InnerException is TimeoutException or Win32Exception;
            return File.Exists(path) ? StageOutcome.Fail(ex.Message, mayPass) : StageOutcome.Fail(ProbeFailures.Deleted);
        }

        var hasAudio = probe.Streams.Any(s => s.Type == MediaStreamType.Audio);
        var kind = type.Kind;
        if (kind == MediaKind.Video && !probe.HasVideo && hasAudio)
        {
            // The sniffer cannot see inside an MP4 or Matroska file; only the stream list tells audio-only apart.
            ProbeLog.KindCorrected(logger, path, type.Format);
            kind = MediaKind.Audio;
            result["kind"] = KindName(kind);
            result["mime"] = AudioMime(type);
            result["sniffedKind"] = KindName(type.Kind);
        }

        if (kind == MediaKind.Audio && !hasAudio)
        {
            return StageOutcome.Fail($"the {type.Format} file holds no audio stream ({DescribeStreams(probe)})");
        }

        if (kind == MediaKind.Video && !probe.HasVideo)
        {
            return StageOutcome.Fail($"the {type.Format} file holds no audio or video stream ({DescribeStreams(probe)})");
        }

        if (probe.Duration is { } duration)
        {
            result["duration"] = Math.Round(duration.TotalSeconds, 3);
        }

        result["container"] = probe.FormatName;
        var streams = new JsonArray();
        foreach (var stream in probe.Streams)
        {
            streams.Add(StreamJson(stream));
        }

        result["streams"] = streams;
        return StageOutcome.Ok(result);
    }

    private static JsonObject StreamJson(MediaStreamInfo stream)
    {
        var json = new JsonObject
        {
            ["index"] = stream.Index,
            ["type"] = stream.Type.ToString().ToLowerInvariant(),
            ["codec"] = stream.Codec,
        };
        if (stream.Language is { } language)
        {
            json["language"] = language;
        }

        if (stream.Duration is { } duration)
        {
            json["duration"] = Math.Round(duration.TotalSeconds, 3);
        }

        if (stream.Channels is { } channels)
        {
            json["channels"] = channels;
        }

        if (stream.SampleRate is { } sampleRate)
        {
            json["sampleRate"] = sampleRate;
        }

        if (stream.Width is { } width)
        {
            json["width"] = width;
        }

        if (stream.Height is { } height)
        {
            json["height"] = height;
        }

        if (stream.FrameRate is { } frameRate)
        {
            json["frameRate"] = Math.Round(frameRate, 3);
        }

        if (stream.AttachedPicture)
        {
            json["attachedPicture"] = true;
        }

        return json;
    }

    private static string DescribeStreams(MediaProbe probe) =>
        probe.Streams.Count == 0
            ? "no streams at all"
            : "streams: " + string.Join(", ", probe.Streams.Select(s => $"#{s.Index} {s.Type.ToString().ToLowerInvariant()} {s.Codec}"));

    /// <summary>A decoder failed; if the file is gone by now, that is the reason the user should read.</summary>
    private static StageOutcome DecoderFailed(string path, string message) =>
        StageOutcome.Fail(File.Exists(path) ? message : ProbeFailures.Deleted);

    private static string NotMedia(SafeFileHandle handle, string path)
    {
        Span<byte> first = stackalloc byte[8];
        var n = RandomAccess.Read(handle, first, 0);
        var extension = Path.GetExtension(path);
        var named = string.IsNullOrEmpty(extension) ? "" : $"; its name ends in {extension}";
        return $"not an image, audio or video format MediaTagger recognises (it starts with {Convert.ToHexString(first[..n]).ToLowerInvariant()}){named}";
    }

    private static async Task<(string Sha256, long Bytes)> HashAsync(SafeFileHandle handle, long expected, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(HashBufferBytes);
        try
        {
            long offset = 0;
            int n;
            // Stop once past the expected size: a file that keeps growing is reported, not read forever.
            while (offset <= expected && (n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, HashBufferBytes), offset, ct).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                offset += n;
            }

            return (Convert.ToHexStringLower(hash.GetHashAndReset()), offset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string AudioMime(MediaType type) => type.Format switch
    {
        "mp4" or "mov" or "3gp" => "audio/mp4",
        "mkv" => "audio/x-matroska",
        "webm" => "audio/webm",
        "ogv" => "audio/ogg",
        _ => type.Mime,
    };

    private static string KindName(MediaKind kind) => kind.ToString().ToLowerInvariant();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
