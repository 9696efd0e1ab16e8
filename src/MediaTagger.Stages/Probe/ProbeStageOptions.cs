using System.Globalization;
using MediaTagger.Core.Configuration;

namespace MediaTagger.Stages.Probe;

/// <summary>Limits and timeouts of the probe stage. The limits default to <see cref="WorkerOptions"/>' defaults.</summary>
public sealed class ProbeStageOptions
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

    /// <summary>The worker's limits (pipelines.json "worker" section) with this stage's other defaults.</summary>
    public static ProbeStageOptions FromWorker(WorkerOptions worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return new ProbeStageOptions { MaxImagePixels = worker.MaxImagePixels, MaxFileBytes = worker.MaxFileBytes };
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid probe stage options: " + string.Join("; ", problems) + ".");
        }
    }

    internal List<string> Problems()
    {
        var problems = new List<string>();
        if (MaxImagePixels < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxImagePixels must be positive, not {MaxImagePixels}"));
        }

        if (MaxFileBytes < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxFileBytes must be positive, not {MaxFileBytes}"));
        }

        if (FfprobeTimeout <= TimeSpan.Zero && FfprobeTimeout != Timeout.InfiniteTimeSpan)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"FfprobeTimeout must be positive, not {FfprobeTimeout}"));
        }

        if (MaxParallelism is < 1 or > 64)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxParallelism must be 1..64, not {MaxParallelism}"));
        }

        return problems;
    }
}
