using System.Globalization;

namespace MediaTagger.Native.Whisper;

/// <summary>How a whisper model is loaded.</summary>
public sealed record WhisperModelOptions
{
    /// <summary>Ask for a GPU. Whether one was used is reported by <see cref="WhisperModel.Device"/>, never assumed.</summary>
    public bool UseGpu { get; init; } = true;

    /// <summary>Flash attention (whisper.cpp's default is on).</summary>
    public bool FlashAttention { get; init; } = true;

    /// <summary>Which GPU (0-based, among the GPUs whisper.cpp sees).</summary>
    public int GpuDevice { get; init; }
}

/// <summary>whisper.cpp's voice activity detection (Silero VAD in ggml format), applied before transcription.</summary>
public sealed record WhisperVadParams
{
    /// <summary>Probability above which a frame counts as speech.</summary>
    public float Threshold { get; init; } = 0.5f;

    public int MinSpeechDurationMs { get; init; } = 250;

    public int MinSilenceDurationMs { get; init; } = 100;

    /// <summary>Longer speech is split; <see cref="float.PositiveInfinity"/> (the default) never splits.</summary>
    public float MaxSpeechDurationSeconds { get; init; } = float.PositiveInfinity;

    public int SpeechPadMs { get; init; } = 30;

    /// <summary>Seconds of audio kept after each speech segment (except the last), so words are not cut.</summary>
    public float SamplesOverlapSeconds { get; init; } = 0.1f;
}

/// <summary>What <see cref="WhisperModel.Transcribe"/> does. Validated once per call; every problem is reported together.</summary>
public sealed record WhisperTranscribeOptions
{
    /// <summary>"auto" (detect) or a whisper language code such as "en" or "de".</summary>
    public string Language { get; init; } = "auto";

    /// <summary>Only detect the language; the result has no segments.</summary>
    public bool DetectLanguageOnly { get; init; }

    /// <summary>Translate to English (multilingual models only).</summary>
    public bool Translate { get; init; }

    /// <summary>0 = min(4, processor count).</summary>
    public int Threads { get; init; }

    /// <summary>Compute per-token start/end times (whisper.cpp's experimental token timestamps).</summary>
    public bool TokenTimestamps { get; init; }

    /// <summary>A segment whose no-speech probability is above this (and whose log probability is low) is dropped.</summary>
    public float NoSpeechThreshold { get; init; } = 0.6f;

    /// <summary>Initial sampling temperature (0 = deterministic).</summary>
    public float Temperature { get; init; }

    /// <summary>0 = greedy decoding; above 0 = beam search with that many beams.</summary>
    public int BeamSize { get; init; }

    /// <summary>Maximum segment length in characters (0 = no limit). Turns on token timestamps, which splitting needs.</summary>
    public int MaxLen { get; init; }

    /// <summary>With <see cref="MaxLen"/>: split on word boundaries rather than tokens.</summary>
    public bool SplitOnWord { get; init; }

    /// <summary>Text that conditions the decoder (names, spelling, style).</summary>
    public string? InitialPrompt { get; init; }

    /// <summary>Start transcribing this far into the audio.</summary>
    public int OffsetMs { get; init; }

    /// <summary>Transcribe only this much audio after <see cref="OffsetMs"/> (0 = to the end).</summary>
    public int DurationMs { get; init; }

    /// <summary>Run voice activity detection first and transcribe only the speech (needs <see cref="VadModelPath"/>).</summary>
    public bool UseVad { get; init; }

    /// <summary>Path of a whisper.cpp VAD model (ggml-silero-*.bin).</summary>
    public string? VadModelPath { get; init; }

    public WhisperVadParams VadParams { get; init; } = new();

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Language))
        {
            errors.Add("Language must be \"auto\" or a language code");
        }

        if (Threads < 0)
        {
            errors.Add($"Threads must be 0 (automatic) or positive, not {Threads}");
        }

        if (BeamSize is < 0 or > 8)
        {
            // whisper.cpp allows at most 8 decoders (WHISPER_MAX_DECODERS).
            errors.Add($"BeamSize must be 0 (greedy) to 8, not {BeamSize}");
        }

        if (MaxLen < 0)
        {
            errors.Add($"MaxLen must be 0 (no limit) or positive, not {MaxLen}");
        }

        if (OffsetMs < 0)
        {
            errors.Add($"OffsetMs must not be negative ({OffsetMs})");
        }

        if (DurationMs < 0)
        {
            errors.Add($"DurationMs must not be negative ({DurationMs})");
        }

        if (float.IsNaN(Temperature) || Temperature is < 0 or > 1)
        {
            errors.Add($"Temperature must be within 0..1, not {Temperature.ToString(CultureInfo.InvariantCulture)}");
        }

        if (float.IsNaN(NoSpeechThreshold) || NoSpeechThreshold is < 0 or > 1)
        {
            errors.Add($"NoSpeechThreshold must be within 0..1, not {NoSpeechThreshold.ToString(CultureInfo.InvariantCulture)}");
        }

        if (UseVad)
        {
            if (string.IsNullOrWhiteSpace(VadModelPath))
            {
                errors.Add("UseVad needs VadModelPath (a whisper.cpp VAD model such as ggml-silero-v6.2.0.bin)");
            }

            var v = VadParams ?? new WhisperVadParams();
            if (float.IsNaN(v.Threshold) || v.Threshold is <= 0 or >= 1)
            {
                errors.Add($"VadParams.Threshold must be between 0 and 1, not {v.Threshold.ToString(CultureInfo.InvariantCulture)}");
            }

            if (v.MinSpeechDurationMs < 0 || v.MinSilenceDurationMs < 0 || v.SpeechPadMs < 0)
            {
                errors.Add("VadParams durations (MinSpeechDurationMs, MinSilenceDurationMs, SpeechPadMs) must not be negative");
            }

            if (float.IsNaN(v.MaxSpeechDurationSeconds) || v.MaxSpeechDurationSeconds <= 0)
            {
                errors.Add("VadParams.MaxSpeechDurationSeconds must be positive");
            }

            if (float.IsNaN(v.SamplesOverlapSeconds) || v.SamplesOverlapSeconds < 0)
            {
                errors.Add("VadParams.SamplesOverlapSeconds must not be negative");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid whisper transcription options: " + string.Join("; ", errors) + ".");
        }
    }
}
