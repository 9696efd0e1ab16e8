using System.Globalization;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Core.Journal;

/// <summary>
/// The embedded journal: one SQLite file.
/// <para>
/// Durability: WAL with synchronous=NORMAL. A commit is in the WAL file (at least in the OS page cache) before
/// Commit returns, so killing the process at any moment loses nothing committed and cannot corrupt the file; an
/// interrupted transaction is rolled back on the next open. Only a power cut or kernel crash may lose the last few
/// commits (still no corruption), which costs re-running those tasks; FULL would pay an fsync per commit for that.
/// </para>
/// <para>
/// Concurrency: one connection, serialised by a lock. SQLite has a single writer anyway, and the lock keeps each
/// operation atomic within the process. Multi-statement changes run in BEGIN IMMEDIATE transactions with a busy
/// timeout, so another process on the same file (a status command, a second instance) waits instead of interleaving.
/// </para>
/// </summary>
public sealed partial class SqliteJournal : IJournal
{
    private const string ItemColumns =
        "id, path, size, mtime_ticks, sha256, kind, format, mime, pipeline, config_hash, state, note, sidecar_path, updated_at, finished_at";

    private const string TaskColumns =
        "id, item_id, stage, ordinal, state, attempts, enqueued_at, not_before, started_at, finished_at, result_json, error";

    // A task may start when every earlier stage of its item is terminal: later stages read earlier results.
    private const string EarlierStagesSettled =
        "NOT EXISTS (SELECT 1 FROM tasks p WHERE p.item_id = t.item_id AND p.ordinal < t.ordinal AND p.state IN ('pending', 'running'))";

    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private bool _disposed;

