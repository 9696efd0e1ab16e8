using Microsoft.Extensions.Logging;

namespace MediaTagger.Native.Whisper;

/// <summary>
/// Every log event of the whisper.cpp binding, with fixed EventIds 2200–2249 (2250–2299 belong to audio decoding in
/// MediaTagger.Media).
/// </summary>
internal static partial class WhisperLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information,
        Message = "whisper.cpp {Version} loaded model {Path} ({ModelType}, {Language}, vocab {VocabSize}) on {Device} in {ElapsedMs} ms")]
    public static partial void ModelLoaded(ILogger logger, string version, string path, string modelType, string language, int vocabSize, string device, long elapsedMs);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "whisper.cpp could not load model {Path}: {Reason}")]
    public static partial void ModelLoadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning,
        Message = "GPU {GpuDevice} was requested for {Path}, but whisper.cpp runs it on the CPU: {Reason}")]
    public static partial void GpuNotUsed(ILogger logger, int gpuDevice, string path, string reason);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Debug,
        Message = "Transcribing {Seconds:F2} s of audio (language {Language}, {Threads} threads, beam size {BeamSize}, VAD {Vad})")]
    public static partial void TranscriptionStarted(ILogger logger, double seconds, string language, int threads, int beamSize, bool vad);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Information,
        Message = "Transcribed {Seconds:F2} s of audio into {Segments} segments (language {Language}) in {ElapsedMs} ms")]
    public static partial void TranscriptionFinished(ILogger logger, double seconds, int segments, string language, long elapsedMs);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Information, Message = "Transcription cancelled after {ElapsedMs} ms")]
    public static partial void TranscriptionCancelled(ILogger logger, long elapsedMs);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Error, Message = "whisper_full failed with code {Code}: {Reason}")]
    public static partial void TranscriptionFailed(ILogger logger, int code, string reason);

    [LoggerMessage(EventId = 2207, Level = LogLevel.Debug, Message = "Detected language {Language} (p = {Probability:F3})")]
    public static partial void LanguageDetected(ILogger logger, string language, float probability);

    [LoggerMessage(EventId = 2208, Level = LogLevel.Warning,
        Message = "The model is English-only; language {Requested} (translate {Translate}) was replaced by English transcription")]
    public static partial void EnglishOnlyModel(ILogger logger, string requested, bool translate);

    [LoggerMessage(EventId = 2209, Level = LogLevel.Debug,
        Message = "VAD kept {SpeechSeconds:F2} s of speech in {Segments} segments out of {TotalSeconds:F2} s")]
    public static partial void VadApplied(ILogger logger, double speechSeconds, int segments, double totalSeconds);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Information, Message = "VAD found no speech in {TotalSeconds:F2} s of audio; nothing to transcribe")]
    public static partial void VadFoundNoSpeech(ILogger logger, double totalSeconds);

    [LoggerMessage(EventId = 2211, Message = "whisper.cpp: {Line}")]
    public static partial void NativeLine(ILogger logger, LogLevel level, string line);

    [LoggerMessage(EventId = 2213, Level = LogLevel.Warning,
        Message = "Model {Path} has no weights (a whisper.cpp test model, or a file cut short): it will transcribe nothing")]
    public static partial void ModelHasNoWeights(ILogger logger, string path);

    [LoggerMessage(EventId = 2214, Level = LogLevel.Information, Message = "whisper.cpp build {Variant} ({Path}): {Reason}")]
    public static partial void LibraryChosen(ILogger logger, string variant, string path, string reason);

    [LoggerMessage(EventId = 2212, Level = LogLevel.Debug, Message = "Released whisper model {Path}")]
    public static partial void ModelReleased(ILogger logger, string path);
}
