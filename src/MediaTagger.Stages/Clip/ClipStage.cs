using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Clip;

/// <summary>
/// CLIP for images and video keyframes: every image's unit embedding (to the journal, for `search`), and zero-shot
/// labels when the definition lists labels. A video gets the mean of its frames' embeddings (re-normalized) as its
/// embedding and each label's best frame score.
/// </summary>
internal sealed class ClipStage : ImageModelStage
{
    public const string StageName = "clip";

    /// <summary>The file whose checksum is the stage's provenance: the vision tower, which makes the stored embeddings.</summary>
    public const string ProvenanceRole = "visual";

    /// <summary>The files the stage reads from its model, by role (what `models add` checks).</summary>
    public static readonly ModelRoles Roles = ModelRoles.Of(["visual", "textual", "merges"]);

    private readonly ClipImageEncoder images;
    private readonly ClipTextEncoder? text;
    private readonly ClipStageOptions options;
    private readonly ModelEntry model;
    private readonly ILogger logger;
    private readonly IReadOnlyList<string> labels;
    private readonly string labelCache;
    private ClipZeroShot? zeroShot;

    public ClipStage(ModelEntry model, IReadOnlyDictionary<string, string> files, ClipStageOptions options, StageContext context)
        : this(model, files, options, context, options.LabelList)
    {
    }

    /// <summary>The label list read once (a labelsFile is read here only), so the recorded parameters are the labels used.</summary>
    private ClipStage(ModelEntry model, IReadOnlyDictionary<string, string> files, ClipStageOptions options, StageContext context, IReadOnlyList<string> labels)
        : base(StageName, model, ProvenanceRole, ParametersOf(options, labels))
    {
        this.model = model;
        this.options = options;
        logger = context.Loggers.CreateLogger("MediaTagger.Stages.Clip");
        this.labels = labels;
        // Label embeddings computed once per label set, beside the model's files (models/ID/clip-labels/).
        labelCache = Path.Combine(context.Store.ModelDirectory, model.Id, "clip-labels");
        images = new ClipImageEncoder(files[ProvenanceRole]);
        if (labels.Count > 0)
        {
            try
            {
                text = new ClipTextEncoder(files["textual"], ClipTokenizer.FromMergesFile(files["merges"]));
            }
            catch
            {
                images.Dispose();
                throw;
            }
        }
    }

    public override string Device => images.Device;

    private static Dictionary<string, string> ParametersOf(ClipStageOptions o, IReadOnlyList<string> labels)
    {
        var p = new Dictionary<string, string>(StringComparer.Ordinal);
        if (labels.Count > 0)
        {
            p["labels"] = string.Join(", ", labels);
            p["templates"] = string.Join(" | ", o.TemplateList);
            p["topK"] = o.TopK.ToString(CultureInfo.InvariantCulture);
            p["threshold"] = o.Threshold.ToString(CultureInfo.InvariantCulture);
            p["logitScale"] = o.LogitScale.ToString(CultureInfo.InvariantCulture);
        }

        return p;
    }

    protected override Task<IReadOnlyList<StageOutcome>> RunImagesAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        if (text is not null && zeroShot is null)
        {
            zeroShot = ClipZeroShot.For(text, model.File("textual").Checksum, labels, options.TemplateList, labelCache, cancellationToken);
            ClipStageLog.LabelsReady(logger, model.Id, text.Device, labels.Count, options.TemplateList.Count, zeroShot.Source);
        }

        var started = Stopwatch.GetTimestamp();
        var embedded = images.Embed(batch.Select(b => b.Path).ToArray(), cancellationToken);
        var perFileMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds / Math.Max(1, batch.Count), 1);
        var sha = model.File(ProvenanceRole).Checksum;
        IReadOnlyList<StageOutcome> outcomes = embedded.Select(e =>
        {
            if (e.Vector is null)
            {
                return StageOutcome.Fail($"cannot read the image: {e.Error}");
            }

            var result = new JsonObject { ["ms"] = perFileMs };
            if (zeroShot is not null)
            {
                result["labels"] = LabelsJson(zeroShot.Classify(e.Vector, options.LogitScale, options.TopK, options.Threshold));
            }

            result[StageEmbedding.Key] = new StageEmbedding(model.Id, sha, e.Vector).ToJson(options.KeepVector);
            return StageOutcome.Ok(result);
        }).ToArray();
        return Task.FromResult(outcomes);
    }

    private static JsonArray LabelsJson(IEnumerable<ClipLabel> labels) =>
        new(labels.Select(l => (JsonNode)new JsonObject { ["label"] = l.Label, ["score"] = Math.Round(l.Score, 4) }).ToArray());

    /// <summary>
    /// A video: each label's best score over its frames (with that frame's time), the mean frame embedding as the
    /// video's (what search ranks), and no vector per frame (frames keep their labels).
    /// </summary>
    protected override void SummarizeFrames(JsonObject video, IReadOnlyList<JsonObject> frames)
    {
        if (zeroShot is not null)
        {
            video["labels"] = new JsonArray(frames
                .SelectMany(f => (f["labels"] as JsonArray ?? []).Select(l => (Label: (string)l!["label"]!, Score: (double)l["score"]!, T: (double)f["t"]!)))
                .GroupBy(l => l.Label, StringComparer.Ordinal)
                .Select(g => g.MaxBy(l => l.Score))
                .OrderByDescending(l => l.Score)
                .Take(options.TopK)
                .Select(l => (JsonNode)new JsonObject { ["label"] = l.Label, ["score"] = l.Score, ["t"] = l.T })
                .ToArray());
        }

        float[]? mean = null;
        foreach (var frame in frames)
        {
            if (frame[StageEmbedding.Key] is JsonObject entry && entry["vector"]?.GetValue<string>() is { } base64)
            {
                var v = StageEmbedding.Decode(base64);
                mean ??= new float[v.Length];
                for (var d = 0; d < mean.Length && d < v.Length; d++)
                {
                    mean[d] += v[d];
                }
            }

            frame.Remove(StageEmbedding.Key);
        }

        if (mean is not null)
        {
            ClipEmbeddings.Normalize(mean);
            video[StageEmbedding.Key] = new StageEmbedding(model.Id, model.File(ProvenanceRole).Checksum, mean).ToJson(options.KeepVector);
        }
    }

    protected override void Dispose(bool disposing)
    {
        images.Dispose();
        text?.Dispose();
    }
}
