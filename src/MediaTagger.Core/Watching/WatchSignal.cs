using MediaTagger.Core.Configuration;

namespace MediaTagger.Core.Watching;

public enum WatchSignalKind
{
    /// <summary>The file passed the filter and has settled (size and mtime unchanged for the window); ingest it.</summary>
    Stable,

    /// <summary>
    /// The path is gone (deleted or renamed away). It may have been a folder, so consumers forget everything at or
    /// under it.
    /// </summary>
    Removed,
}

/// <summary>What a <see cref="FolderWatcher"/> tells ingest about one path.</summary>
public sealed record WatchSignal(WatchSignalKind Kind, string Path, WatchEntry Entry);

public enum WatchMode
{
    /// <summary>Change events from the operating system (inotify on Linux), plus periodic rescans.</summary>
    Events,

    /// <summary>Polling, because the entry asks for it (network shares, where events do not arrive).</summary>
    Polling,

    /// <summary>Polling, because the inotify limits are exhausted; the log says which sysctl raises them.</summary>
    PollingAfterInotifyExhaustion,
}

/// <summary>A snapshot of one watch root for the <c>status</c> verb.</summary>
/// <param name="Root">The absolute watch folder.</param>
/// <param name="Mode">How changes are found now.</param>
/// <param name="Watching">False while the event watcher is down and waiting to be recreated.</param>
/// <param name="Restarts">How often the event watcher failed and was recreated.</param>
/// <param name="LastError">The last failure, or null.</param>
/// <param name="LastErrorAt">When it happened.</param>
/// <param name="LastScanAt">When the last full scan or poll finished.</param>
/// <param name="PendingFiles">Files waiting to settle.</param>
public sealed record WatchRootStatus(
    string Root,
    WatchMode Mode,
    bool Watching,
    int Restarts,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? LastScanAt,
    int PendingFiles)
{
    /// <summary>events | polling | polling-after-inotify-exhaustion, as the status verb prints it.</summary>
    public string ModeName => Mode switch
    {
        WatchMode.Events => "events",
        WatchMode.Polling => "polling",
        _ => "polling-after-inotify-exhaustion",
    };
}
