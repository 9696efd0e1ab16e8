using System.Globalization;
using MediaTagger.Core.Journal;
using Microsoft.Data.Sqlite;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>
/// Reads the journal of a worker that is still running: each question on its own read-only connection, so the test
/// never takes a write lock or changes the file, and a journal not created yet simply answers 0.
/// </summary>
public sealed class LiveJournal(string path)
{
    /// <summary>Tasks of <paramref name="stage"/> handed to a stage and not finished: a batch is in flight.</summary>
    public int RunningTasks(string stage) => Count("SELECT COUNT(*) FROM tasks WHERE stage = $value AND state = 'running'", stage);

    /// <summary>Journaled loads of a model (a host said "ready").</summary>
    public int Loads(string modelId) => Count("SELECT COUNT(*) FROM model_events WHERE kind = 'load' AND model_id = $value", modelId);

    private int Count(string sql, string value)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        SystemSqlite.EnsureInitialized();
        var connection = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 10 }.ToString();
        try
        {
            using var db = new SqliteConnection(connection);
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$value", value);
            return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch (SqliteException ex) when (ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return 0; // the worker has not created the schema yet
        }
    }
}
