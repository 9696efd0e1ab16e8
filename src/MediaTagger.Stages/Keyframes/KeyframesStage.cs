using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using MediaTagger.Media;
using MediaTagger.Media.Video;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Stages.Keyframes;

/// <summary>
/// Still frames of a video for the image stages, needing no model: ffmpeg picks them (at an interval or at scene
/// cuts, capped), scales them down and writes JPEGs into the worker's frame cache, one folder per video path, emptied
/// whenever the video is processed again. The result lists each frame's time and file; the family declares those
/// files as its content (<see cref="FramesOf"/>), so the worker deletes them with the video.
/// </summary>
internal sealed class KeyframesStage : IStage
{
    public const string StageName = "keyframes";

    private static readonly IReadOnlySet<MediaKind> VideoOnly = new HashSet<MediaKind> { MediaKind.Video };

    private readonly KeyframesStageOptions options;
    private readonly KeyframeRequest request;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;

    public KeyframesStage(KeyframesStageOptions options, ILogger<KeyframesStage>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options with { };
        request = this.options.Request();
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        Parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["mode"] = this.options.Mode,
            ["perMinute"] = this.options.PerMinute.ToString(CultureInfo.InvariantCulture),
            ["sceneThreshold"] = this.options.SceneThreshold.ToString(CultureInfo.InvariantCulture),
            ["maxFrames"] = this.options.MaxFrames.ToString(CultureInfo.InvariantCulture),
            ["maxSide"] = this.options.MaxSide.ToString(CultureInfo.InvariantCulture),
        };
    }

    public string Name => StageName;

    public IReadOnlySet<MediaKind> Kinds => VideoOnly;

    public StageModelInfo? Model => null;

    public string Device => "cpu";

    public IReadOnlyDictionary<string, string> Parameters { get; }

    public async Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = new StageOutcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            outcomes[i] = await ExtractAsync(batch[i], cancellationToken).ConfigureAwait(false);
        }

        return outcomes;
    }

    /// <summary>
    /// The cache folder of one video, by its path: each video has frames of its own, so deleting those of one (removed,
    /// renamed away) never takes those of a copy or of the same content under its new name.
    /// </summary>
    internal string FolderOf(StageInput input) =>
        Path.Combine(options.CacheDirectory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(input.Path)))));

    /// <summary>The frame files a keyframes result names.</summary>
    internal static IEnumerable<string> FramesOf(JsonObject result) =>
        result["frames"] is JsonArray frames
            ? frames.Select(f => f?["path"] is JsonValue path && path.TryGetValue<string>(out var p) ? p : null).OfType<string>()
            : [];

    private async Task<StageOutcome> ExtractAsync(StageInput input, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        StageOutcome outcome;
        try
        {
            var frames = await KeyframeExtractor.ExtractAsync(input.Path, FolderOf(input), request, cancellationToken).ConfigureAwait(false);
            outcome = StageOutcome.Ok(new JsonObject
            {
                ["mode"] = options.Mode,
                ["count"] = frames.Count,
                ["frames"] = new JsonArray(frames.Select(f => (JsonNode)new JsonObject { ["t"] = f.Seconds, ["path"] = f.Path }).ToArray()),
            });
            var elapsedMs = (long)timeProvider.GetElapsedTime(started).TotalMilliseconds;
            KeyframesLog.Extracted(logger, input.Path, frames.Count, options.Mode, elapsedMs);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (MediaDecodeException ex)
        {
            outcome = StageOutcome.Fail(File.Exists(input.Path) ? ex.Message : "file was deleted before its keyframes were taken");
        }
        catch (IOException ex)
        {
            // The cache folder on a full or busy disk may work later.
            outcome = StageOutcome.Fail($"cannot write keyframes to {options.CacheDirectory}: {ex.Message}", transient: true);
        }
        catch (UnauthorizedAccessException ex)
        {
            outcome = StageOutcome.Fail($"cannot write keyframes to {options.CacheDirectory}: {ex.Message}");
        }
        catch (Exception ex)
        {
            KeyframesLog.Unexpected(logger, input.Path, ex);
            outcome = StageOutcome.Fail($"keyframes failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
        }

        if (!outcome.Success)
        {
            KeyframesLog.InputFailed(logger, input.Path, outcome.Transient, outcome.Error!);
        }

        return outcome;
    }
}
