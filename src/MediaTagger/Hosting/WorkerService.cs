using System.Threading.Channels;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.Journal;
using MediaTagger.Core.Processing;
using MediaTagger.Core.Watching;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Hosting;

/// <summary>
/// The `run` worker, kept thin: watchers and schedules feed one bounded channel of paths; one loop ingests them and
/// runs stage batches. On SIGTERM the in-flight batch finishes (or is abandoned at the shutdown deadline, its tasks
/// resuming on the next start from the journal).
/// </summary>
internal sealed partial class WorkerService : BackgroundService
{
    private readonly MediaProcessor processor;
    private readonly IJournal journal;
    private readonly MediaTaggerOptions options;
    private readonly WorkerPaths paths;
    private readonly TimeProvider time;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;
    private readonly Channel<WorkItem> inbox = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.Wait });
    private readonly List<FolderWatcher> watchers = [];

    public WorkerService(MediaProcessor processor, IJournal journal, MediaTaggerOptions options, WorkerPaths paths, TimeProvider time, ILoggerFactory loggers)
    {
        this.processor = processor;
        this.journal = journal;
        this.options = options;
        this.paths = paths;
        this.time = time;
        this.loggers = loggers;
        logger = loggers.CreateLogger<WorkerService>();
    }

    private sealed record WorkItem(string Path, string Pipeline, bool Removed);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recovered = journal.RecoverInterrupted(time.GetUtcNow(), options.Worker.MaxAttempts);
        // Files deleted while the worker was down leave what their stages kept (keyframes): it goes before any batch runs.
        processor.SweepStageContent();
        LogStarted(logger, options.Watch.Count, recovered.Requeued, recovered.Quarantined);
        var runId = journal.StartRun("run", time.GetUtcNow());
        var counts = new Counts();
        try
        {
            foreach (var entry in options.Watch)
            {
                var watcher = CreateWatcher(entry);
                watchers.Add(watcher);
                _ = PumpAsync(watcher, entry, stoppingToken);
            }

            _ = SchedulesAsync(stoppingToken);
            await ProcessAsync(counts, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var watcher in watchers)
            {
                await watcher.DisposeAsync().ConfigureAwait(false);
            }

            journal.FinishRun(runId, new RunCounts(FilesSeen: counts.Seen, Ingested: counts.Queued, Unchanged: counts.Unchanged, Ignored: counts.Ignored, Removed: counts.Removed), time.GetUtcNow());
            LogStopped(logger);
        }
    }

    private sealed class Counts
    {
        public int Seen;
        public int Queued;
        public int Unchanged;
        public int Ignored;
        public int Removed;
    }

    private async Task ProcessAsync(Counts counts, CancellationToken stoppingToken)
    {
        // Batches are not cancelled by the stop signal itself: they get until the shutdown deadline to finish.
        using var hardStop = new CancellationTokenSource();
        await using var onStop = stoppingToken.Register(() => hardStop.CancelAfter(TimeSpan.FromSeconds(options.Worker.ShutdownSeconds)));
        while (!stoppingToken.IsCancellationRequested)
        {
            while (inbox.Reader.TryRead(out var item))
            {
                counts.Seen++;
                var outcome = item.Removed
                    ? (processor.Remove(item.Path) ? IngestOutcome.Removed : IngestOutcome.Ignored)
                    : processor.Ingest(item.Path, item.Pipeline);
                switch (outcome)
                {
                    case IngestOutcome.Queued: counts.Queued++; break;
                    case IngestOutcome.Unchanged: counts.Unchanged++; break;
                    case IngestOutcome.Removed: counts.Removed++; break;
                    default: counts.Ignored++; break;
                }
            }

            int processed;
            try
            {
                processed = await processor.RunBatchAsync(hardStop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
            {
                LogAbandoned(logger, options.Worker.ShutdownSeconds);
                return;
            }

            if (processed == 0)
            {
                // Idle: wake on the next path, or after a second for due retries.
                try
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    idle.CancelAfter(TimeSpan.FromSeconds(1));
                    await inbox.Reader.WaitToReadAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    private FolderWatcher CreateWatcher(WatchEntry entry)
    {
        // Relative watch paths are relative to pipelines.json, not to wherever the worker was started.
        var absolute = new WatchEntry
        {
            Path = Path.GetFullPath(entry.Path, paths.BaseDirectory),
            Recursive = entry.Recursive,
            Include = entry.Include,
            Exclude = entry.Exclude,
            Pipeline = entry.Pipeline,
            Polling = entry.Polling,
            PollIntervalSeconds = entry.PollIntervalSeconds,
        };
        var watcher = new FolderWatcher(absolute, options.Worker, processor.Sidecars.IsOwnOutput, time, loggers.CreateLogger<FolderWatcher>());
        watcher.Start();
        return watcher;
    }

    private async Task PumpAsync(FolderWatcher watcher, WatchEntry entry, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var signal in watcher.Signals.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await inbox.Writer.WriteAsync(new WorkItem(signal.Path, entry.Pipeline, signal.Kind == WatchSignalKind.Removed), stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SchedulesAsync(CancellationToken stoppingToken)
    {
        var schedules = options.Schedules
            .Select(s => (Entry: s, Cron: CronSchedule.TryParse(s.Cron, out var c, out _) ? c! : null))
            .Where(s => s.Cron is not null)
            .ToArray();
        if (schedules.Length == 0)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var next = schedules.Select(s => (s.Entry, At: s.Cron!.Next(now))).Where(s => s.At is not null).OrderBy(s => s.At).First();
                await Task.Delay(next.At!.Value - now, time, stoppingToken).ConfigureAwait(false);
                LogScheduled(logger, next.Entry.Name, next.Entry.Paths.Count);
                foreach (var folder in next.Entry.Paths)
                {
                    var root = Path.GetFullPath(folder, paths.BaseDirectory);
                    foreach (var file in processor.FilesUnder(root))
                    {
                        await inbox.Writer.WriteAsync(new WorkItem(file, next.Entry.Pipeline, false), stoppingToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Worker started: {Roots} watched folder(s); {Requeued} interrupted task(s) resumed, {Quarantined} quarantined")]
    private static partial void LogStarted(ILogger logger, int roots, int requeued, int quarantined);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Worker stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Shutdown deadline ({Seconds} s) reached: the in-flight batch was abandoned and resumes on the next start")]
    private static partial void LogAbandoned(ILogger logger, double seconds);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Schedule {Name} started a pass over {Folders} folder(s)")]
    private static partial void LogScheduled(ILogger logger, string name, int folders);
}
