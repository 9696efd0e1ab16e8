using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Whisper;

/// <summary>Every log event of the whisper stage, with fixed EventIds 3700–3749.</summary>
internal static partial class WhisperStageLog
{
    [LoggerMessage(EventId = 3700, Level = LogLevel.Information, Message = "Whisper stage ready: model {ModelId} on {Device}, language {Language}, translate {Translate}, beam size {BeamSize}")]
    public static partial void Ready(ILogger logger, string modelId, string device, string language, bool translate, int beamSize);

    [LoggerMessage(EventId = 3701, Level = LogLevel.Information, Message = "Transcribing {Path}: {Chunks} chunk(s), {SpeechSeconds:0.0} s of {What}")]
    public static partial void Planned(ILogger logger, string path, int chunks, double speechSeconds, string what);

    [LoggerMessage(EventId = 3702, Level = LogLevel.Debug, Message = "{Path}: chunk {Index} ({Span}) gave {Segments} segment(s), {Skipped} skipped as no speech, in {ElapsedMs} ms")]
    public static partial void ChunkDone(ILogger logger, string path, int index, MediaSpan span, int segments, int skipped, long elapsedMs);

    [LoggerMessage(EventId = 3703, Level = LogLevel.Information, Message = "{Path}: language {Language} detected (p = {Probability:0.00}) from the chunk at {Span}; later chunks use it")]
    public static partial void LanguageDetected(ILogger logger, string path, string language, double probability, MediaSpan span);

    [LoggerMessage(EventId = 3704, Level = LogLevel.Information, Message = "Transcribed {Path}: {Segments} segment(s), language {Language}, {AudioSeconds:0.0} s of audio in {ElapsedMs} ms")]
    public static partial void Transcribed(ILogger logger, string path, int segments, string language, double audioSeconds, long elapsedMs);

    [LoggerMessage(EventId = 3705, Level = LogLevel.Information, Message = "{Path}: the vad result holds no speech; nothing to transcribe")]
    public static partial void NoSpeech(ILogger logger, string path);

    [LoggerMessage(EventId = 3706, Level = LogLevel.Warning, Message = "Cannot transcribe {Path}: {Reason}")]
    public static partial void InputFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3707, Level = LogLevel.Information, Message = "Transcription of {Path} was cancelled after {Chunks} chunk(s)")]
    public static partial void Cancelled(ILogger logger, string path, int chunks);

    [LoggerMessage(EventId = 3709, Level = LogLevel.Warning, Message = "Model {ModelId} is English-only: language {Language} and translate {Translate} are ignored; it transcribes English")]
    public static partial void EnglishOnly(ILogger logger, string modelId, string language, bool translate);

    [LoggerMessage(EventId = 3710, Level = LogLevel.Error, Message = "Transcribing {Path} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3708, Level = LogLevel.Debug, Message = "{Path}: {Percent}% ({DoneSeconds:0.0} of {TotalSeconds:0.0} s)")]
    public static partial void Progress(ILogger logger, string path, int percent, double doneSeconds, double totalSeconds);
}
