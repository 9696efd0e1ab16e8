namespace MediaTagger.Stages.Faces;

/// <summary>Parameters of the faces stage (pipelines.json "with": model, threshold, iou, maxFaces).</summary>
public sealed record FacesStageOptions
{
    /// <summary>The catalog id of the detector.</summary>
    public string Model { get; set; } = "ultraface-rfb-320";

    /// <summary>Lowest face score kept, 0..1 (0.7 is the upstream demo's).</summary>
    public float Threshold { get; set; } = 0.7f;

    /// <summary>Overlap (intersection over union) above which the weaker of two boxes is dropped, 0..1.</summary>
    public float Iou { get; set; } = 0.3f;

    /// <summary>Faces kept per image, best first.</summary>
    public int MaxFaces { get; set; } = 200;

    public FaceDetectorSettings Settings => new(Threshold, Iou, MaxFaces);

    // Out-of-range values would silently keep every anchor or nothing.
    internal static StageParameters<FacesStageOptions> Parameters { get; } = new StageParameters<FacesStageOptions>(FacesStage.StageName)
        .Text("model", o => o.Model, (o, v) => o.Model = v)
        .Number("threshold", o => o.Threshold, (o, v) => o.Threshold = v, 0f, 1f)
        .Number("iou", o => o.Iou, (o, v) => o.Iou = v, 0f, 1f)
        .Integer("maxFaces", o => o.MaxFaces, (o, v) => o.MaxFaces = v, 1);
}
