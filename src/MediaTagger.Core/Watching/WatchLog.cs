using Microsoft.Extensions.Logging;

namespace MediaTagger.Core.Watching;

/// <summary>Every log event of folder watching, with fixed EventIds 3200–3299.</summary>
internal static partial class WatchLog
{
    // 3200–3219: the watcher's life (start, failures, restarts, fallback to polling).
    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Watching {Root} ({Mode}, recursive: {Recursive})")]
    public static partial void Started(ILogger logger, string root, string mode, bool recursive);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Stopped watching {Root}")]
    public static partial void Stopped(ILogger logger, string root);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning,
        Message = "The file watcher for {Root} failed: {Reason}. Recreating it in {RetryIn} and rescanning the folder (restart {Restart})")]
    public static partial void WatcherFailed(ILogger logger, string root, string reason, TimeSpan retryIn, int restart, Exception exception);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "The file watcher for {Root} is running again; rescanning so nothing missed while it was down is lost")]
    public static partial void WatcherRestarted(ILogger logger, string root);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error,
        Message = "Could not start the file watcher for {Root}: {Reason}. Trying again in {RetryIn}; changes in this folder are not seen until then")]
    public static partial void WatcherStartFailed(ILogger logger, string root, string reason, TimeSpan retryIn, Exception exception);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Error,
        Message = "The inotify {Limit} limit is exhausted, so {Root} cannot be watched with events: {Reason}. Falling back to polling it every {PollInterval}. " +
                  "To get instant change events back, raise the limit (as root): sysctl fs.inotify.max_user_watches=524288 and sysctl fs.inotify.max_user_instances=512, " +
                  "and keep it across reboots in /etc/sysctl.d/40-inotify.conf")]
    public static partial void InotifyExhausted(ILogger logger, string root, string limit, string reason, TimeSpan pollInterval);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Information, Message = "inotify has room again: {Root} is watched with events instead of polling")]
    public static partial void EventsRestored(ILogger logger, string root);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Warning,
        Message = "Change events for {Root} arrived faster than they could be handled and some were dropped; the folder will be rescanned")]
    public static partial void EventsDropped(ILogger logger, string root);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Error, Message = "Handling a change in {Root} failed: {Reason}; watching goes on")]
    public static partial void HandlerFailed(ILogger logger, string root, string reason, Exception exception);

    // 3210–3219: scans and polls.
    [LoggerMessage(EventId = 3210, Level = LogLevel.Debug, Message = "Scanning {Path} ({Reason})")]
    public static partial void ScanStarted(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3211, Level = LogLevel.Information, Message = "Scanned {Path} ({Reason}): {Files} files offered in {ElapsedMs} ms")]
    public static partial void ScanFinished(ILogger logger, string path, string reason, int files, long elapsedMs);

    [LoggerMessage(EventId = 3212, Level = LogLevel.Warning, Message = "Scanning {Path} failed: {Reason}; the next scan tries again")]
    public static partial void ScanFailed(ILogger logger, string path, string reason, Exception exception);

    [LoggerMessage(EventId = 3213, Level = LogLevel.Debug, Message = "Polled {Root}: {Added} new, {Changed} changed, {Removed} removed of {Files} files")]
    public static partial void Polled(ILogger logger, string root, int added, int changed, int removed, int files);

    // 3220–3239: the stable-file gate.
    [LoggerMessage(EventId = 3220, Level = LogLevel.Warning,
        Message = "{Pending} files are already waiting to settle, the most this worker tracks; {Path} and further changes wait for the next rescan")]
    public static partial void GateFull(ILogger logger, int pending, string path);

    [LoggerMessage(EventId = 3221, Level = LogLevel.Debug, Message = "{Path} is open for writing elsewhere; checking again in {RetryIn}")]
    public static partial void FileLocked(ILogger logger, string path, TimeSpan retryIn);

    [LoggerMessage(EventId = 3222, Level = LogLevel.Warning,
        Message = "{Path} has been open for writing elsewhere for {Attempts} checks; it is processed once the writer closes it (next check in {RetryIn})")]
    public static partial void FileStillLocked(ILogger logger, string path, int attempts, TimeSpan retryIn);

    [LoggerMessage(EventId = 3223, Level = LogLevel.Warning, Message = "{Path} cannot be read ({Reason}); it is skipped until it changes or the next rescan")]
    public static partial void FileUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3224, Level = LogLevel.Debug, Message = "{Path} is stable")]
    public static partial void FileStable(ILogger logger, string path);

    [LoggerMessage(EventId = 3225, Level = LogLevel.Debug, Message = "{Path} vanished before it settled")]
    public static partial void FileVanished(ILogger logger, string path);

    [LoggerMessage(EventId = 3226, Level = LogLevel.Error, Message = "Checking settled files failed: {Reason}; checking again in {RetryIn}")]
    public static partial void GateCheckFailed(ILogger logger, string reason, TimeSpan retryIn, Exception exception);
}
