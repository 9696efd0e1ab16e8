namespace MediaTagger.Stages.ImageNet;

/// <summary>Parameters of the imagenet stage (pipelines.json "with": model, topK).</summary>
public sealed record ImageNetStageOptions
{
    /// <summary>The catalog id of the classifier.</summary>
    public string Model { get; set; } = "mobilenetv2-int8";

    /// <summary>Labels kept per image, best first.</summary>
    public int TopK { get; set; } = 5;

    internal static StageParameters<ImageNetStageOptions> Parameters { get; } = new StageParameters<ImageNetStageOptions>(ImageNetStage.StageName)
        .Text("model", o => o.Model, (o, v) => o.Model = v)
        .Integer("topK", o => o.TopK, (o, v) => o.TopK = v, 1, 1000);
}
