using MediaTagger.Core.Journal;
using MediaTagger.Core.MediaFiles;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace MediaTagger.Tests.Journal;

/// <summary>A real journal file in a temporary folder, and a fake clock to pass as "now".</summary>
public abstract class JournalTestBase : IDisposable
{
    protected static readonly string[] ThreeStages = ["probe", "tags", "summary"];

    private readonly List<SqliteJournal> opened = [];

    protected JournalTestBase()
    {
        Folder = Directory.CreateTempSubdirectory("mt-journal-").FullName;
        JournalPath = Path.Combine(Folder, "state", "journal.db");
        Journal = Open();
    }

    protected string Folder { get; }

    protected string JournalPath { get; }

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    protected DateTimeOffset Now => Time.GetUtcNow();

    protected SqliteJournal Journal { get; private set; }

    public void Dispose()
    {
        foreach (var journal in opened)
        {
            journal.Dispose();
        }

        Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected SqliteJournal Open()
    {
        var journal = new SqliteJournal(JournalPath);
        opened.Add(journal);
        return journal;
    }

    /// <summary>Closes the journal and opens the file again, as a restarted worker would.</summary>
    protected void Reopen()
    {
        Journal.Dispose();
        Journal = Open();
    }

    protected static IngestRequest Request(
        string path,
        string sha = "aaaa",
        string pipeline = "default",
        string config = "config-1",
        IReadOnlyList<string>? stages = null,
        long size = 100,
        long mtime = 1000) =>
        new(path, new FileFingerprint(size, mtime, sha), MediaKind.Image, "jpeg", "image/jpeg", pipeline, config, stages ?? ThreeStages);

    protected IngestResult Ingest(string path, string sha = "aaaa", IReadOnlyList<string>? stages = null) =>
        Journal.Ingest(Request(path, sha, stages: stages), Now);

    /// <summary>Claims and completes one stage of one item, as a stage run would.</summary>
    protected ClaimedTask RunStage(string stage, string result)
    {
        var task = Journal.ClaimTasks(stage, 1, Now).Should().ContainSingle().Subject;
        Journal.CompleteTask(task.TaskId, result, Now).Should().BeTrue();
        return task;
    }

    protected object? RawScalar(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = JournalPath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
