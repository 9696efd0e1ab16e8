using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.Models;
using MediaTagger.Core.Sidecars;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Stages.Booru;

/// <summary>
/// Danbooru-style tags for images (and videos, through their keyframes) from a WD14 or DeepDanbooru tagger. Which
/// tagger a catalog model is follows from its files' roles: "model" (the ONNX) with "tags" (a WD14
/// selected_tags.csv) is WD14; with "tags-txt" (a DeepDanbooru tags.txt, and optionally "tags-character") it is
/// DeepDanbooru. The result (docs/sidecar.md): "tags" [{tag, score, category}], "characters" [{tag, score}],
/// "rating" {label, score}, "ratings" (every rating, with ratings=all), "thresholds" {general, character} (what
/// applied, MCut's per image), and with writeTxt the kohya caption as "textFile" {name, text, existing, separator},
/// which the worker writes beside the sidecar (<see cref="StageTextFiles"/>).
/// </summary>
internal sealed class BooruStage : ImageModelStage
{
    public const string StageName = "booru";

    /// <summary>The model file whose checksum is the stage's provenance: the tagger.</summary>
    public const string ProvenanceRole = "model";

    /// <summary>The files the stage reads from its model, by role (what `models add` checks).</summary>
    public static readonly ModelRoles Roles = new(new ModelLayout("WD14", ["model", "tags"], []), new ModelLayout("DeepDanbooru", ["model", "tags-txt"], ["tags-character"]));

    private readonly BooruTagger tagger;
    private readonly BooruStageOptions options;
    private readonly BooruSelectionRules rules;
    private readonly BooruCaption caption;
    private readonly ILogger logger;

    public BooruStage(ModelEntry model, IReadOnlyDictionary<string, string> files, BooruStageOptions options, ILogger<BooruStage>? logger = null)
        : base(StageName, model, ProvenanceRole, ParametersOf(options))
    {
        this.options = options with { };
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        rules = this.options.SelectionRules();
        caption = this.options.Caption();
        var (labels, preprocess) = LabelsOf(model, files);
        tagger = new BooruTagger(files[ProvenanceRole], labels, preprocess);
        BooruStageLog.Ready(this.logger, model.Id, tagger.Device, preprocess, tagger.Side, labels.Count);
    }

    public override string Device => tagger.Device;

    /// <summary>The tag file and preprocessing a catalog model's files stand for.</summary>
    internal static (BooruLabels Labels, BooruPreprocess Preprocess) LabelsOf(ModelEntry model, IReadOnlyDictionary<string, string> files)
    {
        if (files.TryGetValue("tags", out var csv))
        {
            return (BooruLabels.FromSelectedTagsCsv(csv), BooruPreprocess.Wd14);
        }

        if (files.TryGetValue("tags-txt", out var txt))
        {
            return (BooruLabels.FromTagsTxt(txt, files.GetValueOrDefault("tags-character")), BooruPreprocess.DeepDanbooru);
        }

        throw new InvalidDataException($"model {model.Id} has no tag file: a booru tagger needs a \"tags\" file (WD14 selected_tags.csv) or a \"tags-txt\" file (DeepDanbooru tags.txt) beside its \"model\"");
    }

    protected override Task<IReadOnlyList<StageOutcome>> RunImagesAsync(IReadOnlyList<StageInput> images, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var scores = tagger.Score(images.Select(i => i.Path).ToArray(), cancellationToken);
        var perFileMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds / Math.Max(1, images.Count), 1);
        var outcomes = new StageOutcome[images.Count];
        for (var i = 0; i < images.Count; i++)
        {
            if (scores[i].Error is { } error)
            {
                outcomes[i] = StageOutcome.Fail(error);
                continue;
            }

            var selection = BooruSelector.Select(tagger.Labels, scores[i].Probabilities, rules);
            var result = Result(selection);
            result["ms"] = perFileMs;
            // A video's frames come with the keyframes result; only the image files themselves get a caption file.
            if (options.WriteTxt && !IsKeyframe(images[i]))
            {
                result[StageTextFiles.ResultKey] = new JsonObject
                {
                    ["name"] = TextFileName(images[i].Path, ".txt", options.TxtName == "append"),
                    ["text"] = caption.Format(selection.Tags),
                    ["existing"] = options.TxtExisting,
                    ["separator"] = options.Separator,
                };
            }

            BooruStageLog.Tagged(logger, images[i].Path, selection.Tags.Count, selection.Rating?.Label ?? "none");
            outcomes[i] = StageOutcome.Ok(result);
        }

