using System.Globalization;
using MediaTagger.Core.MediaFiles;
using Microsoft.Data.Sqlite;

namespace MediaTagger.Core.Journal;

public sealed partial class SqliteJournal
{
    /// <summary>
    /// Migrations[i] takes the schema from version i to i + 1 (PRAGMA user_version). Append, never edit: a journal
    /// written by an older build is brought forward step by step; one from a newer build is refused.
    /// </summary>
    private static readonly string[] Migrations =
    [
        // 0 -> 1. Times are UTC ticks. Enumerations are stored by name (DbText) so the file reads well in sqlite3.
        // STRICT makes SQLite refuse a value of the wrong type instead of storing it.
        """
        CREATE TABLE items (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            path         TEXT    NOT NULL UNIQUE,
            size         INTEGER NOT NULL,
            mtime_ticks  INTEGER NOT NULL,
            sha256       TEXT,
            kind         TEXT    NOT NULL,
            format       TEXT    NOT NULL,
            mime         TEXT    NOT NULL,
            pipeline     TEXT    NOT NULL,
            config_hash  TEXT    NOT NULL,
            state        TEXT    NOT NULL,
            note         TEXT,
            sidecar_path TEXT,
            created_at   INTEGER NOT NULL,
            updated_at   INTEGER NOT NULL,
            finished_at  INTEGER
        ) STRICT;
        CREATE INDEX items_by_state ON items (state);

        -- AUTOINCREMENT: a task id is never reused, so a late result for a deleted task cannot land on a new one.
        CREATE TABLE tasks (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            item_id      INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            ordinal      INTEGER NOT NULL,
            stage        TEXT    NOT NULL,
            state        TEXT    NOT NULL,
            attempts     INTEGER NOT NULL DEFAULT 0,
            enqueued_at  INTEGER NOT NULL,
            not_before   INTEGER NOT NULL,
            started_at   INTEGER,
            finished_at  INTEGER,
            result_json  TEXT,
            error        TEXT,
            UNIQUE (item_id, ordinal),
            UNIQUE (item_id, stage)
        ) STRICT;
        CREATE INDEX tasks_by_stage ON tasks (stage, state, enqueued_at);
        CREATE INDEX tasks_by_state ON tasks (state);

        -- Every failed attempt. No foreign key to tasks: the history outlives tasks re-created when a file changes.
        CREATE TABLE task_errors (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            item_id  INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            task_id  INTEGER NOT NULL,
            stage    TEXT    NOT NULL,
            attempt  INTEGER NOT NULL,
            outcome  TEXT    NOT NULL,
            error    TEXT    NOT NULL,
            at       INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE runs (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            mode             TEXT    NOT NULL,
            started_at       INTEGER NOT NULL,
            finished_at      INTEGER,
            files_seen       INTEGER,
            ingested         INTEGER,
            unchanged        INTEGER,
            ignored          INTEGER,
            removed          INTEGER,
            tasks_done       INTEGER,
            tasks_failed     INTEGER,
            sidecars_written INTEGER
        ) STRICT;

        CREATE TABLE model_events (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            kind            TEXT    NOT NULL,
            model_id        TEXT    NOT NULL,
            device          TEXT    NOT NULL,
            load_ms         INTEGER,
            footprint_bytes INTEGER,
            note            TEXT,
            at              INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX model_events_by_model ON model_events (model_id, device);
        """,

        // 1 -> 2. Embeddings a stage made for a file (CLIP's image embedding), for `search`: one per file and stage,
        // replaced when the stage runs again, gone with the file's content (re-ingest) or the file.
        """
        CREATE TABLE embeddings (
            item_id      INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            stage        TEXT    NOT NULL,
            model        TEXT    NOT NULL,
            model_sha256 TEXT    NOT NULL,
            dim          INTEGER NOT NULL,
            vector       BLOB    NOT NULL,
            at           INTEGER NOT NULL,
            PRIMARY KEY (item_id, stage)
        ) STRICT;
        CREATE INDEX embeddings_by_model ON embeddings (model);
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int SchemaVersion => Migrations.Length;

    private int Migrate()
    {
        var found = -1;
        while (true)
        {
            // The version is read inside the write transaction, so two processes opening a new file at once
            // cannot both run the same step.
            using var tx = _db.BeginTransaction();
            var version = (int)Scalar<long>(tx, "PRAGMA user_version");
            if (found < 0)
            {
                found = version;
            }

            if (version > Migrations.Length)
            {
                throw new JournalException(
                    $"Journal {Path} has schema {version}, written by a newer MediaTagger; this build knows up to {Migrations.Length}. " +
                    "Upgrade MediaTagger or point worker.journalPath at another file.");
            }

            if (version == Migrations.Length)
            {
                tx.Commit();
                if (found != version)
                {
                    JournalLog.Migrated(_logger, Path, found, version);
                }

                return version;
            }

            Execute(tx, Migrations[version]);
            Execute(tx, "PRAGMA user_version = " + (version + 1).ToString(CultureInfo.InvariantCulture));
            tx.Commit();
        }
    }

    /// <summary>Names stored for enumerations; an index is the enum's value. Explicit, so renaming a member cannot break old files.</summary>
    private static class DbText
    {
        private static readonly string[] ItemStates =
            ["pending", "processing", "complete", "partial", "failed", "quarantined", "ignored", "removed"];

        private static readonly string[] TaskStates = ["pending", "running", "done", "failed", "quarantined"];
        private static readonly string[] Kinds = ["unknown", "image", "audio", "video"];
        private static readonly string[] Failures = ["retry", "failed", "quarantined"];
        private static readonly string[] ModelEvents = ["load", "unload"];

        public static string Of(ItemState value) => ItemStates[(int)value];

        public static string Of(TaskState value) => TaskStates[(int)value];

        public static string Of(MediaKind value) => Kinds[(int)value];

        public static string Of(TaskFailureMode value) => Failures[(int)value];

        public static string Of(ModelEventKind value) => ModelEvents[(int)value];

        public static ItemState ToItemState(string text) => (ItemState)Index(ItemStates, text);

        public static TaskState ToTaskState(string text) => (TaskState)Index(TaskStates, text);

        public static MediaKind ToKind(string text) => (MediaKind)Index(Kinds, text);

        public static TaskFailureMode ToFailure(string text) => (TaskFailureMode)Index(Failures, text);

        public static ModelEventKind ToModelEvent(string text) => (ModelEventKind)Index(ModelEvents, text);

        private static int Index(string[] names, string text)
        {
            var i = Array.IndexOf(names, text);
            return i >= 0 ? i : throw new JournalException($"Unexpected value '{text}' in the journal; was it edited by hand?");
        }
    }
}
