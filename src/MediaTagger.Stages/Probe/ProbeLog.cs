using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Probe;

/// <summary>Every log event of the probe stage, with fixed EventIds 3300–3399.</summary>
internal static partial class ProbeLog
{
    [LoggerMessage(EventId = 3300, Level = LogLevel.Debug, Message = "Probing a batch of {Count} file(s)")]
    public static partial void BatchStarted(ILogger logger, int count);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Probed {Count} file(s), {Failed} failed, in {ElapsedMs} ms")]
    public static partial void BatchFinished(ILogger logger, int count, int failed, long elapsedMs);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Debug, Message = "Probed {Path}: {Kind} {Format} in {ElapsedMs} ms")]
    public static partial void Probed(ILogger logger, string path, string kind, string format, long elapsedMs);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "Cannot probe {Path} (transient: {Transient}): {Reason}")]
    public static partial void InputFailed(ILogger logger, string path, bool transient, string reason);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Warning, Message = "Refused {Path}: its header declares {Width}x{Height} pixels, over the limit of {Limit}")]
    public static partial void ImageTooLarge(ILogger logger, string path, int width, int height, long limit);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Information, Message = "{Path}: the {Format} container holds no video stream; it is treated as audio")]
    public static partial void KindCorrected(ILogger logger, string path, string format);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Information, Message = "{Path}: {Note}")]
    public static partial void ExtensionMismatch(ILogger logger, string path, string note);

    [LoggerMessage(EventId = 3307, Level = LogLevel.Error, Message = "Probing {Path} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, string path, Exception exception);
}
