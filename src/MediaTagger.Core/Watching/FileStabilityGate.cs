using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Core.Watching;

/// <summary>
/// Lets a file through only once it has settled: its size and mtime unchanged for the whole window since the last
/// change signal for it, it still exists, and it can be opened for reading. Every new signal for a pending path
/// restarts its window (debounce), so a file being copied is emitted once, after the copy.
/// </summary>
/// <remarks>
/// One timer and one priority queue keyed by due time serve every pending path, so 10,000 pending files cost 10,000
/// small records, not 10,000 timers. A re-signal only moves the record's due time; the queue entry is corrected
/// lazily when it comes up, so the queue never holds more than about one entry per pending path. Pending paths plus
/// emitted-but-unread paths are capped; beyond the cap a signal is refused (the caller's next rescan offers it again),
/// which bounds memory when a consumer stalls.
/// </remarks>
public sealed class FileStabilityGate : IDisposable
{
    /// <summary>The default cap on paths held (pending plus emitted and not yet read).</summary>
    public const int DefaultCapacity = 50_000;

    private const int StillLockedWarningAttempts = 5;
    private static readonly TimeSpan MaxLockedBackoff = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    private readonly object sync = new();
    private readonly Dictionary<string, PendingFile> pending = new(StringComparer.Ordinal);
    private readonly PriorityQueue<PendingFile, long> queue = new();
    private readonly Channel<string> output = Channel.CreateUnbounded<string>();
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ITimer timer;
    private readonly long windowTicks;
    private long armedFor = long.MaxValue;
    private int drainRequests;
    private long refused;
    private bool warnedFull;
    private bool disposed;

