namespace MediaTagger.Stages.Caption;

/// <summary>
/// Parameters of the caption stage (pipelines.json "with": model, prompt, keepPrompt, numBeams, minLength, maxLength,
/// repetitionPenalty, lengthPenalty, noRepeatNgramSize, earlyStopping, writeCaption, captionExtension, captionNaming).
/// </summary>
public sealed record CaptionStageOptions
{
    /// <summary>The catalog id of the BLIP export (vision model, text decoder and vocabulary).</summary>
    public string Model { get; set; } = "blip-base";

    /// <summary>
    /// Text the caption continues (BLIP's conditional captioning); empty for unconditional captions. BLIP's own
    /// generate and kohya's make_captions.py use "a picture of " and cut it from the result.
    /// </summary>
    public string Prompt { get; set; } = "a picture of";

    /// <summary>Keep the prompt at the start of the caption (transformers' decode does); false cuts it, as kohya does.</summary>
    public bool KeepPrompt { get; set; }

    /// <summary>1 is greedy search; BLIP's generate defaults to 3 beams.</summary>
    public int NumBeams { get; set; } = 3;

    /// <summary>Shortest sequence, in tokens counting [DEC] and the prompt (transformers' min_length; kohya's default 5).</summary>
    public int MinLength { get; set; } = 5;

    /// <summary>Longest sequence, in tokens counting [DEC] and the prompt (transformers' max_length; kohya uses 75).</summary>
    public int MaxLength { get; set; } = 30;

    public double RepetitionPenalty { get; set; } = 1.0;

    public double LengthPenalty { get; set; } = 1.0;

    public int NoRepeatNgramSize { get; set; }

    public bool EarlyStopping { get; set; }

    /// <summary>Also write the caption to a text file beside the image (one line, kohya's format).</summary>
    public bool WriteCaption { get; set; }

    /// <summary>The caption file's extension (kohya's --caption_extension).</summary>
    public string CaptionExtension { get; set; } = ".caption";

    /// <summary>"kohya": the image's extension replaced (photo.caption, which kohya's trainers read); "append": photo.jpg.caption.</summary>
    public string CaptionNaming { get; set; } = "kohya";

    /// <summary>A caption file there that the worker did not write: "keep" it (the default) or "overwrite" it.</summary>
    public string CaptionExisting { get; set; } = "keep";

    public CaptionSearchOptions Search => new()
    {
        NumBeams = NumBeams,
        MinLength = MinLength,
        MaxLength = MaxLength,
        RepetitionPenalty = RepetitionPenalty,
        LengthPenalty = LengthPenalty,
        NoRepeatNgramSize = NoRepeatNgramSize,
        EarlyStopping = EarlyStopping,
    };

    internal static string? ExtensionProblem(string extension) =>
        extension is ".caption" or ".txt" ? null : "must be .caption or .txt (the caption files kohya's trainers read)";

    internal static StageParameters<CaptionStageOptions> Parameters { get; } = new StageParameters<CaptionStageOptions>(CaptionStage.StageName)
        .Text("model", o => o.Model, (o, v) => o.Model = v)
        .OptionalText("prompt", o => o.Prompt, (o, v) => o.Prompt = v)
        .Flag("keepPrompt", (o, v) => o.KeepPrompt = v)
        .Integer("numBeams", o => o.NumBeams, (o, v) => o.NumBeams = v, 1, 16)
        .Integer("minLength", o => o.MinLength, (o, v) => o.MinLength = v, 0, 512)
        .Integer("maxLength", o => o.MaxLength, (o, v) => o.MaxLength = v, 2, 512)
        .Number("repetitionPenalty", o => o.RepetitionPenalty, (o, v) => o.RepetitionPenalty = v, 1.0, 10.0)
        .Number("lengthPenalty", o => o.LengthPenalty, (o, v) => o.LengthPenalty = v, -10.0, 10.0)
        .Integer("noRepeatNgramSize", o => o.NoRepeatNgramSize, (o, v) => o.NoRepeatNgramSize = v, 0, 16)
        .Flag("earlyStopping", (o, v) => o.EarlyStopping = v)
        .Flag("writeCaption", (o, v) => o.WriteCaption = v)
        .Text("captionExtension", o => o.CaptionExtension, (o, v) => o.CaptionExtension = v, ExtensionProblem)
        .Text("captionNaming", o => o.CaptionNaming, (o, v) => o.CaptionNaming = v, v => v is "kohya" or "append" ? null : "must be kohya or append")
        .Text("captionExisting", o => o.CaptionExisting, (o, v) => o.CaptionExisting = v, v => v is "keep" or "overwrite" ? null : "must be keep or overwrite")
        .Rule("maxLength", o => o.MaxLength > o.MinLength ? null : $"must be above minLength ({o.MinLength})");
}
