using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Media.Audio;

/// <summary>
/// Decodes the audio of any file ffmpeg reads into float PCM (by default 16 kHz mono, what whisper needs), by running
/// the ffmpeg CLI: `ffmpeg -nostdin -v error -i file:IN -map ... -ac 1 -ar 16000 -f f32le -`.
/// </summary>
public sealed class FfmpegAudioDecoder
{
    private const int ReadChunkBytes = 1 << 20;
    private const int MaxProbeOutputBytes = 16 << 20;

    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly string ffmpegPath;
    private readonly string ffprobePath;

    public FfmpegAudioDecoder(ILogger<FfmpegAudioDecoder>? logger = null, TimeProvider? timeProvider = null, string ffmpegPath = "ffmpeg", string ffprobePath = "ffprobe")
    {
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.ffmpegPath = ffmpegPath;
        this.ffprobePath = ffprobePath;
    }

    /// <summary>Decodes the whole audio stream into memory.</summary>
    /// <exception cref="MediaDecodeException">ffmpeg failed (message holds its stderr) or ran past the timeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (ffmpeg is killed).</exception>
    public async Task<float[]> DecodeAsync(string path, AudioDecodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AudioDecodeOptions();
        options.Validate();
        var fullPath = RequireFile(path);
        var arguments = await BuildArgumentsAsync(fullPath, options, cancellationToken).ConfigureAwait(false);
        var started = timeProvider.GetTimestamp();

        using var timeout = new CancellationTokenSource(options.Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        AudioLog.ToolStarted(logger, ffmpegPath, arguments);
        using var run = ToolProcess.Start(ffmpegPath, arguments);
        // Killing the process is what reliably ends a blocked pipe read, so cancellation and timeout both kill.
        using var killOnCancel = linked.Token.Register(run.Kill);

        var frameBytes = sizeof(float) * options.Channels;
        var chunks = new List<byte[]>();
        long total = 0;
        var readFailed = false;
        try
        {
            while (true)
            {
                var chunk = new byte[ReadChunkBytes];
                var filled = await ReadFullyAsync(run.Stdout, chunk).ConfigureAwait(false);
                if (filled > 0)
                {
                    chunks.Add(filled == chunk.Length ? chunk : chunk.AsSpan(0, filled).ToArray());
                    total += filled;
                }

                if (filled < chunk.Length)
                {
                    break;
                }
            }

            await run.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            readFailed = true;
        }

        var stderr = await run.StderrAsync().ConfigureAwait(false);
        ThrowIfStopped(run, readFailed, timeout, options.Timeout, fullPath, stderr, cancellationToken);
        ThrowIfFailed(run, fullPath, stderr);

        var samples = new float[total / frameBytes * options.Channels];
        var target = MemoryMarshal.AsBytes(samples.AsSpan());
        var offset = 0;
        foreach (var chunk in chunks)
        {
            var n = Math.Min(chunk.Length, target.Length - offset);
            chunk.AsSpan(0, n).CopyTo(target[offset..]);
            offset += n;
        }

        var elapsedMs = (long)timeProvider.GetElapsedTime(started).TotalMilliseconds;
        AudioLog.Decoded(logger, fullPath, samples.Length / (double)options.Channels / options.SampleRate, elapsedMs);
        return samples;
    }

    /// <summary>
    /// Decodes the audio as consecutive windows of <paramref name="window"/> (the last one shorter), read from the
    /// running ffmpeg as it produces them, so a long file never needs all of its PCM in memory. Stopping the
    /// enumeration early kills ffmpeg. A failure of ffmpeg is thrown after the windows it produced.
    /// </summary>
    public async IAsyncEnumerable<AudioWindow> StreamWindowsAsync(string path, TimeSpan window, AudioDecodeOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new AudioDecodeOptions();
        options.Validate();
        var frames = (long)Math.Round(window.TotalSeconds * options.SampleRate);
        if (frames <= 0 || frames * options.Channels * sizeof(float) > int.MaxValue / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "the window must be positive and at most a few hundred million samples");
        }

        var fullPath = RequireFile(path);
        var arguments = await BuildArgumentsAsync(fullPath, options, cancellationToken).ConfigureAwait(false);

        using var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        AudioLog.ToolStarted(logger, ffmpegPath, arguments);
        using var run = ToolProcess.Start(ffmpegPath, arguments);
        using var killOnCancel = linked.Token.Register(run.Kill);

        var buffer = new byte[frames * options.Channels * sizeof(float)];
        var frameBytes = sizeof(float) * options.Channels;
        long framesDone = 0;
        var readFailed = false;
        while (true)
        {
            int filled;
            timeout.CancelAfter(options.Timeout);
            try
            {
                filled = await ReadFullyAsync(run.Stdout, buffer).ConfigureAwait(false);
            }
            catch (IOException)
            {
                readFailed = true;
                break;
            }
            finally
            {
                timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            }

            var usable = filled / frameBytes * frameBytes;
            if (usable > 0 && !run.WasKilled)
            {
                var samples = new float[usable / sizeof(float)];
                buffer.AsSpan(0, usable).CopyTo(MemoryMarshal.AsBytes(samples.AsSpan()));
                var start = framesDone / (double)options.SampleRate;
                framesDone += usable / frameBytes;
                yield return new AudioWindow(start, samples);
            }

            if (filled < buffer.Length || run.WasKilled)
            {
                break;
            }
        }

        if (!readFailed && !run.WasKilled)
        {
            timeout.CancelAfter(options.Timeout);
            try
            {
                await run.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                readFailed = true;
            }
        }

        var stderr = await run.StderrAsync().ConfigureAwait(false);
        ThrowIfStopped(run, readFailed, timeout, options.Timeout, fullPath, stderr, cancellationToken);
        ThrowIfFailed(run, fullPath, stderr);
        AudioLog.Decoded(logger, fullPath, framesDone / (double)options.SampleRate, -1);
    }

