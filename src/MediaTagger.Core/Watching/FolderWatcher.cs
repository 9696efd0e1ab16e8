using System.Diagnostics;
using System.IO.Enumeration;
using System.Threading.Channels;
using MediaTagger.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Core.Watching;

/// <summary>
/// Watches one <see cref="WatchEntry"/> and reports settled files and removals on <see cref="Signals"/>.
/// Events mode: a FileSystemWatcher feeds the <see cref="FileStabilityGate"/>; new folders are scanned (files moved in
/// with a folder raise no events of their own); an initial scan and a periodic full rescan re-offer every file.
/// A watcher error never ends watching: it is logged, the watcher is recreated and the folder rescanned. When the
/// inotify limits are exhausted the root falls back to polling and the log says which sysctl fixes it.
/// Polling mode (network shares) compares (size, mtime) snapshots every poll interval.
/// </summary>
public sealed class FolderWatcher : IAsyncDisposable
{
    /// <summary>The largest buffer every platform accepts; on Linux it is not used, but Windows drops events without it.</summary>
    public const int WatcherBufferSize = 64 * 1024;

    private const int OutputCapacity = 1024;
    private const int ChangeQueueCapacity = 65_536;
    private static readonly TimeSpan RoomWait = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ErrorStormSpan = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly WatchEntry entry;
    private readonly PathFilter filter;
    private readonly FileStabilityGate gate;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Func<string, FileSystemWatcher> createWatcher;
    private readonly TimeSpan rescanInterval;
    private readonly TimeSpan pollInterval;
    private readonly Channel<WatchSignal> output = Channel.CreateBounded<WatchSignal>(
        new BoundedChannelOptions(OutputCapacity) { FullMode = BoundedChannelFullMode.Wait });

