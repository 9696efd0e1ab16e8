using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;

namespace MediaTagger.Stages.ImageNet;

/// <summary>ImageNet-1k labels for images: the classifier over a batch of files, one outcome per file.</summary>
internal sealed class ImageNetStage : ImageModelStage
{
    public const string StageName = "imagenet";

    /// <summary>The model file whose checksum is the stage's provenance: the classifier.</summary>
    public const string ProvenanceRole = "model";

    /// <summary>The files the stage reads from its model, by role (what `models add` checks).</summary>
    public static readonly ModelRoles Roles = ModelRoles.Of(["model", "labels"]);

    private readonly ImageNetClassifier classifier;
    private readonly ImageNetStageOptions options;

    public ImageNetStage(ModelEntry model, IReadOnlyDictionary<string, string> files, ImageNetStageOptions options)
        : base(StageName, model, ProvenanceRole, new Dictionary<string, string> { ["topK"] = options.TopK.ToString(CultureInfo.InvariantCulture) })
    {
        this.options = options;
        classifier = new ImageNetClassifier(files["model"], files["labels"]);
    }

    public override string Device => classifier.Device;

    protected override Task<IReadOnlyList<StageOutcome>> RunImagesAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var results = classifier.Classify(batch.Select(b => b.Path).ToArray(), options.TopK, cancellationToken);
        var perFileMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds / Math.Max(1, batch.Count), 1);
        IReadOnlyList<StageOutcome> outcomes = results.Select(r => r.Error is not null
            ? StageOutcome.Fail(r.Error)
            : StageOutcome.Ok(new JsonObject
            {
                ["ms"] = perFileMs,
                ["labels"] = new JsonArray(r.Labels.Select(l => (JsonNode)new JsonObject { ["label"] = l.Label, ["score"] = Math.Round(l.Score, 4) }).ToArray()),
            })).ToArray();
        return Task.FromResult(outcomes);
    }

    /// <summary>A video's labels: each label's best score over its frames (and that frame's time), the top K of them.</summary>
    protected override void SummarizeFrames(JsonObject video, IReadOnlyList<JsonObject> frames) =>
        video["labels"] = new JsonArray(frames
            .SelectMany(f => f["labels"]!.AsArray().Select(l => (Label: (string)l!["label"]!, Score: (double)l["score"]!, T: (double)f["t"]!)))
            .GroupBy(l => l.Label, StringComparer.Ordinal)
            .Select(g => g.MaxBy(l => l.Score))
            .OrderByDescending(l => l.Score)
            .Take(options.TopK)
            .Select(l => (JsonNode)new JsonObject { ["label"] = l.Label, ["score"] = l.Score, ["t"] = l.T })
            .ToArray());

    protected override void Dispose(bool disposing) => classifier.Dispose();
}
