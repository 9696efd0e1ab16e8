namespace MediaTagger.Stages.Whisper;

/// <summary>
/// Parameters of the whisper stage (pipelines.json "with": model, language, translate, threads, beamSize,
/// tokenTimestamps, noSpeechThreshold, maxChunkSeconds).
/// </summary>
public sealed record WhisperStageOptions
{
    /// <summary>The catalog id of the ggml Whisper model.</summary>
    public string Model { get; set; } = "whisper-base";

    /// <summary>
    /// Which audio track of a file with several (a film with dubbed tracks): "default" (the track marked default,
    /// else the first) or a language tag as the container writes it ("eng", "deu"); a file without that language fails
    /// with the tracks it has.
    /// </summary>
    public string AudioLanguage { get; set; } = "default";

    /// <summary>The decoder's language filter: null for the default track.</summary>
    internal string? AudioLanguageFilter => string.Equals(AudioLanguage, "default", StringComparison.OrdinalIgnoreCase) ? null : AudioLanguage;

    /// <summary>"auto" (detected once, from the first chunk with speech) or a whisper language code such as "en" or "de".</summary>
    public string Language { get; set; } = "auto";

    /// <summary>Translate the speech to English (multilingual models only; English-only models ignore it and say so).</summary>
    public bool Translate { get; set; }

    /// <summary>CPU threads for whisper; 0 = min(4, processor count).</summary>
    public int Threads { get; set; }

    /// <summary>0 or 1 = greedy decoding; 2..8 = beam search with that many beams (slower, slightly better).</summary>
    public int BeamSize { get; set; }

    /// <summary>Per-token start and end times in the result ("tokens" of each segment).</summary>
    public bool TokenTimestamps { get; set; }

    /// <summary>A segment whose no-speech probability is above this is left out.</summary>
    public double NoSpeechThreshold { get; set; } = 0.6;

    /// <summary>The longest stretch of audio whisper is given at once (whisper's own window is 30 s).</summary>
    public double MaxChunkSeconds { get; set; } = 30;

    internal static StageParameters<WhisperStageOptions> Parameters { get; } = new StageParameters<WhisperStageOptions>(WhisperStage.StageName)
        .Text("model", o => o.Model, (o, v) => o.Model = v)
        .Text("audioLanguage", o => o.AudioLanguage, (o, v) => o.AudioLanguage = v)
        .Text("language", o => o.Language, (o, v) => o.Language = v.ToLowerInvariant(), LanguageProblem)
        .Flag("translate", (o, v) => o.Translate = v)
        .Integer("threads", o => o.Threads, (o, v) => o.Threads = v, 0, 64)
        .Integer("beamSize", o => o.BeamSize, (o, v) => o.BeamSize = v, 0, 8)
        .Flag("tokenTimestamps", (o, v) => o.TokenTimestamps = v)
        .Number("noSpeechThreshold", o => o.NoSpeechThreshold, (o, v) => o.NoSpeechThreshold = v, 0.0, 1.0)
        .Number("maxChunkSeconds", o => o.MaxChunkSeconds, (o, v) => o.MaxChunkSeconds = v, 1.0, 30.0);

    // Checked without the native library (the worker validates pipelines.json before any model host starts);
    // whether whisper knows the code is checked when the stage loads its model.
    private static string? LanguageProblem(string value) =>
        value.Equals("auto", StringComparison.OrdinalIgnoreCase) || (value.Length is >= 2 and <= 16 && value.All(char.IsAsciiLetter))
            ? null
            : $"'{value}' is neither \"auto\" nor a language code such as \"en\" or \"de\"";
}
