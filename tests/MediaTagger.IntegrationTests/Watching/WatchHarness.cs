using System.Collections.Concurrent;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.Watching;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Watching;

/// <summary>A FileSystemWatcher whose failures a test can cause, as the kernel or runtime would.</summary>
public sealed class FailingWatcher(string path) : FileSystemWatcher(path)
{
    public void Fail(Exception error) => OnError(new ErrorEventArgs(error));
}

/// <summary>
/// A real temporary folder watched by a real <see cref="FolderWatcher"/> on the real clock; every signal is recorded
/// with the time it was read and the file's size at that moment, which is what a consumer would have seen.
/// </summary>
public sealed class WatchHarness : IAsyncDisposable
{
    /// <summary>The runtime's own wording when the watch limit is hit (FileSystemWatcher.Linux.cs).</summary>
    public const string WatchLimitMessage =
        "The configured user limit (8192) on the number of inotify watches has been reached, or the operating system failed to allocate a required resource.";

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ConcurrentQueue<Seen> seen = new();
    private readonly ConcurrentQueue<FailingWatcher> created = new();
    private readonly string parent;
    private Task collector = Task.CompletedTask;

    static WatchHarness()
    {
        // The test host blocks pool threads of its own; on a 2-core machine that starves the pool, and the tests'
        // own writers then stall for up to a second waiting for thread injection. The watcher needs no extra threads.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
    }

    private WatchHarness(WatchEntry entry, WorkerOptions worker, Func<string, bool> isOwnOutput, Func<string, FileSystemWatcher>? createWatcher)
    {
        parent = Directory.CreateTempSubdirectory("mt-watch-").FullName;
        Root = Path.Combine(parent, "inbox");
        Outside = Path.Combine(parent, "elsewhere");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        entry.Path = Root;
        Entry = entry;
        Window = TimeSpan.FromSeconds(worker.StableWindowSeconds);
        Watcher = new FolderWatcher(entry, worker, isOwnOutput, TimeProvider.System, Log, createWatcher ?? (root =>
        {
            var w = new FailingWatcher(root);
            created.Enqueue(w);
            return w;
        }));
    }

    public sealed record Seen(WatchSignalKind Kind, string Path, DateTimeOffset At, long SizeThen);

    public string Root { get; }

    /// <summary>A folder beside the root, for files and folders to be moved in from.</summary>
    public string Outside { get; }

    public WatchEntry Entry { get; }

    public TimeSpan Window { get; }

    public FolderWatcher Watcher { get; }

    public RecordingLogger<FolderWatcher> Log { get; } = new();

    public IReadOnlyList<FailingWatcher> Created => [.. created];

    public IReadOnlyList<Seen> Signals => [.. seen];

    public IEnumerable<string> Stable => Signals.Where(s => s.Kind == WatchSignalKind.Stable).Select(s => s.Path);

    public IEnumerable<string> Removed => Signals.Where(s => s.Kind == WatchSignalKind.Removed).Select(s => s.Path);

    public static async Task<WatchHarness> StartAsync(
        Action<WatchEntry>? configure = null,
        double windowSeconds = 0.3,
        Func<string, bool>? isOwnOutput = null,
        Func<string, FileSystemWatcher>? createWatcher = null,
        Action<string>? beforeStart = null,
        double rescanSeconds = 3600)
    {
        var entry = new WatchEntry { PollIntervalSeconds = 0.2 };
        configure?.Invoke(entry);

        // Periodic rescans are off (an hour) unless a test asks, so whatever is found was found by events, a folder
        // scan or a restart.
        var worker = new WorkerOptions { StableWindowSeconds = windowSeconds, RescanIntervalSeconds = rescanSeconds };
        var harness = new WatchHarness(entry, worker, isOwnOutput ?? (_ => false), createWatcher);
        beforeStart?.Invoke(harness.Root);
        harness.Watcher.Start();
        harness.collector = Task.Run(harness.CollectAsync);
        await harness.UntilAsync(() => harness.Watcher.GetStatus().LastScanAt is not null, "the initial scan to finish");
        return harness;
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes a file in one go and returns its full path.</summary>
    public string Write(string relative, int bytes = 1024)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    public async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Patience;
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > limit)
            {
                var last = string.Join(", ", Signals.TakeLast(20).Select(s => $"{s.Kind} {System.IO.Path.GetRelativePath(Root, s.Path)}"));
                throw new TimeoutException($"Waited {limit} for {what}. {Signals.Count} signals; last: {last}");
            }

            await Task.Delay(20);
        }
    }

    public Task UntilStableAsync(params string[] paths) =>
        UntilAsync(() => paths.All(p => Stable.Contains(p)), $"{string.Join(", ", paths.Select(p => System.IO.Path.GetFileName(p)))} to settle");

    /// <summary>Long enough that anything already signalled to the watcher has come out.</summary>
    public Task QuietPeriodAsync() => Task.Delay(Window * 3 + TimeSpan.FromMilliseconds(500));

    public async ValueTask DisposeAsync()
    {
        await Watcher.DisposeAsync();
        await collector;
        Directory.Delete(parent, recursive: true);
    }

    private async Task CollectAsync()
    {
        await foreach (var signal in Watcher.Signals.ReadAllAsync())
        {
            var at = TimeProvider.System.GetUtcNow();
            long size = -1;
            try
            {
                var info = new FileInfo(signal.Path);
                size = info.Exists ? info.Length : -1;
            }
            catch (IOException)
            {
                // Gone already.
            }

            seen.Enqueue(new Seen(signal.Kind, signal.Path, at, size));
        }
    }
}
