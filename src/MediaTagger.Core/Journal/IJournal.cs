namespace MediaTagger.Core.Journal;

/// <summary>
/// The durable record of every file and of each stage's work on it: what is pending, what ran, what failed and why.
/// It is what lets the worker stop at any moment (even by kill -9) and resume each pending task exactly once.
/// Callers pass the time of each change (from their TimeProvider), so tests and schedules run on a fake clock.
/// Every method is safe to call from several threads; each change is atomic.
/// </summary>
public interface IJournal : IDisposable
{
    /// <summary>The cheap first check: compare size and mtime with <see cref="JournalItem.Fingerprint"/> before hashing.</summary>
    JournalItem? GetItem(string path);

    JournalItem? GetItem(long itemId);

    /// <summary>
    /// Records a supported file and decides what to do with it (see <see cref="IngestDecision"/>). New, Changed and
    /// Reconfigured replace the item's tasks with one Pending task per stage and forget the previous result.
    /// </summary>
    IngestResult Ingest(IngestRequest request, DateTimeOffset now);

    /// <summary>Records an unsupported file as Ignored with the reason, dropping any tasks it had.</summary>
    long RecordIgnored(string path, FileFingerprint fingerprint, string reason, DateTimeOffset now);

    /// <summary>The file is gone: its unfinished tasks are dropped and the item becomes Removed. False when unknown.</summary>
    bool MarkRemoved(string path, DateTimeOffset now);

    /// <summary>Per stage with pending tasks: how many are claimable now and how old the oldest is.</summary>
    IReadOnlyList<StageBacklog> Backlog(DateTimeOffset now);

    /// <summary>
    /// Atomically moves up to <paramref name="max"/> claimable tasks of <paramref name="stage"/> to Running, oldest
    /// first, counting an attempt each. Claimable: Pending, due, and every earlier stage of the item terminal.
    /// No task is ever handed to two callers.
    /// </summary>
    IReadOnlyList<ClaimedTask> ClaimTasks(string stage, int max, DateTimeOffset now);

    /// <summary>Stores the result of a Running task. False when the task is no longer running (the file changed or
    /// was removed meanwhile): the result is stale and was dropped. An <paramref name="embedding"/> the stage made is
    /// stored with it in the same transaction, replacing the file's earlier one from that stage.</summary>
    bool CompleteTask(long taskId, string resultJson, DateTimeOffset now, Stages.StageEmbedding? embedding = null);

    /// <summary>Every stored embedding of a live file (of <paramref name="model"/> when given), with the file's path.</summary>
    IReadOnlyList<Stages.StoredEmbedding> Embeddings(string? model = null);

    /// <summary>
    /// Records a failure of a Running task and retries, fails or quarantines it. <paramref name="detailsJson"/> is
    /// what the stage kept of the failed attempt (an LLM's raw answer), shown in the sidecar beside the error; it
    /// never counts as a result for later stages. False when the task is no longer running.
    /// </summary>
    bool FailTask(long taskId, string error, TaskFailure failure, DateTimeOffset now, string? detailsJson = null);

    /// <summary>Unfinished items whose tasks are all terminal: their sidecar can be written.</summary>
    IReadOnlyList<long> ItemsAwaitingSidecar();

    /// <summary>The item's tasks in stage order.</summary>
    IReadOnlyList<TaskRecord> TasksOf(long itemId);

    /// <summary>
    /// Every stored result of <paramref name="stage"/> (tasks Done) with its item's path and state, removed items
    /// included: what a start-up sweep compares the files a stage keeps with.
    /// </summary>
    IReadOnlyList<StageResultRecord> ResultsOf(string stage);

    /// <summary>
    /// Marks an item finished after its sidecar was written. <paramref name="state"/> is Complete, Partial, Failed or
    /// Quarantined. False when the item has unfinished tasks again (it changed meanwhile) or is already finished.
    /// </summary>
    bool FinishItem(long itemId, ItemState state, string sidecarPath, DateTimeOffset now);

    /// <summary>
    /// At start-up, before any claim: tasks left Running by a process that died go back to Pending and run again.
    /// Attempts stay counted, so a task already at <paramref name="maxAttempts"/> is quarantined instead: a file that
    /// crashes the worker every time cannot keep it in a crash loop.
    /// </summary>
    RecoveryResult RecoverInterrupted(DateTimeOffset now, int maxAttempts = int.MaxValue);

    long StartRun(string mode, DateTimeOffset now);

    void FinishRun(long runId, RunCounts counts, DateTimeOffset now);

    void RecordModelEvent(ModelEvent modelEvent);

    /// <summary>The footprint measured the last time this model was loaded on this device, if ever.</summary>
    long? MeasuredFootprintBytes(string modelId, string device);

    /// <summary>Counts per stage and state, items per state, and the newest errors, runs and model events.</summary>
    JournalStatus GetStatus(int recentErrors = 20, int recentRuns = 10, int recentModelEvents = 20);
}
