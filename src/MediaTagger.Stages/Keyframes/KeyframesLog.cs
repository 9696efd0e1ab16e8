using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Keyframes;

/// <summary>Every log event of the keyframes stage, with fixed EventIds 3750–3799.</summary>
internal static partial class KeyframesLog
{
    [LoggerMessage(EventId = 3750, Level = LogLevel.Information, Message = "Extracted {Count} keyframe(s) of {Path} ({Mode}) in {ElapsedMs} ms")]
    public static partial void Extracted(ILogger logger, string path, int count, string mode, long elapsedMs);

    [LoggerMessage(EventId = 3751, Level = LogLevel.Warning, Message = "Cannot take keyframes of {Path} (transient: {Transient}): {Reason}")]
    public static partial void InputFailed(ILogger logger, string path, bool transient, string reason);

    [LoggerMessage(EventId = 3752, Level = LogLevel.Error, Message = "Taking keyframes of {Path} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, string path, Exception exception);
}