        return Task.FromResult<IReadOnlyList<StageOutcome>>(outcomes);
    }

    private JsonObject Result(BooruSelection selection)
    {
        var result = new JsonObject
        {
            ["tags"] = new JsonArray(selection.Tags.Select(t => (JsonNode)new JsonObject
            {
                ["tag"] = t.Tag,
                ["score"] = Math.Round(t.Score, 4),
                ["category"] = CategoryName(t.Category),
            }).ToArray()),
            ["characters"] = new JsonArray(selection.Characters.Select(t => (JsonNode)new JsonObject { ["tag"] = t.Tag, ["score"] = Math.Round(t.Score, 4) }).ToArray()),
            ["rating"] = selection.Rating is { } r ? new JsonObject { ["label"] = r.Label, ["score"] = Math.Round(r.Score, 4) } : null,
        };
        if (options.Ratings == "all")
        {
            result["ratings"] = new JsonArray(selection.Ratings.Select(x => (JsonNode)new JsonObject { ["label"] = x.Label, ["score"] = Math.Round(x.Score, 4) }).ToArray());
        }

        result["thresholds"] = new JsonObject
        {
            ["general"] = Math.Round(selection.GeneralThreshold, 4),
            ["character"] = Math.Round(selection.CharacterThreshold, 4),
        };
        return result;
    }

    internal static string CategoryName(BooruCategory category) => category switch
    {
        BooruCategory.Character => "character",
        BooruCategory.Rating => "rating",
        _ => "general",
    };

    /// <summary>A video's tags: each tag's best score over its frames, best first, at most maxTags; its rating: the most confident frame's.</summary>
    protected override void SummarizeFrames(JsonObject video, IReadOnlyList<JsonObject> frames)
    {
        var tags = frames
            .SelectMany(f => f["tags"]!.AsArray().Select(t => (Tag: (string)t!["tag"]!, Score: (double)t["score"]!, Category: (string)t["category"]!)))
            .GroupBy(t => t.Tag, StringComparer.Ordinal)
            .Select(g => g.MaxBy(t => t.Score))
            .OrderByDescending(t => t.Score)
            .Take(options.MaxTags)
            .ToArray();
        video["tags"] = new JsonArray(tags.Select(t => (JsonNode)new JsonObject { ["tag"] = t.Tag, ["score"] = t.Score, ["category"] = t.Category }).ToArray());
        video["characters"] = new JsonArray(tags.Where(t => t.Category == "character").Select(t => (JsonNode)new JsonObject { ["tag"] = t.Tag, ["score"] = t.Score }).ToArray());
        var rating = frames.Select(f => f["rating"]).OfType<JsonObject>().MaxBy(r => (double)r["score"]!);
        video["rating"] = rating?.DeepClone();
    }

    private static Dictionary<string, string> ParametersOf(BooruStageOptions o) => new(StringComparer.Ordinal)
    {
        ["generalThreshold"] = o.GeneralThreshold.ToString(CultureInfo.InvariantCulture),
        ["characterThreshold"] = o.CharacterThreshold.ToString(CultureInfo.InvariantCulture),
        ["generalMcut"] = o.GeneralMcut ? "true" : "false",
        ["characterMcut"] = o.CharacterMcut ? "true" : "false",
        ["ratings"] = o.Ratings,
        ["ratingTag"] = o.RatingTag ? "true" : "false",
        ["characterFirst"] = o.CharacterFirst ? "true" : "false",
        ["underscores"] = o.Underscores ? "true" : "false",
        ["replace"] = o.Replace,
        ["undesired"] = o.Undesired,
        ["maxTags"] = o.MaxTags.ToString(CultureInfo.InvariantCulture),
        ["writeTxt"] = o.WriteTxt ? "true" : "false",
        ["txtOrder"] = o.TxtOrder,
        ["alwaysFirst"] = o.AlwaysFirst,
        ["separator"] = o.Separator,
        ["escapeParentheses"] = o.EscapeParentheses ? "true" : "false",
        ["txtName"] = o.TxtName,
        ["txtExisting"] = o.TxtExisting,
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            tagger.Dispose();
        }
    }
}