    // Event handlers only enqueue, so the watcher's dispatch is never held up by a slow consumer.
    private readonly Channel<Change> changes = Channel.CreateBounded<Change>(
        new BoundedChannelOptions(ChangeQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly Channel<string> newFolders = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Control> control = Channel.CreateUnbounded<Control>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stopping = new();
    private readonly object statusLock = new();
    private readonly List<Task> loops = [];

    // Owned by the supervisor loop (and Start, before the loop exists); mode is written under statusLock for status readers.
    private FileSystemWatcher? watcher;
    private WatchMode mode;
    private Dictionary<string, FileSnapshot>? pollSnapshot;
    private long? restartDue;
    private long nextPoll;
    private long nextRescan;
    private int startFailures;
    private int stormCount;
    private long lastFailureAt;
    private bool pollFailing;

    // Status, under statusLock.
    private bool watching;
    private int restarts;
    private string? lastError;
    private DateTimeOffset? lastErrorAt;
    private DateTimeOffset? lastScanAt;

    private int rescanQueued;
    private int changesDropped;
    private int started;
    private int disposed;

    /// <param name="entry">The folder and its rules.</param>
    /// <param name="worker">The stable window, rescan interval.</param>
    /// <param name="isOwnOutput">True for files the worker writes (sidecars); their changes never trigger work.</param>
    /// <param name="timeProvider">The clock for windows, intervals and status times.</param>
    /// <param name="logger">Where failures, restarts and the inotify fix are reported.</param>
    /// <param name="createWatcher">Makes the FileSystemWatcher for a root; tests pass one that fails on demand.</param>
    public FolderWatcher(
        WatchEntry entry,
        WorkerOptions worker,
        Func<string, bool> isOwnOutput,
        TimeProvider timeProvider,
        ILogger logger,
        Func<string, FileSystemWatcher>? createWatcher = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(worker);
        this.entry = entry;
        filter = new PathFilter(entry, isOwnOutput);
        time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        this.createWatcher = createWatcher ?? (root => new FileSystemWatcher(root));
        gate = new FileStabilityGate(TimeSpan.FromSeconds(Math.Max(0, worker.StableWindowSeconds)), time, logger);
        rescanInterval = worker.RescanIntervalSeconds > 0 ? TimeSpan.FromSeconds(worker.RescanIntervalSeconds) : LongestWait;
        pollInterval = TimeSpan.FromSeconds(Math.Max(0.05, entry.PollIntervalSeconds));
        mode = entry.Polling ? WatchMode.Polling : WatchMode.Events;
    }

    /// <summary>The absolute watch folder.</summary>
    public string Root => filter.Root;

    public WatchEntry Entry => entry;

    /// <summary>Settled files and removals; completes after <see cref="DisposeAsync"/>.</summary>
    public ChannelReader<WatchSignal> Signals => output.Reader;

    public WatchRootStatus GetStatus()
    {
        var pendingFiles = gate.PendingCount;
        lock (statusLock)
        {
            return new WatchRootStatus(Root, mode, watching, restarts, lastError, lastErrorAt, lastScanAt, pendingFiles);
        }
    }

    /// <summary>
    /// Starts watching: the event watcher is running (or the fallback decided) when this returns, so changes made
    /// afterwards are seen; the initial scan runs in the background.
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException($"The watcher for {Root} is already started.");
        }

        var now = time.GetTimestamp();
        nextRescan = After(now, rescanInterval);
        nextPoll = now;
        if (mode == WatchMode.Polling)
        {
            pollSnapshot = new(StringComparer.Ordinal);
            SetWatching(true);
        }
        else
        {
            var attempt = TryStartEvents();
            if (attempt.Outcome == StartOutcome.Exhausted)
            {
                FallBackToPolling(attempt.Error!, attempt.Limit!);
            }
            else if (attempt.Outcome == StartOutcome.Failed)
            {
                ScheduleStartRetry(attempt.Error!);
            }
        }

        var status = GetStatus();
        WatchLog.Started(logger, Root, status.ModeName, entry.Recursive);
        var token = stopping.Token;
        loops.Add(Task.Run(() => SuperviseAsync(token), CancellationToken.None));
        loops.Add(Task.Run(() => HandleChangesAsync(token), CancellationToken.None));
        loops.Add(Task.Run(() => ScanNewFoldersAsync(token), CancellationToken.None));
        loops.Add(Task.Run(() => ForwardSettledAsync(token), CancellationToken.None));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync();
        changes.Writer.TryComplete();
        newFolders.Writer.TryComplete();
        control.Writer.TryComplete();
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException)
        {
            // Expected: the loops end by cancellation.
        }

