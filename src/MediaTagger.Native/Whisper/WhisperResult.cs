namespace MediaTagger.Native.Whisper;

/// <summary>What one transcription produced. Times are milliseconds from the start of the audio passed in.</summary>
public sealed record WhisperResult
{
    /// <summary>
    /// The language the audio was transcribed as: the requested code, the detected one ("auto"), or "en" for an
    /// English-only model. Null only when "auto" had nothing to detect from (empty audio, or VAD found no speech).
    /// </summary>
    public string? Language { get; init; }

    /// <summary>The detector's probability for <see cref="Language"/>; null when the language was not detected.</summary>
    public float? LanguageProbability { get; init; }

    public IReadOnlyList<WhisperSegment> Segments { get; init; } = [];

    /// <summary>All segment texts joined.</summary>
    public string Text => string.Concat(Segments.Select(s => s.Text));
}

/// <summary>One transcribed segment.</summary>
public sealed record WhisperSegment
{
    public long StartMs { get; init; }

    public long EndMs { get; init; }

    public string Text { get; init; } = "";

    /// <summary>The model's probability that this window held no speech.</summary>
    public float NoSpeechProbability { get; init; }

    /// <summary>The text tokens (whisper's timestamp and control tokens are left out).</summary>
    public IReadOnlyList<WhisperToken> Tokens { get; init; } = [];
}

/// <summary>One decoded text token.</summary>
public sealed record WhisperToken
{
    public int Id { get; init; }

    /// <summary>The token's text; a token can hold part of a multi-byte character, shown as U+FFFD.</summary>
    public string Text { get; init; } = "";

    public float Probability { get; init; }

    /// <summary>Only with <see cref="WhisperTranscribeOptions.TokenTimestamps"/> (or MaxLen); null otherwise.</summary>
    public long? StartMs { get; init; }

    public long? EndMs { get; init; }
}

/// <summary>The result of <see cref="WhisperModel.DetectLanguage"/>.</summary>
public sealed record WhisperLanguageDetection
{
    /// <summary>The most likely language code ("en", "de", ...).</summary>
    public required string Language { get; init; }

    /// <summary>Its probability; null when nothing was detected because the model is English-only.</summary>
    public float? Probability { get; init; }

    /// <summary>False when the model is English-only: it cannot tell languages apart, so "en" is reported unmeasured.</summary>
    public bool Detected { get; init; }

    /// <summary>The most likely languages, best first (empty when not detected).</summary>
    public IReadOnlyList<WhisperLanguageScore> Candidates { get; init; } = [];
}

public readonly record struct WhisperLanguageScore(string Language, float Probability);
