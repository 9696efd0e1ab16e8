using Microsoft.Extensions.Logging;

namespace MediaTagger.Core.Journal;

/// <summary>Every log event of the journal, with fixed EventIds 3100–3199.</summary>
internal static partial class JournalLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Journal {Path} open (schema {Version}, journal mode {Mode})")]
    public static partial void Opened(ILogger logger, string path, int version, string mode);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Journal {Path} migrated from schema {From} to {To}")]
    public static partial void Migrated(ILogger logger, string path, int from, int to);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning,
        Message = "Journal {Path} could not use WAL (got journal mode {Mode}; a network file system?); using full sync instead, which is slower")]
    public static partial void NoWal(ILogger logger, string path, string mode);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning,
        Message = "{Count} task(s) were running when the worker last stopped; they run again")]
    public static partial void Requeued(ILogger logger, int count);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning,
        Message = "Quarantined stage {Stage} of {Path}: the worker stopped while running it {Attempts} time(s); the file may crash it")]
    public static partial void QuarantinedAfterInterruptions(ILogger logger, string stage, string path, int attempts);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Debug, Message = "Ingested {Path}: {Decision}, {Tasks} task(s)")]
    public static partial void Ingested(ILogger logger, string path, IngestDecision decision, int tasks);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Debug, Message = "Ignored {Path}: {Reason}")]
    public static partial void Ignored(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Information, Message = "{Path} was removed; {Dropped} unfinished task(s) dropped")]
    public static partial void Removed(ILogger logger, string path, int dropped);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Debug, Message = "Claimed {Count} task(s) of stage {Stage}")]
    public static partial void Claimed(ILogger logger, string stage, int count);

    [LoggerMessage(EventId = 3109, Level = LogLevel.Debug,
        Message = "Task {TaskId} is no longer running (its file changed or was removed); {Action} dropped")]
    public static partial void StaleTask(ILogger logger, long taskId, string action);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Debug, Message = "Task {TaskId} failed ({Mode}): {Error}")]
    public static partial void TaskFailed(ILogger logger, long taskId, TaskFailureMode mode, string error);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Debug,
        Message = "Item {ItemId} not marked {State}: it has unfinished tasks or is already finished")]
    public static partial void FinishRefused(ILogger logger, long itemId, ItemState state);
}