        DisposeWatcher();
        gate.Dispose();
        output.Writer.TryComplete();
        stopping.Dispose();
        if (Volatile.Read(ref started) != 0)
        {
            WatchLog.Stopped(logger, Root);
        }
    }

    // ---- The supervisor: scans, polls, restarts and the fallback, all on one loop so their state needs no locks.

    private async Task SuperviseAsync(CancellationToken ct)
    {
        if (mode == WatchMode.Events)
        {
            await RunGuardedAsync(() => ScanAsync(Root, "initial scan", ct), ct);
        }

        while (!ct.IsCancellationRequested)
        {
            await RunGuardedAsync(() => SuperviseOnceAsync(ct), ct);
        }
    }

    private async Task SuperviseOnceAsync(CancellationToken ct)
    {
        var wakeAt = mode == WatchMode.Events ? nextRescan : Math.Min(nextPoll, nextRescan);
        if (restartDue is { } due)
        {
            wakeAt = Math.Min(wakeAt, due);
        }

        var message = await WaitForControlAsync(wakeAt, ct);
        switch (message)
        {
            case { Failure: { } failure }:
                HandleFailure(message.Source, failure);
                return;
            case { Rescan: true }:
                Volatile.Write(ref rescanQueued, 0);
                if (mode == WatchMode.Events)
                {
                    await ScanAsync(Root, "rescan after dropped changes", ct);
                }
                else
                {
                    await PollAsync(offerAll: true, ct);
                }

                return;
        }

        var now = time.GetTimestamp();
        if (restartDue is { } restartAt && now >= restartAt)
        {
            await RestartAsync(ct);
            return;
        }

        if (mode == WatchMode.Events)
        {
            if (now >= nextRescan)
            {
                nextRescan = After(now, rescanInterval);
                await ScanAsync(Root, "periodic rescan", ct);
            }

            return;
        }

        var rescanDue = now >= nextRescan;
        if (rescanDue)
        {
            nextRescan = After(now, rescanInterval);

            // The limits may have been raised since: try events again once per rescan interval.
            if (mode == WatchMode.PollingAfterInotifyExhaustion && TryEventsAgain())
            {
                await ScanAsync(Root, "events restored", ct);
                return;
            }
        }

        if (now >= nextPoll)
        {
            await PollAsync(offerAll: rescanDue, ct);
            nextPoll = After(time.GetTimestamp(), pollInterval);
        }
    }

    private async Task<Control?> WaitForControlAsync(long wakeAt, CancellationToken ct)
    {
        if (control.Reader.TryRead(out var ready))
        {
            return ready;
        }

        var delay = time.GetElapsedTime(time.GetTimestamp(), wakeAt);
        if (delay <= TimeSpan.Zero)
        {
            return null;
        }

        using var timeout = new CancellationTokenSource(delay < LongestWait ? delay : LongestWait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            return await control.Reader.WaitToReadAsync(linked.Token) && control.Reader.TryRead(out var message) ? message : null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private void HandleFailure(FileSystemWatcher? source, Exception failure)
    {
        if (mode != WatchMode.Events || source is null || !ReferenceEquals(source, watcher))
        {
            return; // From a watcher already replaced or given up.
        }

        DisposeWatcher();
        RecordError(failure);
        if (InotifyLimitOf(failure) is { } limit)
        {
            FallBackToPolling(failure, limit);
            return;
        }

        // Errors in quick succession (an overflow storm) back off, so rescans cannot run back to back.
        var now = time.GetTimestamp();
        stormCount = lastFailureAt != 0 && time.GetElapsedTime(lastFailureAt, now) < ErrorStormSpan ? stormCount + 1 : 0;
        lastFailureAt = now;
        var delay = stormCount == 0 ? TimeSpan.Zero : Backoff(stormCount);
        int restart;
        lock (statusLock)
        {
            restart = ++restarts;
        }

        WatchLog.WatcherFailed(logger, Root, failure.Message, delay, restart, failure);
        restartDue = After(now, delay);
    }

    private async Task RestartAsync(CancellationToken ct)
    {
        restartDue = null;
        var attempt = TryStartEvents();
        switch (attempt.Outcome)
        {
            case StartOutcome.Started:
                WatchLog.WatcherRestarted(logger, Root);
                await ScanAsync(Root, "rescan after restart", ct);
                break;
            case StartOutcome.Exhausted:
                FallBackToPolling(attempt.Error!, attempt.Limit!);
                break;
            default:
                ScheduleStartRetry(attempt.Error!);
                break;
        }
    }

    private void ScheduleStartRetry(Exception error)
    {
        RecordError(error);
        var delay = Backoff(++startFailures);
        WatchLog.WatcherStartFailed(logger, Root, error.Message, delay, error);
        restartDue = After(time.GetTimestamp(), delay);
    }

    private void FallBackToPolling(Exception error, string limit)
    {
        RecordError(error);
        lock (statusLock)
        {
            mode = WatchMode.PollingAfterInotifyExhaustion;
            watching = true;
        }

        restartDue = null;

        // An empty snapshot makes the first poll offer every file, which doubles as the rescan.
        pollSnapshot = new(StringComparer.Ordinal);
        nextPoll = time.GetTimestamp();
        WatchLog.InotifyExhausted(logger, Root, limit, error.Message, pollInterval);
    }

    private bool TryEventsAgain()
    {
        var attempt = TryStartEvents();
        if (attempt.Outcome != StartOutcome.Started)
        {
            return false; // Already reported when polling began; stay quiet until it works.
        }

        lock (statusLock)
        {
            mode = WatchMode.Events;
        }

        pollSnapshot = null;
        WatchLog.EventsRestored(logger, Root);
        return true;
    }

    private StartAttempt TryStartEvents()
    {
        FileSystemWatcher? created = null;
        try
        {
            created = createWatcher(Root);
            created.IncludeSubdirectories = entry.Recursive;
            created.InternalBufferSize = WatcherBufferSize;
            created.NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size;
            created.Created += OnCreated;
            created.Changed += OnChanged;
            created.Renamed += OnRenamed;
            created.Deleted += OnDeleted;
            created.Error += OnError;

            // Published before enabling, so an error raised while enabling is recognised as this watcher's.
            Volatile.Write(ref watcher, created);
            created.EnableRaisingEvents = true;
            startFailures = 0;
            SetWatching(true);
            return new StartAttempt(StartOutcome.Started, null, null);
        }
        catch (Exception ex)
        {
            if (ReferenceEquals(watcher, created))
            {
                DisposeWatcher();
            }
            else
            {
                created?.Dispose();
            }

            SetWatching(false);
            return InotifyLimitOf(ex) is { } limit
                ? new StartAttempt(StartOutcome.Exhausted, ex, limit)
                : new StartAttempt(StartOutcome.Failed, ex, null);
        }
    }

    private void DisposeWatcher()
    {
        var current = Interlocked.Exchange(ref watcher, null);
        if (current is null)
        {
            return;
        }

        SetWatching(false);

        current.Created -= OnCreated;
        current.Changed -= OnChanged;
        current.Renamed -= OnRenamed;
        current.Deleted -= OnDeleted;
        current.Error -= OnError;
        try
        {
            current.EnableRaisingEvents = false;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // A broken watcher may refuse even this; disposing is what matters.
        }

        current.Dispose();
    }

    /// <summary>
    /// The inotify limit an exception reports (the runtime's messages name "inotify instances" or "inotify
    /// watches"), or null when it is some other failure.
    /// </summary>
    internal static string? InotifyLimitOf(Exception? error)
    {
        for (var ex = error; ex is not null; ex = ex.InnerException)
        {
            if (ex is IOException && ex.Message.Contains("inotify", StringComparison.OrdinalIgnoreCase))
            {
                return ex.Message.Contains("instances", StringComparison.OrdinalIgnoreCase) ? "max_user_instances" : "max_user_watches";
            }
        }

        return null;
    }

    // ---- Events: the watcher's callbacks only enqueue.

    private void OnCreated(object sender, FileSystemEventArgs e) => Enqueue(new Change(e.FullPath, ChangeKind.Arrived));

    private void OnChanged(object sender, FileSystemEventArgs e) => Enqueue(new Change(e.FullPath, ChangeKind.Modified));

    private void OnDeleted(object sender, FileSystemEventArgs e) => Enqueue(new Change(e.FullPath, ChangeKind.Gone));

    private void OnRenamed(object sender, RenamedEventArgs e)
    {
        Enqueue(new Change(e.OldFullPath, ChangeKind.Gone));
        Enqueue(new Change(e.FullPath, ChangeKind.Arrived));
    }

    private void OnError(object sender, ErrorEventArgs e)
    {
        if (ReferenceEquals(sender, Volatile.Read(ref watcher)))
        {
            control.Writer.TryWrite(new Control(sender as FileSystemWatcher, e.GetException(), false));
        }
    }

    private void Enqueue(Change change)
    {
        if (changes.Writer.TryWrite(change) || Volatile.Read(ref disposed) != 0)
        {
            return;
        }

        if (Interlocked.Exchange(ref changesDropped, 1) == 0)
        {
            WatchLog.EventsDropped(logger, Root);
        }

        RequestRescan();
    }

    private void RequestRescan()
    {
        if (Interlocked.Exchange(ref rescanQueued, 1) == 0)
        {
            control.Writer.TryWrite(new Control(null, null, true));
        }
    }

    private async Task HandleChangesAsync(CancellationToken ct)
    {
        await foreach (var change in changes.Reader.ReadAllAsync(ct))
        {
            try
            {
                await HandleChangeAsync(change, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                WatchLog.HandlerFailed(logger, Root, ex.Message, ex);
            }
        }
    }

    private async Task HandleChangeAsync(Change change, CancellationToken ct)
    {
        if (change.Kind == ChangeKind.Gone)
        {
            if (filter.AcceptsRemoval(change.Path))
            {
                gate.Forget(change.Path);
                await output.Writer.WriteAsync(new WatchSignal(WatchSignalKind.Removed, change.Path, entry), ct);
            }

            return;
        }

        if (Directory.Exists(change.Path))
        {
            // Files created in, or moved in with, a new folder raise no events of their own.
            if (change.Kind == ChangeKind.Arrived && filter.ShouldEnter(change.Path))
            {
                newFolders.Writer.TryWrite(change.Path);
            }

            return;
        }

        if (filter.Accepts(change.Path) && !gate.Offer(change.Path))
        {
            RequestRescan(); // The gate was full; the rescan waits for room, so the file is not lost.
        }
    }

    private async Task ScanNewFoldersAsync(CancellationToken ct)
    {
        await foreach (var folder in newFolders.Reader.ReadAllAsync(ct))
        {
            await RunGuardedAsync(() => ScanAsync(folder, "new folder", ct, quiet: true), ct);
        }
    }

    private async Task ForwardSettledAsync(CancellationToken ct)
    {
        await foreach (var path in gate.Output.ReadAllAsync(ct))
        {
            await output.Writer.WriteAsync(new WatchSignal(WatchSignalKind.Stable, path, entry), ct);
        }
    }

    // ---- Scans and polls.

    private async Task ScanAsync(string folder, string reason, CancellationToken ct, bool quiet = false)
    {
        var whole = ReferenceEquals(folder, Root);
        if (whole)
        {
            Volatile.Write(ref changesDropped, 0);
        }

        WatchLog.ScanStarted(logger, folder, reason);
        var clock = Stopwatch.StartNew();
        var offered = 0;
        try
        {
            foreach (var file in Enumerate(folder))
            {
                ct.ThrowIfCancellationRequested();
                await OfferWhenRoomAsync(file.Path, ct);
                offered++;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (quiet && ex is DirectoryNotFoundException)
            {
                return; // A new folder that is already gone again.
            }

            RecordError(ex);
            WatchLog.ScanFailed(logger, folder, ex.Message, ex);
            if (whole && ex is DirectoryNotFoundException && mode == WatchMode.Events && watcher is not null)
            {
                // The root itself is gone (deleted, or its disk unmounted): the watcher on it is dead even if it
                // raised no error. Recreate it, with backoff, until the folder is back; the restart rescans.
                DisposeWatcher();
                ScheduleStartRetry(ex);
            }

            return;
        }

        if (whole)
        {
            SetScanned();
        }

        if (!quiet)
        {
            WatchLog.ScanFinished(logger, folder, reason, offered, clock.ElapsedMilliseconds);
        }
    }

    private async Task PollAsync(bool offerAll, CancellationToken ct)
    {
        var before = pollSnapshot ??= new(StringComparer.Ordinal);
        var now = new Dictionary<string, FileSnapshot>(before.Count, StringComparer.Ordinal);
        int added = 0, changed = 0;
        try
        {
            foreach (var file in Enumerate(Root))
            {
                ct.ThrowIfCancellationRequested();
                now[file.Path] = file.Snapshot;
                if (!before.TryGetValue(file.Path, out var seen))
                {
                    added++;
                }
                else if (seen != file.Snapshot)
                {
                    changed++;
                }
                else if (!offerAll)
                {
                    continue;
                }

                await OfferWhenRoomAsync(file.Path, ct);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Keep the old snapshot: an unreachable share is not a folder whose files were all deleted.
            RecordError(ex);
            if (!pollFailing)
            {
                WatchLog.ScanFailed(logger, Root, ex.Message, ex); // once per outage, not every poll
            }

            pollFailing = true;
            return;
        }

        pollFailing = false;

        var removed = 0;
        foreach (var path in before.Keys)
        {
            if (!now.ContainsKey(path))
            {
                removed++;
                gate.Forget(path);
                await output.Writer.WriteAsync(new WatchSignal(WatchSignalKind.Removed, path, entry), ct);
            }
        }

        pollSnapshot = now;
        SetScanned();
        WatchLog.Polled(logger, Root, added, changed, removed, now.Count);
    }

    private async Task OfferWhenRoomAsync(string path, CancellationToken ct)
    {
        // Scans wait for room instead of being refused, which bounds memory however large the tree.
        while (!gate.HasRoom)
        {
            await Task.Delay(RoomWait, time, ct);
        }

        gate.Offer(path);
    }

    private FileSystemEnumerable<ScannedFile> Enumerate(string folder)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = entry.Recursive,
            IgnoreInaccessible = true,
            AttributesToSkip = 0, // The filter decides about dot-files, not the platform's idea of "hidden".
            ReturnSpecialDirectories = false,
        };
        return new FileSystemEnumerable<ScannedFile>(
            folder,
            (ref FileSystemEntry e) => new ScannedFile(e.ToFullPath(), new FileSnapshot(e.Length, e.LastWriteTimeUtc.UtcDateTime.Ticks)),
            options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory && filter.Accepts(e.ToFullPath()),

            // Symlinked folders are not followed: they can loop, and they may lead outside the watch root.
            ShouldRecursePredicate = (ref FileSystemEntry e) =>
                (e.Attributes & FileAttributes.ReparsePoint) == 0 && filter.ShouldEnter(e.ToFullPath()),
        };
    }

    // ---- Helpers.

    /// <summary>Runs one step of a loop; an unexpected failure is logged and the loop goes on after a pause.</summary>
    private async Task RunGuardedAsync(Func<Task> step, CancellationToken ct)
    {
        try
        {
            await step();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            WatchLog.HandlerFailed(logger, Root, ex.Message, ex);
            RecordError(ex);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
    }

    private void RecordError(Exception error)
    {
        var at = time.GetUtcNow();
        lock (statusLock)
        {
            lastError = $"{error.GetType().Name}: {error.Message}";
            lastErrorAt = at;
        }
    }

    private void SetWatching(bool value)
    {
        lock (statusLock)
        {
            watching = value;
        }
    }

    private void SetScanned()
    {
        var at = time.GetUtcNow();
        lock (statusLock)
        {
            lastScanAt = at;
        }
    }

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(MaxRetryDelay.TotalSeconds, Math.Pow(2, Math.Min(attempt - 1, 10))));

    private long After(long timestamp, TimeSpan span) =>
        timestamp + (long)(Math.Min(span.TotalSeconds, LongestWait.TotalSeconds * 365) * time.TimestampFrequency);

    private enum ChangeKind
    {
        Arrived,
        Modified,
        Gone,
    }

    private enum StartOutcome
    {
        Started,
        Exhausted,
        Failed,
    }

    private readonly record struct Change(string Path, ChangeKind Kind);

    private sealed record Control(FileSystemWatcher? Source, Exception? Failure, bool Rescan);

    private readonly record struct StartAttempt(StartOutcome Outcome, Exception? Error, string? Limit);

    private readonly record struct ScannedFile(string Path, FileSnapshot Snapshot);
}