    /// <summary>Opens (or creates) the journal at <paramref name="path"/> and brings its schema up to date.</summary>
    /// <param name="busyTimeout">How long to wait for another process holding the write lock (default 10 s).</param>
    /// <exception cref="JournalException">The file is not a journal, is from a newer build, or cannot be opened.</exception>
    public SqliteJournal(string path, ILogger? logger = null, TimeSpan? busyTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SystemSqlite.EnsureInitialized();
        _logger = logger ?? NullLogger.Instance;
        Path = System.IO.Path.GetFullPath(path);
        var timeout = busyTimeout ?? TimeSpan.FromSeconds(10);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // No pooling: Dispose must really close the file (checkpointing the WAL and releasing it for deletion).
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(timeout.TotalSeconds),
        }.ToString();
        _db = new SqliteConnection(connectionString);
        try
        {
            _db.Open();
            Execute(null, "PRAGMA busy_timeout = " + ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            var mode = Scalar<string>(null, "PRAGMA journal_mode = WAL");
            if (string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                Execute(null, "PRAGMA synchronous = NORMAL");
            }
            else
            {
                // Without WAL, NORMAL can corrupt on power loss; FULL keeps the same guarantees, only slower.
                JournalLog.NoWal(_logger, Path, mode);
                Execute(null, "PRAGMA synchronous = FULL");
            }

            Execute(null, "PRAGMA foreign_keys = ON");
            var version = Migrate();
            JournalLog.Opened(_logger, Path, version, mode);
        }
        catch (SqliteException e)
        {
            _db.Dispose();
            throw new JournalException($"Cannot open journal {Path}: {e.Message}", e);
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    /// <summary>The journal file (absolute).</summary>
    public string Path { get; }

    public JournalItem? GetItem(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Locked("read", () => ReadItem(null, "path = $path", ("$path", path)));
    }

    public JournalItem? GetItem(long itemId) => Locked("read", () => ReadItem(null, "id = $id", ("$id", itemId)));

    public IngestResult Ingest(IngestRequest request, DateTimeOffset now)
    {
        ValidateIngest(request);
        var result = Locked("ingest", () =>
        {
            using var tx = _db.BeginTransaction();
            long? id = null;
            var decision = IngestDecision.New;
            using (var find = Command(tx, "SELECT id, sha256, pipeline, config_hash, state FROM items WHERE path = $path", ("$path", request.Path)))
            using (var row = find.ExecuteReader())
            {
                if (row.Read())
                {
                    id = row.GetInt64(0);
                    var state = DbText.ToItemState(row.GetString(4));
                    decision =
                        state is ItemState.Ignored or ItemState.Removed ? IngestDecision.New
                        : !string.Equals(Text(row, 1), request.Fingerprint.Sha256, StringComparison.OrdinalIgnoreCase) ? IngestDecision.Changed
                        : !string.Equals(row.GetString(2), request.Pipeline, StringComparison.Ordinal)
                          || !string.Equals(row.GetString(3), request.ConfigHash, StringComparison.Ordinal) ? IngestDecision.Reconfigured
                        : IngestDecision.Unchanged;
                }
            }

            if (decision == IngestDecision.Unchanged)
            {
                Execute(tx, "UPDATE items SET size = $size, mtime_ticks = $mtime, updated_at = $now WHERE id = $id",
                    ("$size", request.Fingerprint.Size), ("$mtime", request.Fingerprint.MtimeUtcTicks), ("$now", now.UtcTicks), ("$id", id));
                tx.Commit();
                return new IngestResult(decision, id!.Value, 0);
            }

            ReadOnlySpan<(string, object?)> values =
            [
                ("$path", request.Path), ("$size", request.Fingerprint.Size), ("$mtime", request.Fingerprint.MtimeUtcTicks),
                ("$sha", request.Fingerprint.Sha256), ("$kind", DbText.Of(request.Kind)), ("$format", request.Format),
                ("$mime", request.Mime), ("$pipeline", request.Pipeline), ("$config", request.ConfigHash),
                ("$note", request.Note), ("$now", now.UtcTicks),
            ];
            if (id is null)
            {
                id = Scalar<long>(tx,
                    """
                    INSERT INTO items (path, size, mtime_ticks, sha256, kind, format, mime, pipeline, config_hash, state, note,
                                       created_at, updated_at)
                    VALUES ($path, $size, $mtime, $sha, $kind, $format, $mime, $pipeline, $config, 'pending', $note, $now, $now)
                    RETURNING id
                    """, values);
            }
            else
            {
                // The previous result (sidecar, tasks) describes other content or other settings: forget it.
                Execute(tx,
                    """
                    UPDATE items SET size = $size, mtime_ticks = $mtime, sha256 = $sha, kind = $kind, format = $format,
                        mime = $mime, pipeline = $pipeline, config_hash = $config, state = 'pending', note = $note,
                        sidecar_path = NULL, updated_at = $now, finished_at = NULL
                    WHERE path = $path
                    """, values);
                Execute(tx, "DELETE FROM tasks WHERE item_id = $id", ("$id", id));
                Execute(tx, "DELETE FROM embeddings WHERE item_id = $id", ("$id", id));
            }

            using var insert = Command(tx,
                """
                INSERT INTO tasks (item_id, ordinal, stage, state, attempts, enqueued_at, not_before)
                VALUES ($item, $ordinal, $stage, 'pending', 0, $now, $now)
                """,
                ("$item", id), ("$ordinal", 0), ("$stage", ""), ("$now", now.UtcTicks));
            for (var i = 0; i < request.Stages.Count; i++)
            {
                insert.Parameters["$ordinal"].Value = i;
                insert.Parameters["$stage"].Value = request.Stages[i];
                insert.ExecuteNonQuery();
            }

            tx.Commit();
            return new IngestResult(decision, id.Value, request.Stages.Count);
        });
        JournalLog.Ingested(_logger, request.Path, result.Decision, result.TasksCreated);
        return result;
    }

    public long RecordIgnored(string path, FileFingerprint fingerprint, string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var id = Locked("record an ignored file", () =>
        {
            using var tx = _db.BeginTransaction();
            var itemId = Scalar<long>(tx,
                """
                INSERT INTO items (path, size, mtime_ticks, sha256, kind, format, mime, pipeline, config_hash, state, note,
                                   created_at, updated_at, finished_at)
                VALUES ($path, $size, $mtime, $sha, $kind, $format, $mime, '', '', 'ignored', $note, $now, $now, $now)
                ON CONFLICT (path) DO UPDATE SET
                    size = excluded.size, mtime_ticks = excluded.mtime_ticks, sha256 = excluded.sha256,
                    kind = excluded.kind, format = excluded.format, mime = excluded.mime, pipeline = '', config_hash = '',
                    state = 'ignored', note = excluded.note, sidecar_path = NULL, updated_at = excluded.updated_at,
                    finished_at = excluded.finished_at
                RETURNING id
                """,
                ("$path", path), ("$size", fingerprint.Size), ("$mtime", fingerprint.MtimeUtcTicks), ("$sha", fingerprint.Sha256),
                ("$kind", DbText.Of(MediaKind.Unknown)), ("$format", MediaType.Unknown.Format), ("$mime", MediaType.Unknown.Mime),
                ("$note", reason), ("$now", now.UtcTicks));
            Execute(tx, "DELETE FROM tasks WHERE item_id = $id", ("$id", itemId));
            Execute(tx, "DELETE FROM embeddings WHERE item_id = $id", ("$id", itemId));
            tx.Commit();
            return itemId;
        });
        JournalLog.Ignored(_logger, path, reason);
        return id;
    }

    public bool MarkRemoved(string path, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var dropped = Locked("mark a file removed", () =>
        {
            using var tx = _db.BeginTransaction();
            var id = ScalarOrNull(tx, "SELECT id FROM items WHERE path = $path AND state <> 'removed'", ("$path", path));
            if (id is not long itemId)
            {
                return -1;
            }

            // Finished tasks stay for the record; unfinished ones would only produce results for a file that is gone.
            var count = Execute(tx, "DELETE FROM tasks WHERE item_id = $id AND state IN ('pending', 'running')", ("$id", itemId));
            Execute(tx, "UPDATE items SET state = 'removed', updated_at = $now WHERE id = $id", ("$id", itemId), ("$now", now.UtcTicks));
            Execute(tx, "DELETE FROM embeddings WHERE item_id = $id", ("$id", itemId));
            tx.Commit();
            return count;
        });
        if (dropped < 0)
        {
            return false;
        }

        JournalLog.Removed(_logger, path, dropped);
        return true;
    }

    public IReadOnlyList<StageBacklog> Backlog(DateTimeOffset now) => Locked("read the backlog", () =>
    {
        using var cmd = Command(null,
            $"""
            SELECT stage, SUM(ready), MIN(CASE WHEN ready THEN enqueued_at END), COUNT(*),
                   MIN(CASE WHEN not_before > $now THEN not_before END)
            FROM (SELECT t.stage, t.enqueued_at, t.not_before, (t.not_before <= $now AND {EarlierStagesSettled}) AS ready
                  FROM tasks t WHERE t.state = 'pending')
            GROUP BY stage
            ORDER BY stage
            """,
            ("$now", now.UtcTicks));
        using var row = cmd.ExecuteReader();
        var backlog = new List<StageBacklog>();
        while (row.Read())
        {
            var claimable = row.GetInt32(1);
            backlog.Add(new StageBacklog(row.GetString(0), claimable, Time(row, 2), row.GetInt32(3) - claimable, Time(row, 4)));
        }

        return (IReadOnlyList<StageBacklog>)backlog;
    });

    public IReadOnlyList<ClaimedTask> ClaimTasks(string stage, int max, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(stage);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (max == 0)
        {
            return [];
        }

        var claimed = Locked("claim tasks", () =>
        {
            // BEGIN IMMEDIATE takes the write lock before the select, so no other connection can claim the same rows.
            using var tx = _db.BeginTransaction();
            var found = new List<(long Task, long Item, int Ordinal, int Attempts, string Path, MediaKind Kind, string Format)>();
            using (var select = Command(tx,
                $"""
                SELECT t.id, t.item_id, t.ordinal, t.attempts, i.path, i.kind, i.format
                FROM tasks t JOIN items i ON i.id = t.item_id
                WHERE t.stage = $stage AND t.state = 'pending' AND t.not_before <= $now AND {EarlierStagesSettled}
                ORDER BY t.enqueued_at, t.id
                LIMIT $max
                """,
                ("$stage", stage), ("$now", now.UtcTicks), ("$max", max)))
            using (var row = select.ExecuteReader())
            {
                while (row.Read())
                {
                    found.Add((row.GetInt64(0), row.GetInt64(1), row.GetInt32(2), row.GetInt32(3), row.GetString(4),
                        DbText.ToKind(row.GetString(5)), row.GetString(6)));
                }
            }

            using var start = Command(tx,
                "UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = $now WHERE id = $id AND state = 'pending'",
                ("$id", 0L), ("$now", now.UtcTicks));
            using var processing = Command(tx,
                "UPDATE items SET state = 'processing', updated_at = $now WHERE id = $id AND state = 'pending'",
                ("$id", 0L), ("$now", now.UtcTicks));
            using var earlier = Command(tx,
                """
                SELECT stage, result_json FROM tasks
                WHERE item_id = $item AND ordinal < $ordinal AND state = 'done' AND result_json IS NOT NULL
                ORDER BY ordinal
                """,
                ("$item", 0L), ("$ordinal", 0));
            var tasks = new List<ClaimedTask>(found.Count);
            foreach (var f in found)
            {
                start.Parameters["$id"].Value = f.Task;
                if (start.ExecuteNonQuery() == 0)
                {
                    continue; // cannot happen under the write lock; never hand out a task this call did not move
                }

                processing.Parameters["$id"].Value = f.Item;
                processing.ExecuteNonQuery();
                earlier.Parameters["$item"].Value = f.Item;
                earlier.Parameters["$ordinal"].Value = f.Ordinal;
                var results = new Dictionary<string, string>(StringComparer.Ordinal);
                using (var row = earlier.ExecuteReader())
                {
                    while (row.Read())
                    {
                        results[row.GetString(0)] = row.GetString(1);
                    }
                }

                tasks.Add(new ClaimedTask(f.Task, f.Item, f.Path, f.Kind, f.Format, stage, f.Attempts + 1, results));
            }

            tx.Commit();
            return (IReadOnlyList<ClaimedTask>)tasks;
        });
        if (claimed.Count > 0)
        {
            JournalLog.Claimed(_logger, stage, claimed.Count);
        }

        return claimed;
    }

    public bool CompleteTask(long taskId, string resultJson, DateTimeOffset now, StageEmbedding? embedding = null)
    {
        ArgumentNullException.ThrowIfNull(resultJson);
        var updated = Locked("complete a task", () =>
        {
            using var tx = _db.BeginTransaction();
            var count = Execute(tx,
                "UPDATE tasks SET state = 'done', result_json = $result, finished_at = $now WHERE id = $id AND state = 'running'",
                ("$id", taskId), ("$result", resultJson), ("$now", now.UtcTicks));
            if (count > 0 && embedding is not null)
            {
                // The result and its vector land together: a search never sees a vector without its task done.
                Execute(tx,
                    """
                    INSERT INTO embeddings (item_id, stage, model, model_sha256, dim, vector, at)
                    SELECT item_id, stage, $model, $sha, $dim, $vector, $now FROM tasks WHERE id = $id
                    ON CONFLICT (item_id, stage) DO UPDATE SET model = excluded.model, model_sha256 = excluded.model_sha256,
                        dim = excluded.dim, vector = excluded.vector, at = excluded.at
                    """,
                    ("$id", taskId), ("$model", embedding.Model), ("$sha", embedding.Sha256), ("$dim", embedding.Vector.Length),
                    ("$vector", embedding.ToBytes()), ("$now", now.UtcTicks));
            }

            tx.Commit();
            return count;
        });
        if (updated == 0)
        {
            JournalLog.StaleTask(_logger, taskId, "result");
            return false;
        }

        return true;
    }

    public bool FailTask(long taskId, string error, TaskFailure failure, DateTimeOffset now, string? detailsJson = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(error);
        ArgumentNullException.ThrowIfNull(failure);
        var recorded = Locked("fail a task", () =>
        {
            using var tx = _db.BeginTransaction();
            var state = failure.Mode switch
            {
                TaskFailureMode.Retry => TaskState.Pending,
                TaskFailureMode.Permanent => TaskState.Failed,
                _ => TaskState.Quarantined,
            };
            var updated = Execute(tx,
                """
                UPDATE tasks SET state = $state, error = $error, result_json = $details,
                    not_before = COALESCE($retryAt, not_before), finished_at = $finishedAt
                WHERE id = $id AND state = 'running'
                """,
                ("$id", taskId), ("$state", DbText.Of(state)), ("$error", error), ("$details", detailsJson), ("$retryAt", failure.RetryAt?.UtcTicks),
                ("$finishedAt", state == TaskState.Pending ? null : now.UtcTicks));
            if (updated == 0)
            {
                return false;
            }

            Execute(tx,
                """
                INSERT INTO task_errors (item_id, task_id, stage, attempt, outcome, error, at)
                SELECT item_id, id, stage, attempts, $outcome, $error, $now FROM tasks WHERE id = $id
                """,
                ("$id", taskId), ("$outcome", DbText.Of(failure.Mode)), ("$error", error), ("$now", now.UtcTicks));
            tx.Commit();
            return true;
        });
        if (recorded)
        {
            JournalLog.TaskFailed(_logger, taskId, failure.Mode, error);
        }
        else
        {
            JournalLog.StaleTask(_logger, taskId, "failure");
        }

        return recorded;
    }

    public IReadOnlyList<long> ItemsAwaitingSidecar() => Locked("read", () =>
    {
        using var cmd = Command(null,
            """
            SELECT i.id FROM items i
            WHERE i.state IN ('pending', 'processing')
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.item_id = i.id AND t.state IN ('pending', 'running'))
            ORDER BY i.id
            """);
        using var row = cmd.ExecuteReader();
        var ids = new List<long>();
        while (row.Read())
        {
            ids.Add(row.GetInt64(0));
        }

        return (IReadOnlyList<long>)ids;
    });

    public IReadOnlyList<TaskRecord> TasksOf(long itemId) => Locked("read", () =>
    {
        using var cmd = Command(null, $"SELECT {TaskColumns} FROM tasks WHERE item_id = $id ORDER BY ordinal", ("$id", itemId));
        using var row = cmd.ExecuteReader();
        var tasks = new List<TaskRecord>();
        while (row.Read())
        {
            tasks.Add(new TaskRecord(
                row.GetInt64(0), row.GetInt64(1), row.GetString(2), row.GetInt32(3), DbText.ToTaskState(row.GetString(4)),
                row.GetInt32(5), Time(row.GetInt64(6)), Time(row.GetInt64(7)), Time(row, 8), Time(row, 9), Text(row, 10), Text(row, 11)));
        }

        return (IReadOnlyList<TaskRecord>)tasks;
    });

    public IReadOnlyList<StoredEmbedding> Embeddings(string? model = null) => Locked("read embeddings", () =>
    {
        using var cmd = Command(null,
            """
            SELECT e.item_id, i.path, e.stage, e.model, e.model_sha256, e.vector FROM embeddings e JOIN items i ON i.id = e.item_id
            WHERE i.state NOT IN ('removed', 'ignored') AND ($model IS NULL OR e.model = $model)
            ORDER BY e.item_id, e.stage
            """,
            ("$model", model));
        using var row = cmd.ExecuteReader();
        var found = new List<StoredEmbedding>();
        while (row.Read())
        {
            found.Add(new StoredEmbedding(row.GetInt64(0), row.GetString(1), row.GetString(2), row.GetString(3), row.GetString(4),
                StageEmbedding.FromBytes((byte[])row.GetValue(5))));
        }

        return (IReadOnlyList<StoredEmbedding>)found;
    });

    public IReadOnlyList<StageResultRecord> ResultsOf(string stage)
    {
        ArgumentException.ThrowIfNullOrEmpty(stage);
        return Locked("read", () =>
        {
            using var cmd = Command(null,
                """
                SELECT i.id, i.path, i.state, t.result_json FROM tasks t JOIN items i ON i.id = t.item_id
                WHERE t.stage = $stage AND t.state = 'done' AND t.result_json IS NOT NULL
                ORDER BY i.id
                """,
                ("$stage", stage));
            using var row = cmd.ExecuteReader();
            var results = new List<StageResultRecord>();
            while (row.Read())
            {
                results.Add(new StageResultRecord(row.GetInt64(0), row.GetString(1), DbText.ToItemState(row.GetString(2)), row.GetString(3)));
            }

            return (IReadOnlyList<StageResultRecord>)results;
        });
    }

    public bool FinishItem(long itemId, ItemState state, string sidecarPath, DateTimeOffset now)
    {
        if (state is not (ItemState.Complete or ItemState.Partial or ItemState.Failed or ItemState.Quarantined))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "An item finishes as Complete, Partial, Failed or Quarantined.");
        }

        ArgumentException.ThrowIfNullOrEmpty(sidecarPath);
        var updated = Locked("finish an item", () => Execute(null,
            """
            UPDATE items SET state = $state, sidecar_path = $sidecar, finished_at = $now, updated_at = $now
            WHERE id = $id AND state IN ('pending', 'processing')
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.item_id = $id AND t.state IN ('pending', 'running'))
            """,
            ("$id", itemId), ("$state", DbText.Of(state)), ("$sidecar", sidecarPath), ("$now", now.UtcTicks)));
        if (updated == 0)
        {
            JournalLog.FinishRefused(_logger, itemId, state);
            return false;
        }

        return true;
    }

