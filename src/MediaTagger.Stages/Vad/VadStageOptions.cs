namespace MediaTagger.Stages.Vad;

/// <summary>
/// Parameters of the vad stage (pipelines.json "with": model, threshold, negThreshold, minSpeechMs, minSilenceMs,
/// speechPadMs, maxSpeechSeconds, decodeTimeoutSeconds). The defaults are Silero's reference get_speech_timestamps',
/// except the maximum speech duration: 30 s, the most audio Whisper takes in one pass.
/// </summary>
public sealed record VadStageOptions
{
    /// <summary>The catalog id of the Silero VAD v5 model.</summary>
    public string Model { get; set; } = "silero-vad-v5";

    /// <summary>A 32 ms window at or above this speech probability is speech.</summary>
    public double Threshold { get; set; } = 0.5;

    /// <summary>Speech ends once the probability falls below this; null: the threshold less 0.15 (at least 0.01).</summary>
    public double? NegThreshold { get; set; }

    /// <summary>Shorter speech is dropped.</summary>
    public int MinSpeechMs { get; set; } = 250;

    /// <summary>A pause must last this long to end a segment.</summary>
    public int MinSilenceMs { get; set; } = 100;

    /// <summary>Added before and after each segment.</summary>
    public int SpeechPadMs { get; set; } = 30;

    /// <summary>Longer speech is split at its last pause (or cut) so that no segment, padding included, is longer.</summary>
    public double MaxSpeechSeconds { get; set; } = 30;

    /// <summary>
    /// Which audio track of a file with several (a film with dubbed tracks): "default" (the track marked default,
    /// else the first) or a language tag as the container writes it ("eng", "deu"); a file without that language fails
    /// with the tracks it has.
    /// </summary>
    public string AudioLanguage { get; set; } = "default";

    /// <summary>The decoder's language filter: null for the default track.</summary>
    internal string? AudioLanguageFilter => string.Equals(AudioLanguage, "default", StringComparison.OrdinalIgnoreCase) ? null : AudioLanguage;

    /// <summary>How long ffmpeg may take to deliver each window of decoded audio before it is killed.</summary>
    public TimeSpan DecodeTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The negative threshold in effect.</summary>
    public double EffectiveNegThreshold => NegThreshold ?? Math.Max(Threshold - 0.15, 0.01);

    internal static StageParameters<VadStageOptions> Parameters { get; } = new StageParameters<VadStageOptions>(VadStage.StageName)
        .Text("model", o => o.Model, (o, v) => o.Model = v)
        .Text("audioLanguage", o => o.AudioLanguage, (o, v) => o.AudioLanguage = v)
        .Number("threshold", o => o.Threshold, (o, v) => o.Threshold = v, 0.01, 0.99)
        .Number("negThreshold", o => o.EffectiveNegThreshold, (o, v) => o.NegThreshold = v, 0.0, 0.99)
        .Integer("minSpeechMs", o => o.MinSpeechMs, (o, v) => o.MinSpeechMs = v, 0, 60_000)
        .Integer("minSilenceMs", o => o.MinSilenceMs, (o, v) => o.MinSilenceMs = v, 0, 60_000)
        .Integer("speechPadMs", o => o.SpeechPadMs, (o, v) => o.SpeechPadMs = v, 0, 1_000)
        // At least 5 s: room for the largest padding on both sides and a window.
        .Number("maxSpeechSeconds", o => o.MaxSpeechSeconds, (o, v) => o.MaxSpeechSeconds = v, 5.0, 86_400.0)
        .Seconds("decodeTimeoutSeconds", o => o.DecodeTimeout, (o, v) => o.DecodeTimeout = v, 1, 86_400)
        .Rule("negThreshold", o => o.EffectiveNegThreshold < o.Threshold ? null
            : FormattableString.Invariant($"must be below threshold ({o.Threshold}) (is {o.EffectiveNegThreshold})"));

    /// <summary>The segmenter's settings these options stand for.</summary>
    internal SpeechSegmenterSettings Segmenter() => new()
    {
        Threshold = (float)Threshold,
        NegThreshold = (float)EffectiveNegThreshold,
        MinSpeech = TimeSpan.FromMilliseconds(MinSpeechMs),
        MinSilence = TimeSpan.FromMilliseconds(MinSilenceMs),
        SpeechPad = TimeSpan.FromMilliseconds(SpeechPadMs),
        MaxSpeech = TimeSpan.FromSeconds(MaxSpeechSeconds),
    };
}
