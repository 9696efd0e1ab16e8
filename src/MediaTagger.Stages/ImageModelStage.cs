using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;

namespace MediaTagger.Stages;

/// <summary>
/// What every image model stage shares: images, and videos through their keyframes; the catalog model (id and the
/// checksum of the file that defines its output) for provenance, and the parameters that change its results.
/// A video input becomes one image input per frame of its "keyframes" result, all frames of all videos of a batch
/// going through <see cref="RunImagesAsync"/> with the images; the frames' results come back as the video's "frames",
/// each with its time, plus the stage's summary over them (<see cref="SummarizeFrames"/>).
/// </summary>
internal abstract class ImageModelStage : IStage, IDisposable
{
    /// <summary>The stage whose result lists a video's frames.</summary>
    public const string KeyframesStage = "keyframes";

    /// <summary>A text file named for an image: "photo" + extension (kohya: the image's extension replaced), or "photo.jpg" + extension when appended.</summary>
    internal static string TextFileName(string imagePath, string extension, bool append) =>
        (append ? Path.GetFileName(imagePath) : Path.GetFileNameWithoutExtension(imagePath)) + extension;

    /// <summary>True for a video frame (its result comes with the keyframes stage's): only image files get text files.</summary>
    protected static bool IsKeyframe(StageInput input) => input.EarlierResults.ContainsKey(KeyframesStage);

    private static readonly IReadOnlySet<MediaKind> ImagesAndVideos = new HashSet<MediaKind> { MediaKind.Image, MediaKind.Video };

    protected ImageModelStage(string name, ModelEntry model, string provenanceRole, IReadOnlyDictionary<string, string> parameters)
    {
        Name = name;
        Model = new StageModelInfo(model.Id, model.File(provenanceRole).Checksum);
        Parameters = parameters;
    }

    public string Name { get; }

    public IReadOnlySet<MediaKind> Kinds => ImagesAndVideos;

    public StageModelInfo? Model { get; }

    public abstract string Device { get; }

    public IReadOnlyDictionary<string, string> Parameters { get; }

    public async Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var images = new List<StageInput>(batch.Count);
        var plans = new InputPlan[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var input = batch[i];
            if (input.Kind != MediaKind.Video)
            {
                plans[i] = new InputPlan(images.Count, null, null);
                images.Add(input);
                continue;
            }

            var (times, paths, error) = FramesOf(input);
            if (error is not null)
            {
                plans[i] = new InputPlan(0, null, error);
                continue;
            }

            plans[i] = new InputPlan(images.Count, times, null);
            images.AddRange(paths!.Select(p => input with { Path = p, Kind = MediaKind.Image, Format = "jpeg" }));
        }

        var results = images.Count == 0 ? [] : await RunImagesAsync(images, cancellationToken).ConfigureAwait(false);
        return plans.Select(p => p.Error is not null ? StageOutcome.Fail(p.Error)
            : p.Times is null ? results[p.First]
            : MergeFrames(p.Times, results.Skip(p.First).Take(p.Times.Count).ToArray())).ToArray();
    }

    /// <summary>Runs the model over images (files, frames of videos among them); one outcome per input, in order.</summary>
    protected abstract Task<IReadOnlyList<StageOutcome>> RunImagesAsync(IReadOnlyList<StageInput> images, CancellationToken cancellationToken);

    /// <summary>Adds the stage's summary over a video's successful frame results (each has "t") to the video's result.</summary>
    protected virtual void SummarizeFrames(JsonObject video, IReadOnlyList<JsonObject> frames)
    {
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    /// <summary>The frames the keyframes stage listed for a video, or why there are none to run on.</summary>
    internal static (IReadOnlyList<double>? Times, IReadOnlyList<string>? Paths, string? Error) FramesOf(StageInput input)
    {
        if (!input.EarlierResults.TryGetValue(KeyframesStage, out var keyframes) || keyframes["frames"] is not JsonArray frames)
        {
            return (null, null, $"a video needs the {KeyframesStage} stage before this one (its frames are what the model sees); add it to the video pipeline");
        }

        var times = new List<double>(frames.Count);
        var paths = new List<string>(frames.Count);
        foreach (var frame in frames)
        {
            if (frame?["t"] is not JsonValue t || !t.TryGetValue<double>(out var seconds) || frame["path"] is not JsonValue p || !p.TryGetValue<string>(out var path))
            {
                return (null, null, $"the {KeyframesStage} result lists a frame without a time or a path");
            }

            times.Add(seconds);
            paths.Add(path);
        }

        return times.Count == 0 ? (null, null, $"the {KeyframesStage} stage found no frame in this video") : (times, paths, null);
    }

    private StageOutcome MergeFrames(IReadOnlyList<double> times, StageOutcome[] outcomes)
    {
        // A frame that may read fine later (the cache being rewritten) makes the video worth retrying as a whole.
        if (outcomes.FirstOrDefault(o => !o.Success && o.Transient) is { } transient)
        {
            return transient;
        }

        if (outcomes.All(o => !o.Success))
        {
            return StageOutcome.Fail($"no keyframe of the video could be read: {outcomes[0].Error}");
        }

        var frames = new JsonArray();
        var succeeded = new List<JsonObject>(outcomes.Length);
        var ms = 0.0;
        for (var i = 0; i < outcomes.Length; i++)
        {
            var frame = new JsonObject { ["t"] = times[i] };
            if (outcomes[i].Result is { } result)
            {
                foreach (var (key, value) in result.ToArray())
                {
                    result.Remove(key);
                    if (key == "ms")
                    {
                        ms += value?.GetValue<double>() ?? 0;
                        continue;
                    }

                    frame[key] = value;
                }

                succeeded.Add(frame);
            }
            else
            {
                frame["error"] = outcomes[i].Error;
            }

            frames.Add(frame);
        }

        var video = new JsonObject { ["ms"] = Math.Round(ms, 1), ["frameCount"] = outcomes.Length };
        SummarizeFrames(video, succeeded);
        video["frames"] = frames;
        return StageOutcome.Ok(video);
    }

    private readonly record struct InputPlan(int First, IReadOnlyList<double>? Times, string? Error);
}