    public RecoveryResult RecoverInterrupted(DateTimeOffset now, int maxAttempts = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        var (result, quarantined) = Locked("recover interrupted tasks", () =>
        {
            using var tx = _db.BeginTransaction();
            var spent = new List<(long Task, string Stage, int Attempts, string Path)>();
            using (var select = Command(tx,
                """
                SELECT t.id, t.stage, t.attempts, i.path FROM tasks t JOIN items i ON i.id = t.item_id
                WHERE t.state = 'running' AND t.attempts >= $max
                """,
                ("$max", maxAttempts)))
            using (var row = select.ExecuteReader())
            {
                while (row.Read())
                {
                    spent.Add((row.GetInt64(0), row.GetString(1), row.GetInt32(2), row.GetString(3)));
                }
            }

            foreach (var s in spent)
            {
                var error = string.Create(CultureInfo.InvariantCulture,
                    $"The worker stopped while running this stage {s.Attempts} time(s); quarantined because the file may crash it.");
                Execute(tx, "UPDATE tasks SET state = 'quarantined', error = $error, finished_at = $now WHERE id = $id",
                    ("$id", s.Task), ("$error", error), ("$now", now.UtcTicks));
                Execute(tx,
                    """
                    INSERT INTO task_errors (item_id, task_id, stage, attempt, outcome, error, at)
                    SELECT item_id, id, stage, attempts, 'quarantined', $error, $now FROM tasks WHERE id = $id
                    """,
                    ("$id", s.Task), ("$error", error), ("$now", now.UtcTicks));
            }

            var requeued = Execute(tx,
                "UPDATE tasks SET state = 'pending', not_before = $now, started_at = NULL WHERE state = 'running'",
                ("$now", now.UtcTicks));
            tx.Commit();
            return (new RecoveryResult(requeued, spent.Count), spent);
        });
        foreach (var s in quarantined)
        {
            JournalLog.QuarantinedAfterInterruptions(_logger, s.Stage, s.Path, s.Attempts);
        }

        if (result.Requeued > 0)
        {
            JournalLog.Requeued(_logger, result.Requeued);
        }

        return result;
    }

