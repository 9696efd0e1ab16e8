using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;

namespace MediaTagger.Stages.ImageNet;

/// <summary>Parameters of the imagenet stage (pipelines.json "with").</summary>
public sealed record ImageNetStageOptions(string ModelId = "mobilenetv2-int8", int TopK = 5)
{
    public static ImageNetStageOptions From(IReadOnlyDictionary<string, string> with) => new(
        with.TryGetValue("model", out var m) ? m : "mobilenetv2-int8",
        with.TryGetValue("topK", out var k) ? int.Parse(k, CultureInfo.InvariantCulture) : 5);
}

/// <summary>ImageNet-1k labels for images: the classifier over a batch of files, one outcome per file.</summary>
internal sealed class ImageNetStage : ImageModelStage
{
    private readonly ImageNetClassifier classifier;
    private readonly ImageNetStageOptions options;

    public ImageNetStage(ModelEntry model, IReadOnlyDictionary<string, string> files, ImageNetStageOptions options)
        : base("imagenet", model, "model", new Dictionary<string, string> { ["topK"] = options.TopK.ToString(CultureInfo.InvariantCulture) })
    {
        this.options = options;
        classifier = new ImageNetClassifier(files["model"], files["labels"]);
    }

    public override string Device => classifier.Device;

    public override Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
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

    protected override void Dispose(bool disposing) => classifier.Dispose();
}