    /// <summary>Runs ffprobe (with a one-minute limit) and returns the duration and streams.</summary>
    public Task<MediaProbe> FfprobeAsync(string path, CancellationToken cancellationToken = default) =>
        FfprobeAsync(path, TimeSpan.FromMinutes(1), cancellationToken);

    /// <summary>Runs ffprobe and returns the duration and streams; ffprobe is killed after <paramref name="limit"/>.</summary>
    /// <exception cref="MediaDecodeException">ffprobe failed (message holds its stderr) or ran past the limit (inner <see cref="TimeoutException"/>).</exception>
    public async Task<MediaProbe> FfprobeAsync(string path, TimeSpan limit, CancellationToken cancellationToken = default)
    {
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "the ffprobe limit must be positive");
        }

        var fullPath = RequireFile(path);
        string[] arguments = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "file:" + fullPath];
        using var timeout = new CancellationTokenSource(limit, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        AudioLog.ToolStarted(logger, ffprobePath, arguments);
        using var run = ToolProcess.Start(ffprobePath, arguments);
        using var killOnCancel = linked.Token.Register(run.Kill);

        var output = new MemoryStream();
        var readFailed = false;
        try
        {
            var chunk = new byte[64 * 1024];
            int n;
            while ((n = await run.Stdout.ReadAsync(chunk, CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                if (output.Length + n > MaxProbeOutputBytes)
                {
                    run.Kill();
                    throw new MediaDecodeException($"ffprobe wrote more than {MaxProbeOutputBytes} bytes for '{fullPath}'", fullPath, null, null);
                }

                output.Write(chunk, 0, n);
            }

            await run.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            readFailed = true;
        }

        var stderr = await run.StderrAsync().ConfigureAwait(false);
        ThrowIfStopped(run, readFailed, timeout, limit, fullPath, stderr, cancellationToken);
        ThrowIfFailed(run, fullPath, stderr);
        return FfprobeOutput.Parse(Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length));
    }

    private static string RequireFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new MediaDecodeException($"'{fullPath}' does not exist", fullPath, null, null);
        }

        return fullPath;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    private static async Task<int> ReadFullyAsync(Stream stream, byte[] buffer)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            // No token: cancellation and timeout kill the process, which ends the read (a pipe read may ignore a token).
            var n = await stream.ReadAsync(buffer.AsMemory(filled), CancellationToken.None).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }

    private async Task<List<string>> BuildArgumentsAsync(string fullPath, AudioDecodeOptions options, CancellationToken ct)
    {
        string map;
        if (options.StreamIndex is { } index)
        {
            map = "0:" + index.ToString(CultureInfo.InvariantCulture);
        }
        else if (options.Language is { } language)
        {
            // ffmpeg's own "0:a:m:language:x" selects every matching stream, which a raw output cannot hold; pick one.
            var probe = await FfprobeAsync(fullPath, options.Timeout, ct).ConfigureAwait(false);
            var match = probe.AudioStreams.FirstOrDefault(s => string.Equals(s.Language, language.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new MediaDecodeException(
                    $"'{fullPath}' has no audio stream in language '{language}' (audio streams: {Describe(probe.AudioStreams)})", fullPath, null, null);
            map = "0:" + match.Index.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            // Several audio tracks (a film with dubs, commentary): the one the container marks default, else the first.
            var probe = await FfprobeAsync(fullPath, options.Timeout, ct).ConfigureAwait(false);
            var chosen = probe.AudioStreams.Count > 1 ? probe.AudioStreams.FirstOrDefault(s => s.IsDefault) : null;
            map = chosen is null ? "0:a:0" : "0:" + chosen.Index.ToString(CultureInfo.InvariantCulture);
        }

        return
        [
            "-nostdin", "-hide_banner", "-v", "error",
            // "file:" keeps names like "x:y.mp3" or "concat:..." from being read as ffmpeg protocols.
            "-i", "file:" + fullPath,
            "-map", map, "-vn", "-sn", "-dn",
            "-ac", options.Channels.ToString(CultureInfo.InvariantCulture),
            "-ar", options.SampleRate.ToString(CultureInfo.InvariantCulture),
            "-f", "f32le", "-",
        ];
    }

    private static string Describe(IReadOnlyList<AudioStreamInfo> streams) =>
        streams.Count == 0 ? "none" : string.Join(", ", streams.Select(s => $"#{s.Index} {s.Codec} {s.Language ?? "no language tag"}"));

    private void ThrowIfStopped(ToolProcess run, bool readFailed, CancellationTokenSource timeout, TimeSpan limit, string fullPath, string stderr, CancellationToken cancellationToken)
    {
        if (!run.WasKilled && !readFailed)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (timeout.IsCancellationRequested)
        {
            AudioLog.ToolTimedOut(logger, run.Tool, fullPath, limit);
            throw new MediaDecodeException(
                $"{run.Tool} did not finish with '{fullPath}' within {limit} and was killed{(stderr.Length > 0 ? ": " + stderr : "")}",
                fullPath, null, stderr, new TimeoutException());
        }

        throw new MediaDecodeException($"reading {run.Tool}'s output for '{fullPath}' failed{(stderr.Length > 0 ? ": " + stderr : "")}", fullPath, null, stderr);
    }

    private void ThrowIfFailed(ToolProcess run, string fullPath, string stderr)
    {
        if (run.ExitCode != 0)
        {
            AudioLog.ToolFailed(logger, run.Tool, fullPath, run.ExitCode, stderr);
            var detail = stderr.Length > 0 ? stderr : "(no error output)";
            throw new MediaDecodeException($"{run.Tool} could not read '{fullPath}' (exit code {run.ExitCode}): {detail}", fullPath, run.ExitCode, stderr);
        }

        if (stderr.Length > 0)
        {
            AudioLog.ToolComplained(logger, run.Tool, fullPath, stderr);
        }
    }
}