    public long StartRun(string mode, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(mode);
        return Locked("start a run", () => Scalar<long>(null,
            "INSERT INTO runs (mode, started_at) VALUES ($mode, $now) RETURNING id", ("$mode", mode), ("$now", now.UtcTicks)));
    }

    public void FinishRun(long runId, RunCounts counts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var updated = Locked("finish a run", () => Execute(null,
            """
            UPDATE runs SET finished_at = $now, files_seen = $seen, ingested = $ingested, unchanged = $unchanged,
                ignored = $ignored, removed = $removed, tasks_done = $done, tasks_failed = $failed, sidecars_written = $sidecars
            WHERE id = $id
            """,
            ("$id", runId), ("$now", now.UtcTicks), ("$seen", counts.FilesSeen), ("$ingested", counts.Ingested),
            ("$unchanged", counts.Unchanged), ("$ignored", counts.Ignored), ("$removed", counts.Removed),
            ("$done", counts.TasksDone), ("$failed", counts.TasksFailed), ("$sidecars", counts.SidecarsWritten)));
        if (updated == 0)
        {
            throw new ArgumentException($"The journal has no run {runId}.", nameof(runId));
        }
    }

    public void RecordModelEvent(ModelEvent modelEvent)
    {
        ArgumentNullException.ThrowIfNull(modelEvent);
        ArgumentException.ThrowIfNullOrEmpty(modelEvent.ModelId);
        ArgumentException.ThrowIfNullOrEmpty(modelEvent.Device);
        Locked("record a model event", () => Execute(null,
            """
            INSERT INTO model_events (kind, model_id, device, load_ms, footprint_bytes, note, at)
            VALUES ($kind, $model, $device, $loadMs, $footprint, $note, $at)
            """,
            ("$kind", DbText.Of(modelEvent.Kind)), ("$model", modelEvent.ModelId), ("$device", modelEvent.Device),
            ("$loadMs", modelEvent.LoadMs), ("$footprint", modelEvent.FootprintBytes), ("$note", modelEvent.Note),
            ("$at", modelEvent.At.UtcTicks)));
    }

