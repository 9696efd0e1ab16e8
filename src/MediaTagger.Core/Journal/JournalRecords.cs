using MediaTagger.Core.MediaFiles;

namespace MediaTagger.Core.Journal;

/// <summary>
/// What identifies a file's content. Size and mtime are the cheap check; the SHA-256 is computed only when they
/// change, so it is null where nobody needed it yet (an ignored file).
/// </summary>
public sealed record FileFingerprint(long Size, long MtimeUtcTicks, string? Sha256)
{
    /// <summary>True when size and mtime match: the caller may skip hashing the file again.</summary>
    public bool SameStat(long size, long mtimeUtcTicks) => Size == size && MtimeUtcTicks == mtimeUtcTicks;
}

/// <summary>A supported media file to process with <paramref name="Stages"/>, in order.</summary>
/// <param name="Fingerprint">Must carry the SHA-256: it decides Changed versus Unchanged.</param>
/// <param name="ConfigHash">Hash of everything that changes the output (stage parameters, model hashes).</param>
public sealed record IngestRequest(
    string Path,
    FileFingerprint Fingerprint,
    MediaKind Kind,
    string Format,
    string Mime,
    string Pipeline,
    string ConfigHash,
    IReadOnlyList<string> Stages,
    string? Note = null);

public sealed record IngestResult(IngestDecision Decision, long ItemId, int TasksCreated);

/// <summary>A file the journal knows, as of the last ingest.</summary>
/// <param name="SidecarPath">Where the sidecar was written, once the item finished.</param>
public sealed record JournalItem(
    long Id,
    string Path,
    FileFingerprint Fingerprint,
    MediaKind Kind,
    string Format,
    string Mime,
    string Pipeline,
    string ConfigHash,
    ItemState State,
    string? Note,
    string? SidecarPath,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt)
{
    /// <summary>Nothing more will happen to it unless the file changes (or it is removed).</summary>
    public bool IsFinished => !State.IsUnfinished() && State != ItemState.Removed;
}

/// <summary>Claimable work for one stage, for the scheduler's pending-work x age choice.</summary>
/// <param name="Claimable">Tasks <see cref="IJournal.ClaimTasks"/> would hand out now.</param>
/// <param name="OldestClaimableAt">Enqueue time of the oldest claimable task; null when none is claimable.</param>
/// <param name="Waiting">Pending tasks not claimable yet: an earlier stage of the item is unfinished, or a retry is not due.</param>
/// <param name="NextRetryAt">The earliest retry time still in the future, so a scheduler knows when to look again.</param>
public sealed record StageBacklog(
    string Stage,
    int Claimable,
    DateTimeOffset? OldestClaimableAt,
    int Waiting,
    DateTimeOffset? NextRetryAt);

/// <summary>A task handed to a stage: now Running, with its attempt number (1 on the first run).</summary>
/// <param name="EarlierResults">Result JSON of this item's earlier stages that succeeded, by stage name.</param>
public sealed record ClaimedTask(
    long TaskId,
    long ItemId,
    string Path,
    MediaKind Kind,
    string Format,
    string Stage,
    int Attempt,
    IReadOnlyDictionary<string, string> EarlierResults);

/// <summary>One stage of one item, as stored.</summary>
/// <param name="Order">Position of the stage in the item's pipeline, from 0.</param>
/// <param name="Error">The last failure's message; kept even after a later attempt succeeded.</param>
public sealed record TaskRecord(
    long TaskId,
    long ItemId,
    string Stage,
    int Order,
    TaskState State,
    int Attempts,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset NotBefore,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? ResultJson,
    string? Error);

/// <summary>One stored stage result, with the path and state of the item it belongs to.</summary>
public sealed record StageResultRecord(long ItemId, string Path, ItemState ItemState, string ResultJson);

/// <summary>Interruptions found at start-up: tasks that were running when the process stopped.</summary>
/// <param name="Requeued">Back to Pending; they run again.</param>
/// <param name="Quarantined">Already interrupted as often as attempts allow: the file probably crashes the worker.</param>
public sealed record RecoveryResult(int Requeued, int Quarantined)
{
    public int Total => Requeued + Quarantined;
}

/// <summary>What one run (a watch session, a one-shot tag, a scheduled pass) did.</summary>
public sealed record RunCounts(
    int FilesSeen = 0,
    int Ingested = 0,
    int Unchanged = 0,
    int Ignored = 0,
    int Removed = 0,
    int TasksDone = 0,
    int TasksFailed = 0,
    int SidecarsWritten = 0);

public sealed record RunRecord(long Id, string Mode, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, RunCounts? Counts);

/// <summary>A model host loaded or unloaded a model; load time and measured footprint feed the scheduler's budget.</summary>
public sealed record ModelEvent(
    ModelEventKind Kind,
    string ModelId,
    string Device,
    DateTimeOffset At,
    long? LoadMs = null,
    long? FootprintBytes = null,
    string? Note = null);

/// <summary>Swap accounting per model and device.</summary>
public sealed record ModelUsage(
    string ModelId,
    string Device,
    int Loads,
    int Unloads,
    long TotalLoadMs,
    long? LastFootprintBytes,
    DateTimeOffset LastEventAt);

/// <summary>One failed attempt, as the status report lists it.</summary>
/// <param name="Attempt">The attempt that failed (1 = first run).</param>
public sealed record JournalError(string Path, string Stage, string Error, int Attempt, TaskFailureMode Outcome, DateTimeOffset At);

public sealed record StageTaskCounts(string Stage, int Pending, int Running, int Done, int Failed, int Quarantined)
{
    public int Total => Pending + Running + Done + Failed + Quarantined;
}

/// <summary>The journal at a glance, for `mediatagger status`.</summary>
/// <param name="Items">Item count for every state (zero included).</param>
/// <param name="RecentErrors">Newest first.</param>
/// <param name="RecentRuns">Newest first.</param>
/// <param name="RecentModelEvents">Newest first.</param>
public sealed record JournalStatus(
    IReadOnlyList<StageTaskCounts> Stages,
    IReadOnlyDictionary<ItemState, int> Items,
    IReadOnlyList<JournalError> RecentErrors,
    IReadOnlyList<RunRecord> RecentRuns,
    IReadOnlyList<ModelUsage> Models,
    IReadOnlyList<ModelEvent> RecentModelEvents);
