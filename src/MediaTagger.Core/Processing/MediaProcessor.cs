using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.Journal;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.ModelHosts;
using MediaTagger.Core.Scheduling;
using MediaTagger.Core.Sidecars;
using MediaTagger.Core.Stages;
using MediaTagger.Core.Transcripts;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace MediaTagger.Core.Processing;

public enum IngestOutcome
{
    Queued,
    Unchanged,
    Ignored,
    Removed,
}

/// <summary>
/// The worker's spine, shared by `run` and `tag`: ingest a file (fingerprint, kind by content, journal), run
/// batches of pending stage tasks (the <see cref="StageScheduler"/> picks the stage and keeps its model resident),
/// and publish a sidecar once every stage of a file has ended.
/// </summary>
public sealed partial class MediaProcessor
{
    private readonly IJournal journal;
    private readonly MediaTaggerOptions options;
    private readonly StageScheduler scheduler;
    private readonly SidecarWriter sidecars;
    private readonly TranscriptFiles transcripts;
    private readonly StageTextFiles stageTexts;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly string generatorVersion;
    private readonly ResiliencePipeline io;
    private readonly Dictionary<(string Pipeline, MediaKind Kind), string> configHashes = [];

    public MediaProcessor(IJournal journal, MediaTaggerOptions options, StageScheduler scheduler, SidecarWriter sidecars, TimeProvider time, ILogger logger, string generatorVersion)
    {
        this.journal = journal;
        this.options = options;
        this.scheduler = scheduler;
        this.sidecars = sidecars;
        transcripts = new TranscriptFiles(sidecars, options.Outputs);
        stageTexts = new StageTextFiles(sidecars);
        this.time = time;
        this.logger = logger;
        this.generatorVersion = generatorVersion;
        // Transient I/O (a file briefly locked, a share hiccup) is retried in place with backoff.
        io = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<IOException>(ex => ex is not FileNotFoundException and not DirectoryNotFoundException),
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
            })
            .Build();
    }

    public int BatchSize { get; init; } = 32;

    public SidecarWriter Sidecars => sidecars;

    /// <summary>The files stages keep for media files outside their sidecars (keyframes), which go with the media file.</summary>
    public StageContentFiles StageContent { get; init; } = StageContentFiles.None;

    /// <summary>Raised after a sidecar is written: media path, final state, sidecar path.</summary>
    public event Action<string, ItemState, string>? SidecarPublished;

    /// <summary>Records a file for processing, or decides it needs nothing. Never throws for a bad file.</summary>
    public IngestOutcome Ingest(string path, string pipeline)
    {
        var now = time.GetUtcNow();
        var full = Path.GetFullPath(path);
        FileInfo info;
        try
        {
            info = new FileInfo(full);
            if (!info.Exists || info.Attributes.HasFlag(FileAttributes.Directory))
            {
                return MarkRemoved(full, journal.GetItem(full), now) ? IngestOutcome.Removed : IngestOutcome.Ignored;
            }

            _ = info.Length; // a dangling symlink or a loop fails here
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            journal.RecordIgnored(full, new FileFingerprint(0, 0, null), $"cannot stat: {ex.Message}", now);
            return IngestOutcome.Ignored;
        }

        var size = info.Length;
        var mtime = info.LastWriteTimeUtc.Ticks;
        var existing = journal.GetItem(full);
        // Fast path: same size and mtime as a finished item under the same configuration: nothing is read.
        if (existing is not null && existing.Fingerprint.SameStat(size, mtime))
        {
            if (existing.State == ItemState.Ignored)
            {
                return IngestOutcome.Ignored;
            }

            if (existing.IsFinished && existing.ConfigHash == HashFor(existing.Pipeline, existing.Kind))
            {
                // The results are current; only a missing sidecar (deleted, or outputs moved) is written again.
                if (!File.Exists(sidecars.SidecarPath(full)))
                {
                    Publish(existing.Id, finish: false);
                }

                return IngestOutcome.Unchanged;
            }

            if (!existing.IsFinished && existing.State != ItemState.Removed && existing.Pipeline == pipeline)
            {
                return IngestOutcome.Unchanged; // already queued
            }
        }

        // Whatever replaces the item's tasks below (changed, reconfigured, no longer media) also ends the files its
        // stages kept: they are read now, while the journal still has them.
        IReadOnlyList<TaskRecord> previous = existing is not null && StageContent.Any ? journal.TasksOf(existing.Id) : [];
        MediaType type;
        string? sha = null;
        string? note = null;
        var failOnly = false;
        try
        {
            type = io.Execute(() => MediaSniffer.DetectFile(full));
            if (type.Kind == MediaKind.Unknown)
            {
                var claimed = KindFromExtension(full);
                if (claimed == MediaKind.Unknown)
                {
                    journal.RecordIgnored(full, new FileFingerprint(size, mtime, null), "not a supported media file (unknown content)", now);
                    StageContent.Release(full, previous);
                    return IngestOutcome.Ignored;
                }

                // Named like media but not media (empty, random bytes, truncated header): a failed sidecar says why.
                type = new MediaType(claimed, "unknown", "application/octet-stream");
                note = size == 0 ? "the file is empty" : $"the content is not a recognised media format although the extension says {Path.GetExtension(full)}";
                failOnly = true;
            }
            else
            {
                note = MediaSniffer.ExtensionMismatch(type, full);
            }

            sha = io.Execute(() => Sha256(full));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return MarkRemoved(full, existing, now) ? IngestOutcome.Removed : IngestOutcome.Ignored;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable (permissions, a device error): the probe stage records the reason in a failed sidecar.
            type = new MediaType(KindFromExtension(full), "unknown", "application/octet-stream");
            if (type.Kind == MediaKind.Unknown)
            {
                journal.RecordIgnored(full, new FileFingerprint(size, mtime, null), $"cannot be read: {ex.Message}", now);
                StageContent.Release(full, previous);
                return IngestOutcome.Ignored;
            }

            note = $"the file cannot be read: {ex.Message}";
            failOnly = true;
            LogUnreadable(logger, full, ex.Message);
        }

        // A file that is not readable media only runs the probe, whose failure gives the sidecar its reason.
        var stageNames = failOnly ? ["probe"] : Pipeline(pipeline, type.Kind).Select(s => s.Stage).ToArray();
        var result = journal.Ingest(new IngestRequest(full, new FileFingerprint(size, mtime, sha ?? "unreadable"), type.Kind, type.Format, type.Mime,
            pipeline, HashFor(pipeline, type.Kind), stageNames, note), now);
        // (An unreadable file has no content hash; its fingerprint says so, and a changed size or mtime brings it back.)
        if (result.Decision != IngestDecision.Unchanged)
        {
            StageContent.Release(full, previous);
            return IngestOutcome.Queued;
        }

        if (journal.GetItem(result.ItemId) is { IsFinished: true } && !File.Exists(sidecars.SidecarPath(full)))
        {
            Publish(result.ItemId, finish: false);
        }

        return IngestOutcome.Unchanged;
    }

    /// <summary>
    /// Every file under <paramref name="folder"/> that could be media for this worker: the watcher's rules for
    /// temporary names and dot-files, minus this worker's own outputs. For `tag` and scheduled passes.
    /// </summary>
    public IEnumerable<string> FilesUnder(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
        return Directory.EnumerateFiles(folder, "*", options)
            .Where(f => !Watching.PathFilter.IsTemporaryName(Path.GetFileName(f)) && !sidecars.IsOwnOutput(f))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>
    /// A watched file is gone (deleted or renamed away): its pending work is dropped and the sidecar this worker wrote
    /// for it is deleted, so no orphan describes a file that no longer exists, and so are its transcript files (.srt,
    /// .vtt, .txt) and the files its stages kept (a video's keyframes). A renamed file arrives as a new path.
    /// </summary>
    public bool Remove(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return false; // replaced in place: the next stable signal re-ingests it
        }

        var item = journal.GetItem(full);
        var sidecar = item?.SidecarPath;
        if (!MarkRemoved(full, item, time.GetUtcNow()))
        {
            return false;
        }

        // What the sidecar recorded; should the sidecar itself be gone, where the current placement puts them.
        var derived = sidecar is not null && File.Exists(sidecar) ? transcripts.RecordedIn(sidecar)
            : item?.Kind is MediaKind.Audio or MediaKind.Video ? transcripts.PathsFor(full) : [];

        try
        {
            transcripts.Delete(derived);
            if (sidecar is not null && item?.Kind == MediaKind.Image)
            {
                StageTextFiles.Delete(StageTextFiles.RecordedIn(full, sidecar));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogOutputsFailed(logger, full, ex.Message);
        }

        if (sidecar is not null && sidecars.IsOwnOutput(sidecar) && File.Exists(sidecar))
        {
            File.Delete(sidecar);
        }

        return true;
    }

    /// <summary>
    /// At start-up, before any batch: deletes the files stages kept for media files that are gone (deleted or renamed
    /// while the worker was down, or removed without their files being deleted). Returns how many were deleted.
    /// </summary>
    public int SweepStageContent() => StageContent.Sweep(journal);

    /// <summary>The file is gone: the journal marks it removed (its finished results stay for the record) and the files its stages kept go.</summary>
    private bool MarkRemoved(string full, JournalItem? item, DateTimeOffset now)
    {
        if (!journal.MarkRemoved(full, now))
        {
            return false;
        }

        if (item is not null && StageContent.Any)
        {
            StageContent.Release(full, journal.TasksOf(item.Id));
        }

        return true;
    }

    public StageScheduler Scheduler => scheduler;

    /// <summary>Runs one batch of the stage the scheduler picks. Returns tasks processed (0: nothing claimable now).</summary>
    public async Task<int> RunBatchAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var backlog = journal.Backlog(now);
        var next = scheduler.Pick(backlog, now);
        if (next is null)
        {
            scheduler.ReleaseIdle(now);
            scheduler.WriteSnapshot(backlog);
            PublishSidecars();
            return 0;
        }

        var claimed = journal.ClaimTasks(next, BatchSize, now);
        if (claimed.Count == 0)
        {
            return 0;
        }

        IStage stage;
        try
        {
            stage = scheduler.Acquire(next);
            scheduler.WriteSnapshot(backlog);
        }
        catch (Exception ex)
        {
            // The stage cannot run here (model missing or over budget, engine missing, host failed to load): every task
            // says why, nothing is skipped silently. A host that died or hung while loading is a host death like one
            // in a batch: the tasks retry with backoff (and are quarantined if it keeps happening).
            var reason = ex is ModelRefusedException ? ex.Message : $"stage '{next}' is unavailable: {ex.Message}";
            var hostDied = ex is ModelHostException { Transient: true };
            if (hostDied)
            {
                LogBatchFailed(logger, next, claimed.Count, reason);
            }

            foreach (var task in claimed)
            {
                if (hostDied)
                {
                    FailTransient(task, reason, time.GetUtcNow());
                }
                else
                {
                    journal.FailTask(task.TaskId, reason, TaskFailure.Permanent, time.GetUtcNow());
                }
            }

            PublishSidecars();
            return claimed.Count;
        }

        var runnable = new List<ClaimedTask>();
        foreach (var task in claimed)
        {
            if (task.Stage != "probe" && !task.EarlierResults.ContainsKey("probe") && Pipeline(ItemPipeline(task), task.Kind).Any(s => s.Stage == "probe"))
            {
                journal.FailTask(task.TaskId, "not run: the probe stage failed for this file", TaskFailure.Permanent, time.GetUtcNow());
            }
            else
            {
                runnable.Add(task);
            }
        }

        if (runnable.Count > 0)
        {
            await RunStageAsync(stage, runnable, cancellationToken).ConfigureAwait(false);
        }

        scheduler.Completed(next, stage, runnable.Count);
        PublishSidecars();
        return claimed.Count;
    }

    private async Task RunStageAsync(IStage stage, List<ClaimedTask> tasks, CancellationToken cancellationToken)
    {
        var inputs = tasks.Select(t => new StageInput(t.TaskId, t.Path, t.Kind, t.Format,
            t.EarlierResults.ToDictionary(p => p.Key, p => JsonNode.Parse(p.Value)!.AsObject(), StringComparer.Ordinal))).ToArray();
        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<StageOutcome> outcomes;
        try
        {
            outcomes = await stage.RunAsync(inputs, cancellationToken).ConfigureAwait(false);
            if (outcomes.Count != tasks.Count)
            {
                throw new InvalidOperationException($"stage {stage.Name} returned {outcomes.Count} outcomes for {tasks.Count} inputs");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A stage that throws fails its in-flight batch only; each task retries with backoff.
            LogBatchFailed(logger, stage.Name, tasks.Count, ex.Message);
            outcomes = tasks.Select(_ => StageOutcome.Fail($"{stage.Name} failed: {ex.Message}", transient: true)).ToArray();
        }

        var batchMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var now = time.GetUtcNow();
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            var outcome = outcomes[i];
            if (outcome.Success)
            {
                var result = outcome.Result!;
                result["device"] ??= stage.Device;
                result["ms"] ??= Math.Round(batchMs / tasks.Count, 1);
                if (stage.Model is { } model)
                {
                    result["model"] = new JsonObject { ["id"] = model.Id, ["sha256"] = model.Sha256 };
                }

                if (stage.Parameters.Count > 0)
                {
                    result["parameters"] = new JsonObject(stage.Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
                }

                // A vector the stage made goes to the journal's embeddings table, not into the sidecar (StageEmbedding).
                var embedding = StageEmbedding.Take(result);
                journal.CompleteTask(task.TaskId, result.ToJsonString(), now, embedding);
            }
            else if (outcome.Transient)
            {
                FailTransient(task, outcome.Error!, now);
            }
            else
            {
                // What the stage kept of the failed attempt (an LLM's raw answer) goes into the sidecar beside the error.
                journal.FailTask(task.TaskId, outcome.Error!, TaskFailure.Permanent, now, outcome.Result?.ToJsonString());
            }
        }
    }

    /// <summary>A failure the next attempt may not meet: retried with backoff, quarantined after worker:maxAttempts attempts.</summary>
    private void FailTransient(ClaimedTask task, string error, DateTimeOffset now)
    {
        if (task.Attempt < options.Worker.MaxAttempts)
        {
            journal.FailTask(task.TaskId, error, TaskFailure.Retry(now + RetryDelay(task.Attempt)), now);
        }
        else
        {
            journal.FailTask(task.TaskId, $"{error} (quarantined after {task.Attempt} attempts)", TaskFailure.Quarantine, now);
        }
    }

    /// <summary>Writes the sidecar of every file whose stages have all ended. Returns how many were written.</summary>
    public int PublishSidecars() => journal.ItemsAwaitingSidecar().Count(id => Publish(id, finish: true));

    /// <summary>Builds the sidecar from the journal's results and writes it; <paramref name="finish"/> also closes the item.</summary>
    private bool Publish(long itemId, bool finish)
    {
        var item = journal.GetItem(itemId);
        if (item is null)
        {
            return false;
        }

        var tasks = journal.TasksOf(itemId);
        var records = tasks.Select(t => new StageRecord(t.Stage, t.State.ToString().ToLowerInvariant(), t.Attempts,
            t.ResultJson is null ? null : JsonNode.Parse(t.ResultJson)?.AsObject(), t.Error)).ToArray();
        var notes = item.Note is null ? Array.Empty<string>() : [item.Note];
        var input = new SidecarInput(item.Path, item.Fingerprint.Size, new DateTimeOffset(item.Fingerprint.MtimeUtcTicks, TimeSpan.Zero),
            item.Fingerprint.Sha256, new MediaType(item.Kind, item.Format, item.Mime), item.Pipeline, item.ConfigHash, records, notes);
        var document = SidecarDocument.Build(input, generatorVersion, time.GetUtcNow());
        WriteTranscriptFiles(item, document);
        WriteStageTextFiles(item, document);
        try
        {
            var path = io.Execute(() => sidecars.Write(item.Path, document));
            var state = records.Any(r => r.State == "quarantined") ? ItemState.Quarantined
                : SidecarDocument.StatusOf(records) switch { "complete" => ItemState.Complete, "partial" => ItemState.Partial, _ => ItemState.Failed };
            if (finish && !journal.FinishItem(itemId, state, path, time.GetUtcNow()))
            {
                return false;
            }

            SidecarPublished?.Invoke(item.Path, state, path);
            LogSidecar(logger, item.Path, state);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSidecarFailed(logger, item.Path, ex.Message);
            return false;
        }
    }

    /// <summary>
    /// Writes the transcript files before the sidecar that records them, so a sidecar never names a missing file; files
    /// an earlier sidecar recorded and this run did not write (the transcript failed, a format was turned off) go.
    /// A file that cannot be written is logged and left out of the record; the sidecar is still written.
    /// </summary>
    private void WriteTranscriptFiles(JournalItem item, JsonObject document)
    {
        if (item.Kind is not (MediaKind.Audio or MediaKind.Video))
        {
            return; // images have no transcript; their publish reads nothing more
        }

        var previous = transcripts.RecordedIn(sidecars.SidecarPath(item.Path));
        try
        {
            var written = io.Execute(() => transcripts.Write(item.Path, item.Kind, document));
            document["outputs"] = TranscriptFiles.Record(written);
            transcripts.Delete(previous.Except(written.Select(w => w.Value), StringComparer.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogOutputsFailed(logger, item.Path, ex.Message);
        }
    }

    /// <summary>
    /// Writes the text files an image's stages ask for (the booru stage's kohya caption) before the sidecar that
    /// records them; those an earlier sidecar recorded and this run did not write go. A failure is logged and the
    /// sidecar is still written.
    /// </summary>
    private void WriteStageTextFiles(JournalItem item, JsonObject document)
    {
        if (item.Kind != MediaKind.Image)
        {
            return;
        }

        var previous = StageTextFiles.RecordedIn(item.Path, sidecars.SidecarPath(item.Path));
        try
        {
            var written = io.Execute(() => stageTexts.Write(item.Path, item.Kind, document, previous));
            if (written.Count > 0)
            {
                var outputs = document["outputs"] as JsonObject ?? [];
                foreach (var (stage, path) in written)
                {
                    outputs[stage] = Path.GetFileName(path);
                }

                document["outputs"] = outputs;
            }

            StageTextFiles.Delete(previous.Except(written.Select(w => w.Value), StringComparer.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogOutputsFailed(logger, item.Path, ex.Message);
        }
    }

    /// <summary>Runs batches until nothing is left, waiting for scheduled retries. For one-shot `tag` runs.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var processed = await RunBatchAsync(cancellationToken).ConfigureAwait(false);
            if (processed > 0)
            {
                continue;
            }

            var now = time.GetUtcNow();
            var backlog = journal.Backlog(now);
            if (backlog.Any(b => b.Claimable > 0))
            {
                // A retry fell due between the batch's look at the journal and this one: run it, do not stop.
                await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var nextRetry = backlog.Where(b => b.NextRetryAt is not null).Select(b => b.NextRetryAt!.Value).DefaultIfEmpty().Min();
            if (nextRetry == default)
            {
                PublishSidecars();
                return;
            }

            var wait = nextRetry - now;
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(10), time, cancellationToken).ConfigureAwait(false);
        }
    }

    public string HashFor(string pipeline, MediaKind kind)
    {
        lock (configHashes)
        {
            if (!configHashes.TryGetValue((pipeline, kind), out var hash))
            {
                var definition = Pipeline(pipeline, kind);
                hash = ConfigHash.For(pipeline + "/" + kind, definition, s => ModelShaOf(s));
                configHashes[(pipeline, kind)] = hash;
            }

            return hash;
        }
    }

    /// <summary>Model checksums join the config hash, so installing a different model makes sidecars stale.</summary>
    public Func<StageDefinition, string?> ModelShaOf { get; init; } = _ => null;

    private List<StageDefinition> Pipeline(string pipeline, MediaKind kind)
    {
        if (!options.Pipelines.TryGetValue(pipeline, out var p))
        {
            return [];
        }

        return kind switch
        {
            MediaKind.Image => p.Image,
            MediaKind.Audio => p.Audio,
            MediaKind.Video => p.Video,
            _ => [],
        };
    }

    private string ItemPipeline(ClaimedTask task) => journal.GetItem(task.ItemId)?.Pipeline ?? "default";

    private TimeSpan RetryDelay(int attempt)
    {
        var baseSeconds = options.Worker.RetryDelaySeconds * Math.Pow(2, Math.Max(0, attempt - 1));
        return TimeSpan.FromSeconds(baseSeconds * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Only for files whose content is not media: it decides whether they deserve a failed sidecar.</summary>
    private static MediaKind KindFromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" or ".png" or ".webp" or ".gif" or ".bmp" or ".tif" or ".tiff" or ".heic" or ".avif" => MediaKind.Image,
        ".wav" or ".mp3" or ".flac" or ".ogg" or ".opus" or ".m4a" or ".aac" => MediaKind.Audio,
        ".mp4" or ".mkv" or ".webm" or ".mov" => MediaKind.Video,
        _ => MediaKind.Unknown,
    };

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Cannot read {Path} now: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Stage {Stage} failed a batch of {Count}: {Reason}")]
    private static partial void LogBatchFailed(ILogger logger, string stage, int count, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Sidecar written for {Path} ({State})")]
    private static partial void LogSidecar(ILogger logger, string path, ItemState state);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Cannot write the sidecar of {Path}: {Reason}")]
    private static partial void LogSidecarFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Cannot write or remove the transcript files (.srt, .vtt, .txt) of {Path}: {Reason}")]
    private static partial void LogOutputsFailed(ILogger logger, string path, string reason);
}
