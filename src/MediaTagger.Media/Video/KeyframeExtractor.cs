using System.Globalization;
using System.Text.RegularExpressions;
using MediaTagger.Media.Audio;

namespace MediaTagger.Media.Video;

/// <summary>How keyframes are picked: at a fixed rate, or where the picture changes (scene cuts).</summary>
public enum KeyframeMode
{
    Interval,
    Scene,
}

/// <summary>What <see cref="KeyframeExtractor"/> extracts: the mode, its setting, the cap and the size of the JPEGs.</summary>
public sealed record KeyframeRequest(KeyframeMode Mode, double PerMinute, double SceneThreshold, int MaxFrames, int MaxSide, TimeSpan Timeout);

/// <summary>One extracted frame: its presentation time in seconds and the JPEG it was written to.</summary>
public readonly record struct Keyframe(double Seconds, string Path);

/// <summary>
/// Extracts still frames of a video's first video stream with ffmpeg, as JPEGs scaled down to a longest side, with the
/// time of each frame read from ffmpeg's showinfo filter (the pts_time of the frames that reached the encoder).
/// </summary>
public static partial class KeyframeExtractor
{
    // showinfo writes one line of about 300 characters per frame; keep room for the cap's worth and ffmpeg's chatter.
    private const int StderrCapPerFrame = 1024;

    /// <summary>The filter graph for a request: select frames, scale down (never up), then log their times.</summary>
    public static string FilterGraph(KeyframeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var select = request.Mode == KeyframeMode.Scene
            // The first frame always: a video without cuts still gets one frame.
            ? Invariant($"select='eq(n,0)+gt(scene,{request.SceneThreshold})'")
            : Invariant($"select='isnan(prev_selected_t)+gte(t-prev_selected_t,{60.0 / request.PerMinute})'");
        var side = request.MaxSide.ToString(CultureInfo.InvariantCulture);
        return $"{select},scale='min({side},iw)':'min({side},ih)':force_original_aspect_ratio=decrease,showinfo";
    }

    /// <summary>
    /// The pts_time of every frame showinfo logged, in order. Lines of other filters and ffmpeg's own output are ignored.
    /// </summary>
    public static IReadOnlyList<double> ParseFrameTimes(string stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var times = new List<double>();
        foreach (Match match in ShowInfoLine().Matches(stderr))
        {
            if (double.TryParse(match.Groups["t"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && double.IsFinite(t))
            {
                times.Add(Math.Max(0, t));
            }
        }

        return times;
    }

    /// <summary>The file name of a frame at <paramref name="seconds"/>: t000012.345.jpg (sorts by time).</summary>
    public static string FrameFileName(double seconds) =>
        "t" + Math.Round(seconds, 3).ToString("000000.000", CultureInfo.InvariantCulture) + ".jpg";

    /// <summary>
    /// Extracts frames of <paramref name="videoPath"/> into <paramref name="folder"/> (emptied first).
    /// </summary>
    /// <exception cref="MediaDecodeException">No video stream, a file ffmpeg cannot decode, no frame at all, or the timeout.</exception>
    public static async Task<IReadOnlyList<Keyframe>> ExtractAsync(string videoPath, string folder, KeyframeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        string[] arguments =
        [
            "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info",
            "-i", videoPath,
            "-map", "0:v:0", "-an", "-sn", "-dn",
            "-vf", FilterGraph(request),
            "-fps_mode", "passthrough",
            "-frames:v", request.MaxFrames.ToString(CultureInfo.InvariantCulture),
            "-q:v", "3",
            "-f", "image2",
            Path.Combine(folder, "frame%05d.jpg"),
        ];
        using var run = ToolProcess.Start("ffmpeg", arguments, 16 * 1024 + (request.MaxFrames * StderrCapPerFrame));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(request.Timeout);
        try
        {
            await run.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            run.Kill();
            throw new MediaDecodeException($"ffmpeg did not extract the keyframes within {request.Timeout.TotalSeconds:0.#} s and was stopped",
                videoPath, exitCode: null, toolOutput: null);
        }

        var stderr = await run.StderrAsync().ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            var message = stderr.Contains("matches no streams", StringComparison.Ordinal)
                ? "the file has no video stream to take keyframes from"
                : $"ffmpeg could not extract keyframes (exit code {run.ExitCode}): {LastLines(stderr)}";
            throw new MediaDecodeException(message, videoPath, run.ExitCode, stderr);
        }

        var files = Directory.GetFiles(folder, "frame*.jpg").Order(StringComparer.Ordinal).ToArray();
        var times = ParseFrameTimes(stderr);
        if (files.Length == 0)
        {
            throw new MediaDecodeException($"ffmpeg decoded no video frame from the file: {LastLines(stderr)}", videoPath, run.ExitCode, stderr);
        }

        if (times.Count < files.Length)
        {
            throw new MediaDecodeException($"ffmpeg wrote {files.Length} frame(s) but logged the time of {times.Count}", videoPath, run.ExitCode, stderr);
        }

        // showinfo may log a frame the encoder no longer took (the cap was reached): the first ones are the files.
        var frames = new Keyframe[files.Length];
        for (var i = 0; i < files.Length; i++)
        {
            var target = Path.Combine(folder, FrameFileName(times[i]));
            File.Move(files[i], target, overwrite: true);
            frames[i] = new Keyframe(Math.Round(times[i], 3), target);
        }

        return frames;
    }

    private static string LastLines(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" | ", lines.Where(l => !l.Contains("Parsed_showinfo", StringComparison.Ordinal)).TakeLast(3));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Parsed_showinfo_\d+ @ [^\]]*\]\s*n:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(?<t>-?[0-9.eE+-]+)", RegexOptions.CultureInvariant)]
    private static partial Regex ShowInfoLine();
}
