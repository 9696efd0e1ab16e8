using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Vad;

/// <summary>Every log event of the vad stage, with fixed EventIds 3600–3649.</summary>
internal static partial class VadLog
{
    [LoggerMessage(EventId = 3600, Level = LogLevel.Debug, Message = "{Path}: {Segments} speech segment(s), {SpeechSeconds:F2} of {DurationSeconds:F2} s speech, in {ElapsedMs} ms")]
    public static partial void Detected(ILogger logger, string path, int segments, double speechSeconds, double durationSeconds, long elapsedMs);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Warning, Message = "No speech detection for {Path} (transient: {Transient}): {Reason}")]
    public static partial void InputFailed(ILogger logger, string path, bool transient, string reason);

    [LoggerMessage(EventId = 3602, Level = LogLevel.Error, Message = "Speech detection of {Path} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, string path, Exception exception);
}
