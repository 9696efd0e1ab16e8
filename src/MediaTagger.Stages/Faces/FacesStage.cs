using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;

namespace MediaTagger.Stages.Faces;

/// <summary>Face boxes for images: the detector over a batch of files, one outcome per file.</summary>
internal sealed class FacesStage : ImageModelStage
{
    public const string StageName = "faces";

    /// <summary>The model file whose checksum is the stage's provenance: the detector.</summary>
    public const string ProvenanceRole = "model";

    /// <summary>The files the stage reads from its model, by role (what `models add` checks).</summary>
    public static readonly ModelRoles Roles = ModelRoles.Of(["model"]);

    private readonly FaceDetector detector;
    private readonly FacesStageOptions options;

    public FacesStage(ModelEntry model, IReadOnlyDictionary<string, string> files, FacesStageOptions options)
        : base(StageName, model, ProvenanceRole, new Dictionary<string, string>
            {
                ["threshold"] = options.Threshold.ToString(CultureInfo.InvariantCulture),
                ["iou"] = options.Iou.ToString(CultureInfo.InvariantCulture),
                ["maxFaces"] = options.MaxFaces.ToString(CultureInfo.InvariantCulture),
            })
    {
        this.options = options;
        detector = new FaceDetector(files["model"]);
    }

    public override string Device => detector.Device;

    protected override Task<IReadOnlyList<StageOutcome>> RunImagesAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var results = detector.Detect(batch.Select(b => b.Path).ToArray(), options.Settings, cancellationToken);
        var perFileMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds / Math.Max(1, batch.Count), 1);
        IReadOnlyList<StageOutcome> outcomes = results.Select(r => r.Error is not null
            ? StageOutcome.Fail(r.Error)
            : StageOutcome.Ok(ToJson(r, perFileMs))).ToArray();
        return Task.FromResult(outcomes);
    }

    /// <summary>A video's face count: the most faces seen in one frame.</summary>
    protected override void SummarizeFrames(JsonObject video, IReadOnlyList<JsonObject> frames) =>
        video["count"] = frames.Count == 0 ? 0 : frames.Max(f => (int)f["count"]!);

    protected override void Dispose(bool disposing) => detector.Dispose();

    internal static JsonObject ToJson(FaceDetectionResult result, double perFileMs) => new()
    {
        ["ms"] = perFileMs,
        ["count"] = result.Faces.Count,
        ["faces"] = new JsonArray(result.Faces.Select(f => (JsonNode)new JsonObject
        {
            // Whole-ish pixels: sub-pixel digits from a 320x240 input are noise, and they bloat sidecars.
            ["box"] = new JsonObject
            {
                ["x"] = Math.Round(f.Box.X, 1),
                ["y"] = Math.Round(f.Box.Y, 1),
                ["width"] = Math.Round(f.Box.Width, 1),
                ["height"] = Math.Round(f.Box.Height, 1),
            },
            ["score"] = Math.Round(f.Score, 4),
        }).ToArray()),
    };
}
