using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Ocr;

/// <summary>Text in images: detector + orientation classifier + recognizer, one outcome per file.</summary>
internal sealed class OcrStage : ImageModelStage
{
    public const string StageName = "ocr";

    /// <summary>The model file whose checksum is the stage's provenance: the recognizer, which decides the text.</summary>
    public const string ProvenanceRole = "recognizer";

    /// <summary>The files the stage reads from its model, by role (what `models add` checks).</summary>
    public static readonly ModelRoles Roles = ModelRoles.Of(["detector", "recognizer", "dictionary"], "classifier");

    private readonly OcrReader reader;
    private readonly OcrStageOptions options;

    public OcrStage(ModelEntry model, IReadOnlyDictionary<string, string> files, OcrStageOptions options)
        : base(StageName, model, ProvenanceRole, new Dictionary<string, string>
            {
                ["minConfidence"] = options.MinConfidence.ToString(CultureInfo.InvariantCulture),
                ["maxSide"] = options.MaxSide.ToString(CultureInfo.InvariantCulture),
            })
    {
        this.options = options;
        reader = new OcrReader(files["detector"], files["recognizer"], files["dictionary"], files.GetValueOrDefault("classifier"),
            new TextDetectorOptions(MaxSide: options.MaxSide));
    }

    public override string Device => reader.Device;

    protected override async Task<IReadOnlyList<StageOutcome>> RunImagesAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        // Images are decoded ahead on other cores while the models work on the current one, so the models do not
        // wait on decoding; the look-ahead is bounded because a decoded page can be tens of megabytes.
        var lookahead = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var decoded = new Task<RgbImage>[batch.Count];
        Task<RgbImage> Decode(int i) => Task.Run(() => VipsImaging.Decode(batch[i].Path, background: 255), cancellationToken);
        for (var i = 0; i < Math.Min(lookahead, batch.Count); i++)
        {
            decoded[i] = Decode(i);
        }

        var outcomes = new StageOutcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            if (i + lookahead < batch.Count)
            {
                decoded[i + lookahead] = Decode(i + lookahead);
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                var image = await decoded[i].ConfigureAwait(false);
                var result = reader.Read(image, options.MinConfidence, cancellationToken);
                outcomes[i] = StageOutcome.Ok(ToJson(result, Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1)));
            }
            catch (Exception ex) when (ex is Native.NativeEngineException or InvalidDataException or ArgumentException)
            {
                // Undecodable or degenerate images are permanent failures of that file alone.
                outcomes[i] = StageOutcome.Fail(ex.Message);
            }
            catch (IOException ex)
            {
                // A file being written or briefly locked may read fine later.
                outcomes[i] = StageOutcome.Fail(ex.Message, transient: ex is not FileNotFoundException);
            }
        }

        return outcomes;
    }

    internal static JsonObject ToJson(OcrResult result, double ms) => new()
    {
        ["ms"] = ms,
        ["text"] = result.Text,
        ["lines"] = new JsonArray(result.Lines.Select(l => (JsonNode)new JsonObject
        {
            ["text"] = l.Text,
            ["confidence"] = Math.Round(l.Confidence, 4),
            ["box"] = new JsonObject { ["x"] = l.Box.X, ["y"] = l.Box.Y, ["width"] = l.Box.Width, ["height"] = l.Box.Height },
        }).ToArray()),
    };

    /// <summary>A video's text: every distinct line read in its frames, in the order first seen.</summary>
    protected override void SummarizeFrames(JsonObject video, IReadOnlyList<JsonObject> frames)
    {
        var lines = frames.SelectMany(f => f["lines"]!.AsArray().Select(l => (string)l!["text"]!)).Distinct(StringComparer.Ordinal).ToArray();
        video["text"] = string.Join('\n', lines);
        video["distinctLines"] = new JsonArray(lines.Select(l => (JsonNode)l).ToArray());
    }

    protected override void Dispose(bool disposing) => reader.Dispose();
}
