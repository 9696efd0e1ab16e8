using MediaTagger.Stages.Tags;

namespace MediaTagger.Stages.Clip;

/// <summary>
/// Parameters of the clip stage (pipelines.json "with"): model, labels (comma-separated, as the tags stage reads lists)
/// or labelsFile (one or more a line), templates ('|'-separated, "{}" is the label), topK, threshold, logitScale,
/// keepVector.
/// </summary>
public sealed record ClipStageOptions
{
    /// <summary>The catalog id of the CLIP model (visual, textual and merges files).</summary>
    public string Model { get; set; } = "clip-vit-b32";

    /// <summary>Zero-shot labels, comma-separated; empty (and no labelsFile): embeddings only, no labels.</summary>
    public string Labels { get; set; } = "";

    /// <summary>A file of labels, one or more a line ('#' starts a comment), added to <see cref="Labels"/>.</summary>
    public string LabelsFile { get; set; } = "";

    /// <summary>Prompt templates separated by '|'; empty: <see cref="ClipZeroShot.DefaultTemplates"/>.</summary>
    public string Templates { get; set; } = "";

    /// <summary>Labels kept per image, best first.</summary>
    public int TopK { get; set; } = 5;

    /// <summary>The least softmax probability a kept label has.</summary>
    public double Threshold { get; set; }

    /// <summary>CLIP's learned temperature (100 for OpenAI's models).</summary>
    public double LogitScale { get; set; } = 100;

    /// <summary>Also keep the base64 vector in the sidecar (it always goes to the journal for search).</summary>
    public bool KeepVector { get; set; }

    internal IReadOnlyList<string> LabelList =>
        TagRules.ParseList(Labels).Concat(LabelsFile.Length > 0 ? TagRules.ParseList(File.ReadAllText(LabelsFile)) : [])
            .Distinct(StringComparer.Ordinal).ToArray();

    internal IReadOnlyList<string> TemplateList =>
        Templates.Trim().Length == 0 ? ClipZeroShot.DefaultTemplates
        : Templates.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static StageParameters<ClipStageOptions> Parameters { get; } = new StageParameters<ClipStageOptions>(ClipStage.StageName)
        .Text("model", o => o.Model, (o, v) => o.Model = v)
        .OptionalText("labels", o => o.Labels, (o, v) => o.Labels = v)
        .OptionalText("labelsFile", o => o.LabelsFile, (o, v) => o.LabelsFile = v, v => File.Exists(v) ? null : $"file '{v}' does not exist")
        .OptionalText("templates", o => o.Templates, (o, v) => o.Templates = v, v => v.Trim().Length > 0 && v.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length == 0
            ? "names no template (templates are separated by |, {} is the label; leave it empty for the default templates)" : null)
        .Integer("topK", o => o.TopK, (o, v) => o.TopK = v, 1, 1000)
        .Number("threshold", o => o.Threshold, (o, v) => o.Threshold = v, 0.0, 1.0)
        .Number("logitScale", o => o.LogitScale, (o, v) => o.LogitScale = v, 1.0, 1000.0)
        .Flag("keepVector", (o, v) => o.KeepVector = v);
}
