using Microsoft.Data.Sqlite;

namespace MediaTagger.Core.Journal;

public sealed partial class SqliteJournal
{
    public JournalStatus GetStatus(int recentErrors = 20, int recentRuns = 10, int recentModelEvents = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recentErrors);
        ArgumentOutOfRangeException.ThrowIfNegative(recentRuns);
        ArgumentOutOfRangeException.ThrowIfNegative(recentModelEvents);
        return Locked("read the status", () =>
        {
            // A deferred (read) transaction: every list below comes from the same snapshot, and writers are not blocked.
            using var tx = _db.BeginTransaction(deferred: true);
            var status = new JournalStatus(
                ReadStageCounts(tx), ReadItemCounts(tx), ReadErrors(tx, recentErrors), ReadRuns(tx, recentRuns),
                ReadModelUsage(tx), ReadModelEvents(tx, recentModelEvents));
            tx.Commit();
            return status;
        });
    }

    private List<StageTaskCounts> ReadStageCounts(SqliteTransaction tx)
    {
        using var cmd = Command(tx, "SELECT stage, state, COUNT(*) FROM tasks GROUP BY stage, state ORDER BY stage");
        using var row = cmd.ExecuteReader();
        var counts = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        while (row.Read())
        {
            var stage = row.GetString(0);
            if (!counts.TryGetValue(stage, out var byState))
            {
                byState = new int[Enum.GetValues<TaskState>().Length];
                counts[stage] = byState;
            }

            byState[(int)DbText.ToTaskState(row.GetString(1))] = row.GetInt32(2);
        }

        return counts
            .Select(c => new StageTaskCounts(
                c.Key,
                c.Value[(int)TaskState.Pending],
                c.Value[(int)TaskState.Running],
                c.Value[(int)TaskState.Done],
                c.Value[(int)TaskState.Failed],
                c.Value[(int)TaskState.Quarantined]))
            .ToList();
    }

    private Dictionary<ItemState, int> ReadItemCounts(SqliteTransaction tx)
    {
        var counts = Enum.GetValues<ItemState>().ToDictionary(s => s, _ => 0);
        using var cmd = Command(tx, "SELECT state, COUNT(*) FROM items GROUP BY state");
        using var row = cmd.ExecuteReader();
        while (row.Read())
        {
            counts[DbText.ToItemState(row.GetString(0))] = row.GetInt32(1);
        }

        return counts;
    }

    private List<JournalError> ReadErrors(SqliteTransaction tx, int limit)
    {
        using var cmd = Command(tx,
            """
            SELECT i.path, e.stage, e.error, e.attempt, e.outcome, e.at
            FROM task_errors e JOIN items i ON i.id = e.item_id
            ORDER BY e.id DESC LIMIT $limit
            """,
            ("$limit", limit));
        using var row = cmd.ExecuteReader();
        var errors = new List<JournalError>();
        while (row.Read())
        {
            errors.Add(new JournalError(row.GetString(0), row.GetString(1), row.GetString(2), row.GetInt32(3),
                DbText.ToFailure(row.GetString(4)), Time(row.GetInt64(5))));
        }

        return errors;
    }

    private List<RunRecord> ReadRuns(SqliteTransaction tx, int limit)
    {
        using var cmd = Command(tx,
            """
            SELECT id, mode, started_at, finished_at, files_seen, ingested, unchanged, ignored, removed, tasks_done,
                   tasks_failed, sidecars_written
            FROM runs ORDER BY id DESC LIMIT $limit
            """,
            ("$limit", limit));
        using var row = cmd.ExecuteReader();
        var runs = new List<RunRecord>();
        while (row.Read())
        {
            var counts = row.IsDBNull(3)
                ? null
                : new RunCounts(row.GetInt32(4), row.GetInt32(5), row.GetInt32(6), row.GetInt32(7), row.GetInt32(8),
                    row.GetInt32(9), row.GetInt32(10), row.GetInt32(11));
            runs.Add(new RunRecord(row.GetInt64(0), row.GetString(1), Time(row.GetInt64(2)), Time(row, 3), counts));
        }

        return runs;
    }

    private List<ModelUsage> ReadModelUsage(SqliteTransaction tx)
    {
        using var cmd = Command(tx,
            """
            SELECT m.model_id, m.device,
                   SUM(m.kind = 'load'), SUM(m.kind = 'unload'), COALESCE(SUM(m.load_ms), 0),
                   (SELECT f.footprint_bytes FROM model_events f
                    WHERE f.model_id = m.model_id AND f.device = m.device AND f.footprint_bytes IS NOT NULL
                    ORDER BY f.id DESC LIMIT 1),
                   MAX(m.at)
            FROM model_events m
            GROUP BY m.model_id, m.device
            ORDER BY m.model_id, m.device
            """);
        using var row = cmd.ExecuteReader();
        var usage = new List<ModelUsage>();
        while (row.Read())
        {
            usage.Add(new ModelUsage(row.GetString(0), row.GetString(1), row.GetInt32(2), row.GetInt32(3), row.GetInt64(4),
                row.IsDBNull(5) ? null : row.GetInt64(5), Time(row.GetInt64(6))));
        }

        return usage;
    }

    private List<ModelEvent> ReadModelEvents(SqliteTransaction tx, int limit)
    {
        using var cmd = Command(tx,
            "SELECT kind, model_id, device, at, load_ms, footprint_bytes, note FROM model_events ORDER BY id DESC LIMIT $limit",
            ("$limit", limit));
        using var row = cmd.ExecuteReader();
        var events = new List<ModelEvent>();
        while (row.Read())
        {
            events.Add(new ModelEvent(DbText.ToModelEvent(row.GetString(0)), row.GetString(1), row.GetString(2), Time(row.GetInt64(3)),
                row.IsDBNull(4) ? null : row.GetInt64(4), row.IsDBNull(5) ? null : row.GetInt64(5), Text(row, 6)));
        }

        return events;
    }
}
