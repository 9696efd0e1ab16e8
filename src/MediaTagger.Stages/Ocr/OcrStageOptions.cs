namespace MediaTagger.Stages.Ocr;

/// <summary>Parameters of the ocr stage (pipelines.json "with": model, minConfidence, maxSide).</summary>
public sealed record OcrStageOptions
{
    /// <summary>The catalog id of the detector, orientation classifier and recognizer set.</summary>
    public string Model { get; set; } = "ppocr-v4";

    /// <summary>Lines recognised with a lower mean confidence are dropped, 0..1.</summary>
    public float MinConfidence { get; set; } = 0.5f;

    /// <summary>The detector sees the image with its longer side at most this many pixels.</summary>
    public int MaxSide { get; set; } = 960;

    internal static StageParameters<OcrStageOptions> Parameters { get; } = new StageParameters<OcrStageOptions>(OcrStage.StageName)
        .Text("model", o => o.Model, (o, v) => o.Model = v)
        .Number("minConfidence", o => o.MinConfidence, (o, v) => o.MinConfidence = v, 0f, 1f)
        .Integer("maxSide", o => o.MaxSide, (o, v) => o.MaxSide = v, 32, 4096);
}