    public long? MeasuredFootprintBytes(string modelId, string device)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        ArgumentException.ThrowIfNullOrEmpty(device);
        return Locked("read", () => ScalarOrNull(null,
            """
            SELECT footprint_bytes FROM model_events
            WHERE model_id = $model AND device = $device AND footprint_bytes IS NOT NULL
            ORDER BY id DESC LIMIT 1
            """,
            ("$model", modelId), ("$device", device)));
    }

    /// <summary>Runs SQLite's full integrity check; returns ["ok"] for a sound file, otherwise the problems found.</summary>
    public IReadOnlyList<string> CheckIntegrity() => Locked("check integrity", () =>
    {
        using var cmd = Command(null, "PRAGMA integrity_check");
        using var row = cmd.ExecuteReader();
        var lines = new List<string>();
        while (row.Read())
        {
            lines.Add(row.GetString(0));
        }

        return (IReadOnlyList<string>)lines;
    });

    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _db.Dispose();
            }
        }
    }

    private static void ValidateIngest(IngestRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.Path);
        ArgumentNullException.ThrowIfNull(request.Fingerprint);
        ArgumentNullException.ThrowIfNull(request.Stages);
        if (string.IsNullOrEmpty(request.Fingerprint.Sha256))
        {
            throw new ArgumentException($"Ingest of {request.Path} needs the file's SHA-256: it decides whether the content changed.", nameof(request));
        }

        if (request.Kind == MediaKind.Unknown)
        {
            throw new ArgumentException($"{request.Path} is not a known media kind; record it with RecordIgnored.", nameof(request));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in request.Stages)
        {
            if (string.IsNullOrEmpty(stage) || !seen.Add(stage))
            {
                // Results are keyed by stage name (sidecar "stages", EarlierResults), so a name must be unique.
                throw new ArgumentException($"Pipeline '{request.Pipeline}' lists stage '{stage}' twice or empty.", nameof(request));
            }
        }
    }

    private T Locked<T>(string operation, Func<T> body)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                return body();
            }
            catch (SqliteException e)
            {
                throw new JournalException($"Could not {operation} in journal {Path}: {e.Message}", e);
            }
        }
    }

    private JournalItem? ReadItem(SqliteTransaction? tx, string where, params ReadOnlySpan<(string, object?)> args)
    {
        using var cmd = Command(tx, $"SELECT {ItemColumns} FROM items WHERE {where}", args);
        using var row = cmd.ExecuteReader();
        if (!row.Read())
        {
            return null;
        }

        return new JournalItem(
            row.GetInt64(0), row.GetString(1), new FileFingerprint(row.GetInt64(2), row.GetInt64(3), Text(row, 4)),
            DbText.ToKind(row.GetString(5)), row.GetString(6), row.GetString(7), row.GetString(8), row.GetString(9),
            DbText.ToItemState(row.GetString(10)), Text(row, 11), Text(row, 12), Time(row.GetInt64(13)), Time(row, 14));
    }

    private SqliteCommand Command(SqliteTransaction? tx, string sql, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    private int Execute(SqliteTransaction? tx, string sql, params ReadOnlySpan<(string, object?)> args)
    {
        using var cmd = Command(tx, sql, args);
        return cmd.ExecuteNonQuery();
    }

    private T Scalar<T>(SqliteTransaction? tx, string sql, params ReadOnlySpan<(string, object?)> args) =>
        ScalarObject(tx, sql, args) is T value ? value : throw new JournalException($"Journal {Path} returned no value for: {sql}");

    private long? ScalarOrNull(SqliteTransaction? tx, string sql, params ReadOnlySpan<(string, object?)> args) =>
        ScalarObject(tx, sql, args) is long value ? value : null;

    private object? ScalarObject(SqliteTransaction? tx, string sql, ReadOnlySpan<(string, object?)> args)
    {
        using var cmd = Command(tx, sql, args);
        return cmd.ExecuteScalar();
    }

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private static DateTimeOffset? Time(SqliteDataReader row, int column) => row.IsDBNull(column) ? null : Time(row.GetInt64(column));

    private static string? Text(SqliteDataReader row, int column) => row.IsDBNull(column) ? null : row.GetString(column);
}
