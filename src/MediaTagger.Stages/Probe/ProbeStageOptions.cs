using MediaTagger.Core.Configuration;

namespace MediaTagger.Stages.Probe;

/// <summary>
/// Limits and timeouts of the probe stage (pipelines.json "with": maxImagePixels, maxFileBytes, ffprobeTimeoutSeconds,
/// verifyImageData, maxParallelism). The two limits default to the worker section's.
/// </summary>
public sealed record ProbeStageOptions
{
    private static readonly WorkerOptions WorkerDefaults = new();

    /// <summary>Images whose header declares more pixels (width x height) are refused before any pixel is decoded.</summary>
    public long MaxImagePixels { get; set; } = WorkerDefaults.MaxImagePixels;

    /// <summary>Larger files are refused without being read.</summary>
    public long MaxFileBytes { get; set; } = WorkerDefaults.MaxFileBytes;

    /// <summary>How long ffprobe may take for one audio or video file before it is killed.</summary>
    public TimeSpan FfprobeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Decode every pixel of an image once (nothing is kept), so a truncated or corrupt image fails here with the
    /// decoder's message instead of reaching the model stages as a half-grey picture.
    /// </summary>
    public bool VerifyImageData { get; set; } = true;

    /// <summary>Files of a batch probed at the same time (hashing, libvips, ffprobe processes).</summary>
    public int MaxParallelism { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    internal static StageParameters<ProbeStageOptions> Parameters { get; } = new StageParameters<ProbeStageOptions>(ProbeStage.StageName)
        .Integer("maxImagePixels", o => o.MaxImagePixels, (o, v) => o.MaxImagePixels = v, 1)
        .Integer("maxFileBytes", o => o.MaxFileBytes, (o, v) => o.MaxFileBytes = v, 1)
        .Seconds("ffprobeTimeoutSeconds", o => o.FfprobeTimeout, (o, v) => o.FfprobeTimeout = v, 0.001, 86_400)
        .Flag("verifyImageData", (o, v) => o.VerifyImageData = v)
        .Integer("maxParallelism", o => o.MaxParallelism, (o, v) => o.MaxParallelism = v, 1, 64);

    /// <summary>The worker's limits (pipelines.json "worker" section) with this stage's other defaults.</summary>
    public static ProbeStageOptions FromWorker(WorkerOptions worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return new ProbeStageOptions { MaxImagePixels = worker.MaxImagePixels, MaxFileBytes = worker.MaxFileBytes };
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => Parameters.ThrowIfAny(Parameters.Problems(this), "options");
}
