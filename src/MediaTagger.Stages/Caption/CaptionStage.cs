using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Caption;

/// <summary>
/// BLIP captions for images and video keyframes: "caption" (what the llm stage and users read), its token count, the
/// search that made it; optionally the caption in a kohya-style text file beside the image. A video gets each frame's
/// caption and, as its own, the caption of the frame nearest the middle of the video.
/// </summary>
internal sealed class CaptionStage : ImageModelStage
{
    public const string StageName = "caption";

    /// <summary>The file whose checksum is the stage's provenance: the text decoder, which writes the words.</summary>
    public const string ProvenanceRole = "decoder";

    /// <summary>The files the stage reads from its model, by role (what `models add` checks).</summary>
    public static readonly ModelRoles Roles = ModelRoles.Of(["vision", "decoder", "vocab"]);

    private readonly BlipCaptioner captioner;
    private readonly CaptionStageOptions options;
    private readonly ILogger logger;

    public CaptionStage(ModelEntry model, IReadOnlyDictionary<string, string> files, CaptionStageOptions options, ILoggerFactory loggers)
        : base(StageName, model, ProvenanceRole, ParametersOf(options))
    {
        this.options = options;
        logger = loggers.CreateLogger<CaptionStage>();
        captioner = new BlipCaptioner(files["vision"], files["decoder"], files["vocab"]);
        CaptionStageLog.Ready(logger, model.Id, captioner.Device, options.NumBeams, options.MinLength, options.MaxLength, options.RepetitionPenalty, options.Prompt);
    }

    public override string Device => captioner.Device;

    protected override Task<IReadOnlyList<StageOutcome>> RunImagesAsync(IReadOnlyList<StageInput> images, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var results = captioner.Caption([.. images.Select(i => i.Path)], options.Prompt, options.KeepPrompt, options.Search, cancellationToken);
        var perFileMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds / Math.Max(1, images.Count), 1);
        var outcomes = new StageOutcome[images.Count];
        for (var i = 0; i < images.Count; i++)
        {
            var r = results[i];
            if (r.Error is not null)
            {
                CaptionStageLog.Failed(logger, r.Path, r.Error);
                outcomes[i] = StageOutcome.Fail(r.Error);
                continue;
            }

            CaptionStageLog.Captioned(logger, r.Path, r.Caption!, r.Tokens, r.Score);
            var result = new JsonObject
            {
                ["ms"] = perFileMs,
                ["caption"] = r.Caption,
                ["tokens"] = r.Tokens,
                ["score"] = Math.Round(r.Score, 4),
                ["ended"] = r.Ended,
                ["search"] = SearchJson(),
            };
            // Keyframes are the worker's own cache: only a real image gets a caption file.
            if (options.WriteCaption && !IsKeyframe(images[i]))
            {
                // Written by the worker when the sidecar is published (beside it, or in the mirror), recorded in its
                // outputs and removed with the image; a caption file the user made is theirs (captionExisting).
                result[Core.Sidecars.StageTextFiles.ResultKey] = new JsonObject
                {
                    ["name"] = CaptionFileName(images[i].Path, options),
                    ["text"] = r.Caption,
                    ["existing"] = options.CaptionExisting,
                };
            }

            outcomes[i] = StageOutcome.Ok(result);
        }

        return Task.FromResult<IReadOnlyList<StageOutcome>>(outcomes);
    }

    /// <summary>A video's caption: the frame nearest the middle of the frames that were captioned (its time too).</summary>
    protected override void SummarizeFrames(JsonObject video, IReadOnlyList<JsonObject> frames)
    {
        if (frames.Count == 0)
        {
            return;
        }

        var first = (double)frames[0]["t"]!;
        var last = (double)frames[^1]["t"]!;
        var middle = (first + last) / 2;
        var central = frames.MinBy(f => Math.Abs((double)f["t"]! - middle))!;
        video["caption"] = (string?)central["caption"];
        video["captionT"] = (double)central["t"]!;
        video["search"] = SearchJson();
    }

    /// <summary>kohya: photo.caption (the image's extension replaced); append: photo.jpg.caption.</summary>
    internal static string CaptionFileName(string imagePath, CaptionStageOptions options) =>
        TextFileName(imagePath, options.CaptionExtension, options.CaptionNaming == "append");

    protected override void Dispose(bool disposing) => captioner.Dispose();

    private JsonObject SearchJson() => new()
    {
        ["numBeams"] = options.NumBeams,
        ["minLength"] = options.MinLength,
        ["maxLength"] = options.MaxLength,
        ["repetitionPenalty"] = options.RepetitionPenalty,
        ["lengthPenalty"] = options.LengthPenalty,
        ["noRepeatNgramSize"] = options.NoRepeatNgramSize,
        ["prompt"] = options.Prompt,
    };

    // A video's frames reach RunImagesAsync as images carrying the video's earlier results; only videos have keyframes.

    private static Dictionary<string, string> ParametersOf(CaptionStageOptions o) => new()
    {
        ["prompt"] = o.Prompt,
        ["keepPrompt"] = o.KeepPrompt ? "true" : "false",
        ["numBeams"] = o.NumBeams.ToString(CultureInfo.InvariantCulture),
        ["minLength"] = o.MinLength.ToString(CultureInfo.InvariantCulture),
        ["maxLength"] = o.MaxLength.ToString(CultureInfo.InvariantCulture),
        ["repetitionPenalty"] = o.RepetitionPenalty.ToString(CultureInfo.InvariantCulture),
        ["lengthPenalty"] = o.LengthPenalty.ToString(CultureInfo.InvariantCulture),
        ["noRepeatNgramSize"] = o.NoRepeatNgramSize.ToString(CultureInfo.InvariantCulture),
        ["earlyStopping"] = o.EarlyStopping ? "true" : "false",
        ["writeCaption"] = o.WriteCaption ? o.CaptionNaming + ":" + o.CaptionExtension + ":" + o.CaptionExisting : "false",
    };
}