    /// <param name="window">How long a file must stay unchanged (WorkerOptions.StableWindowSeconds).</param>
    /// <param name="timeProvider">The clock; tests pass a fake one.</param>
    /// <param name="logger">Where refusals, locked files and unreadable files are reported.</param>
    /// <param name="capacity">The most paths held at once (pending plus emitted and not yet read).</param>
    public FileStabilityGate(TimeSpan window, TimeProvider timeProvider, ILogger logger, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Window = window;
        Capacity = capacity;
        time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        windowTicks = ToTimestampTicks(window);
        timer = time.CreateTimer(static state => ((FileStabilityGate)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public TimeSpan Window { get; }

    public int Capacity { get; }

    /// <summary>Paths that have passed the gate, each once per settling.</summary>
    public ChannelReader<string> Output => output.Reader;

    /// <summary>Paths waiting to settle.</summary>
    public int PendingCount
    {
        get
        {
            lock (sync)
            {
                return pending.Count;
            }
        }
    }

    /// <summary>Signals refused because the gate was full, since it was created.</summary>
    public long RefusedCount => Interlocked.Read(ref refused);

    /// <summary>True when an <see cref="Offer"/> of a new path would be accepted now; scans wait on it.</summary>
    public bool HasRoom
    {
        get
        {
            lock (sync)
            {
                return Held < Capacity;
            }
        }
    }

    private int Held => pending.Count + output.Reader.Count;

    /// <summary>
    /// A change signal for a file: (re)starts its window. Returns false, and logs once per full spell, when the gate
    /// is full and the path was not already pending; the path is then dropped until it is offered again.
    /// </summary>
    public bool Offer(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var seen = Stat(path);
        bool accepted, warn = false;
        lock (sync)
        {
            if (disposed)
            {
                return false;
            }

            var due = time.GetTimestamp() + windowTicks;
            if (pending.TryGetValue(path, out var file))
            {
                // Debounce: the queue entry is corrected lazily when its old due time comes up.
                file.Due = due;
                file.Seen = seen;
                file.LockedAttempts = 0;
                file.Version++;
                accepted = true;
            }
            else if (Held >= Capacity)
            {
                refused++;
                warn = !warnedFull;
                warnedFull = true;
                accepted = false;
            }
            else
            {
                warnedFull = false;
                file = new PendingFile(path) { Due = due, Seen = seen };
                pending.Add(path, file);
                queue.Enqueue(file, due);
                ArmLocked(due);
                accepted = true;
            }
        }

        if (warn)
        {
            WatchLog.GateFull(logger, Capacity, path);
        }

        return accepted;
    }

    /// <summary>Stops tracking a path (it was deleted or renamed away).</summary>
    public void Forget(string path)
    {
        lock (sync)
        {
            pending.Remove(path);
        }
    }

    public void Dispose()
    {
        lock (sync)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            pending.Clear();
            queue.Clear();
        }

        timer.Dispose();
        output.Writer.TryComplete();
    }

    /// <summary>Timer callbacks may overlap; one drains while later requests just ask it to go round again.</summary>
    private void OnTimer()
    {
        if (Interlocked.Increment(ref drainRequests) != 1)
        {
            return;
        }

        while (true)
        {
            try
            {
                Drain();
            }
            catch (Exception ex)
            {
                // Never let the one timer die with work pending: report and try again shortly.
                WatchLog.GateCheckFailed(logger, ex.Message, RetryAfterFailure, ex);
                lock (sync)
                {
                    if (!disposed)
                    {
                        // A failed drain may have taken files off the queue; rebuild it from the pending set.
                        queue.Clear();
                        foreach (var file in pending.Values)
                        {
                            queue.Enqueue(file, file.Due);
                        }

                        armedFor = long.MaxValue;
                        ArmLocked(time.GetTimestamp() + ToTimestampTicks(RetryAfterFailure));
                    }
                }
            }

            if (Interlocked.CompareExchange(ref drainRequests, 0, 1) == 1)
            {
                return;
            }

            Volatile.Write(ref drainRequests, 1);
        }
    }

    private void Drain()
    {
        var batch = new List<(PendingFile File, int Version)>();
        lock (sync)
        {
            armedFor = long.MaxValue;
            var now = time.GetTimestamp();
            while (queue.TryPeek(out var file, out var due) && due <= now)
            {
                queue.Dequeue();
                if (!IsCurrent(file))
                {
                    continue;
                }

                if (file.Due > now)
                {
                    queue.Enqueue(file, file.Due);
                    continue;
                }

                batch.Add((file, file.Version));
            }

            if (batch.Count == 0)
            {
                ArmForEarliestLocked();
                return;
            }
        }

        // File system calls happen outside the lock, so signals are never held up by a slow disk.
        var outcomes = new Outcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            outcomes[i] = Check(batch[i].File);
        }

        var logs = new List<Action>();
        lock (sync)
        {
            var now = time.GetTimestamp();
            for (var i = 0; i < batch.Count; i++)
            {
                var (file, version) = batch[i];
                if (!IsCurrent(file))
                {
                    continue;
                }

                if (file.Version != version)
                {
                    // Signalled again while it was being checked: its new window decides.
                    queue.Enqueue(file, file.Due);
                    continue;
                }

                var outcome = outcomes[i];
                switch (outcome.Kind)
                {
                    case OutcomeKind.Vanished:
                        pending.Remove(file.Path);
                        logs.Add(() => WatchLog.FileVanished(logger, file.Path));
                        break;
                    case OutcomeKind.Changed:
                        file.Seen = outcome.Snapshot;
                        file.Due = now + windowTicks;
                        queue.Enqueue(file, file.Due);
                        break;
                    case OutcomeKind.Locked:
                        var attempts = ++file.LockedAttempts;
                        var retryIn = LockedBackoff(attempts);
                        file.Seen = outcome.Snapshot;
                        file.Due = now + ToTimestampTicks(retryIn);
                        queue.Enqueue(file, file.Due);
                        logs.Add(attempts == StillLockedWarningAttempts
                            ? () => WatchLog.FileStillLocked(logger, file.Path, attempts, retryIn)
                            : () => WatchLog.FileLocked(logger, file.Path, retryIn));
                        break;
                    case OutcomeKind.Unreadable:
                        pending.Remove(file.Path);
                        logs.Add(() => WatchLog.FileUnreadable(logger, file.Path, outcome.Reason ?? "access denied"));
                        break;
                    default:
                        pending.Remove(file.Path);
                        output.Writer.TryWrite(file.Path);
                        logs.Add(() => WatchLog.FileStable(logger, file.Path));
                        break;
                }
            }

            ArmForEarliestLocked();
        }

        foreach (var log in logs)
        {
            log();
        }
    }

    private static Outcome Check(PendingFile file)
    {
        var now = Stat(file.Path);
        if (now is null)
        {
            return new Outcome(OutcomeKind.Vanished, null);
        }

        if (now != file.Seen)
        {
            return new Outcome(OutcomeKind.Changed, now);
        }

        try
        {
            // Denying other writers makes a file that someone still holds open for writing (a Windows or Samba copy,
            // or any .NET writer, which takes an advisory lock on Unix) fail here instead of being read half-done.
            using var handle = File.OpenHandle(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return new Outcome(OutcomeKind.Stable, now);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Outcome(OutcomeKind.Vanished, null);
        }
        catch (UnauthorizedAccessException ex)
        {
            return new Outcome(OutcomeKind.Unreadable, now, ex.Message);
        }
        catch (IOException)
        {
            return new Outcome(OutcomeKind.Locked, now);
        }
    }

    /// <summary>Size and mtime, or null when there is no file (gone, or a folder).</summary>
    internal static FileSnapshot? Stat(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileSnapshot(info.Length, info.LastWriteTimeUtc.Ticks) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private TimeSpan LockedBackoff(int attempts)
    {
        // window, 2x, 4x ... up to a minute (or the window itself, if that is longer).
        var ticks = Window.Ticks * Math.Pow(2, Math.Min(attempts - 1, 20));
        var cap = Math.Max(MaxLockedBackoff.Ticks, Window.Ticks);
        return TimeSpan.FromTicks((long)Math.Clamp(ticks, TimeSpan.TicksPerMillisecond, cap));
    }

    private bool IsCurrent(PendingFile file) => pending.TryGetValue(file.Path, out var current) && ReferenceEquals(current, file);

    private void ArmForEarliestLocked()
    {
        if (!disposed && queue.TryPeek(out _, out var due))
        {
            ArmLocked(due);
        }
    }

    private void ArmLocked(long due)
    {
        if (due >= armedFor)
        {
            return;
        }

        armedFor = due;

        // At least a millisecond, so a fake clock never fires the callback inside this lock.
        var delay = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (long)((due - time.GetTimestamp()) * TickScale)));
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private double TickScale => (double)TimeSpan.TicksPerSecond / time.TimestampFrequency;

    private long ToTimestampTicks(TimeSpan span) => (long)(span.Ticks / TickScale);

    private sealed class PendingFile(string path)
    {
        public string Path { get; } = path;

        public long Due { get; set; }

        public FileSnapshot? Seen { get; set; }

        public int LockedAttempts { get; set; }

        public int Version { get; set; }
    }

    private enum OutcomeKind
    {
        Stable,
        Vanished,
        Changed,
        Locked,
        Unreadable,
    }

    [DebuggerDisplay("{Kind}")]
    private readonly record struct Outcome(OutcomeKind Kind, FileSnapshot? Snapshot, string? Reason = null);
}

/// <summary>What "unchanged" is judged by: size and last-write time.</summary>
internal readonly record struct FileSnapshot(long Size, long LastWriteTicks);
