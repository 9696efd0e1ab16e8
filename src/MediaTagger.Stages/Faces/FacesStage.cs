using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;

namespace MediaTagger.Stages.Faces;

/// <summary>Parameters of the faces stage (pipelines.json "with").</summary>
public sealed record FacesStageOptions(string ModelId = "ultraface-rfb-320", float Threshold = 0.7f, float Iou = 0.3f, int MaxFaces = 200)
{
    public static FacesStageOptions From(IReadOnlyDictionary<string, string> with)
    {
        var options = new FacesStageOptions(
            with.TryGetValue("model", out var m) ? m : "ultraface-rfb-320",
            with.TryGetValue("threshold", out var t) ? float.Parse(t, CultureInfo.InvariantCulture) : 0.7f,
            with.TryGetValue("iou", out var i) ? float.Parse(i, CultureInfo.InvariantCulture) : 0.3f,
            with.TryGetValue("maxFaces", out var k) ? int.Parse(k, CultureInfo.InvariantCulture) : 200);

        // Out-of-range values would silently keep every anchor or nothing; say so when the stage is created instead.
        if (options.Threshold is < 0 or > 1 || float.IsNaN(options.Threshold))
        {
            throw new ArgumentException($"faces: threshold {options.Threshold} is outside 0..1", nameof(with));
        }

        if (options.Iou is < 0 or > 1 || float.IsNaN(options.Iou))
        {
            throw new ArgumentException($"faces: iou {options.Iou} is outside 0..1", nameof(with));
        }

        if (options.MaxFaces < 1)
        {
            throw new ArgumentException($"faces: maxFaces {options.MaxFaces} must be at least 1", nameof(with));
        }

        return options;
    }

    public FaceDetectorSettings Settings => new(Threshold, Iou, MaxFaces);
}

/// <summary>Face boxes for images: the detector over a batch of files, one outcome per file.</summary>
internal sealed class FacesStage : ImageModelStage
{
    private readonly FaceDetector detector;
    private readonly FacesStageOptions options;

    public FacesStage(ModelEntry model, IReadOnlyDictionary<string, string> files, FacesStageOptions options)
        : base("faces", model, "model", new Dictionary<string, string>
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

    public override Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var results = detector.Detect(batch.Select(b => b.Path).ToArray(), options.Settings, cancellationToken);
        var perFileMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds / Math.Max(1, batch.Count), 1);
        IReadOnlyList<StageOutcome> outcomes = results.Select(r => r.Error is not null
            ? StageOutcome.Fail(r.Error)
            : StageOutcome.Ok(ToJson(r, perFileMs))).ToArray();
        return Task.FromResult(outcomes);
    }

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
