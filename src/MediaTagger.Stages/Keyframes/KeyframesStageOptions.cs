using MediaTagger.Core.Configuration;
using MediaTagger.Media.Video;

namespace MediaTagger.Stages.Keyframes;

/// <summary>
/// How the keyframes stage picks frames of a video (pipelines.json "with": mode, perMinute, sceneThreshold, maxFrames,
/// maxSide, timeoutSeconds). Frames go to a folder beside the journal, which the worker owns.
/// </summary>
public sealed record KeyframesStageOptions
{
    /// <summary>"interval" (perMinute frames a minute, the first at 0 s) or "scene" (the first frame and every scene cut).</summary>
    public string Mode { get; set; } = "interval";

    /// <summary>Frames a minute in interval mode.</summary>
    public double PerMinute { get; set; } = 6;

    /// <summary>In scene mode, how much the picture must change (ffmpeg's scene score, 0..1) to count as a cut.</summary>
    public double SceneThreshold { get; set; } = 0.3;

    /// <summary>At most this many frames of one video; the first ones in time are kept.</summary>
    public int MaxFrames { get; set; } = 60;

    /// <summary>Frames are scaled down (never up) to this longest side, in pixels.</summary>
    public int MaxSide { get; set; } = 1280;

    /// <summary>How long ffmpeg may take for one video before it is stopped.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Where frames are kept, one folder per video; not a "with" key: the worker sets it beside its journal.</summary>
    public string CacheDirectory { get; set; } = Path.Combine(".mediatagger", "frames");

    internal static StageParameters<KeyframesStageOptions> Parameters { get; } = new StageParameters<KeyframesStageOptions>(KeyframesStage.StageName)
        .Text("mode", o => o.Mode, (o, v) => o.Mode = v.ToLowerInvariant(), ModeProblem)
        .Number("perMinute", o => o.PerMinute, (o, v) => o.PerMinute = v, 0.01, 600.0)
        .Number("sceneThreshold", o => o.SceneThreshold, (o, v) => o.SceneThreshold = v, 0.01, 1.0)
        .Integer("maxFrames", o => o.MaxFrames, (o, v) => o.MaxFrames = v, 1, 1000)
        .Integer("maxSide", o => o.MaxSide, (o, v) => o.MaxSide = v, 32, 8192)
        .Seconds("timeoutSeconds", o => o.Timeout, (o, v) => o.Timeout = v, 1, 86_400);

    /// <summary>The defaults, with frames kept in a "frames" folder beside the worker's journal.</summary>
    public static KeyframesStageOptions FromWorker(WorkerOptions worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var journalFolder = Path.GetDirectoryName(Path.GetFullPath(worker.JournalPath)) ?? Path.GetFullPath(".");
        return new KeyframesStageOptions { CacheDirectory = Path.Combine(journalFolder, "frames") };
    }

    /// <summary>The ffmpeg request these options stand for.</summary>
    internal KeyframeRequest Request() => new(
        string.Equals(Mode, "scene", StringComparison.OrdinalIgnoreCase) ? KeyframeMode.Scene : KeyframeMode.Interval,
        PerMinute, SceneThreshold, MaxFrames, MaxSide, Timeout);

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => Parameters.ThrowIfAny(Parameters.Problems(this), "options");

    private static string? ModeProblem(string mode) =>
        mode.ToLowerInvariant() is "interval" or "scene" ? null : $"'{mode}' is not a keyframe mode (interval or scene)";
}
