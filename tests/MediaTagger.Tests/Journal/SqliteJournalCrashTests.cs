using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MediaTagger.Core.Journal;
using Microsoft.Data.Sqlite;

namespace MediaTagger.Tests.Journal;

/// <summary>
/// Kills a real process with SIGKILL while it writes the journal (MediaTagger.JournalCrashWriter), five times, then
/// checks what a restarted worker depends on: the file opens and is sound, nothing acknowledged was lost, every item
/// has exactly its stage tasks, and the remaining work runs once, with no finished task run again.
/// </summary>
public sealed class SqliteJournalCrashTests : IDisposable
{
    private static readonly string[] Stages = ["probe", "tags", "caption"];

    private readonly string folder = Directory.CreateTempSubdirectory("mt-journal-crash-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task A_journal_killed_mid_write_five_times_opens_sound_and_no_task_is_lost_or_run_twice()
    {
        var journalPath = Path.Combine(folder, "journal.db");
        var acknowledgedItems = new Dictionary<string, long>(StringComparer.Ordinal);
        var acknowledgedDone = new HashSet<long>();

        for (var round = 1; round <= 5; round++)
        {
            var delay = TimeSpan.FromMilliseconds(Random.Shared.Next(150, 650));
            var lines = await RunWriterAndKillAsync(journalPath, round, delay);

            lines.Should().Contain(l => l.StartsWith("ingested ", StringComparison.Ordinal),
                $"round {round} should have been writing when it was killed after {delay.TotalMilliseconds} ms");
            foreach (var line in lines)
            {
                var parts = line.Split(' ');
                if (parts[0] == "ingested")
                {
                    acknowledgedItems.Add(parts[2], long.Parse(parts[1], CultureInfo.InvariantCulture));
                }
                else if (parts[0] == "done")
                {
                    acknowledgedDone.Add(long.Parse(parts[1], CultureInfo.InvariantCulture)).Should().BeTrue($"task {parts[1]} was completed twice");
                }
            }

            using var reopened = new SqliteJournal(journalPath);
            reopened.CheckIntegrity().Should().Equal(["ok"], $"the journal must be sound after kill {round}");
        }

        using var journal = new SqliteJournal(journalPath);
        journal.RecoverInterrupted(TimeProvider.System.GetUtcNow());

        // Nothing acknowledged is lost; at most one unacknowledged commit per kill (committed, killed before printing).
        var items = ReadItems(journalPath);
        items.Should().Contain(acknowledgedItems);
        items.Count.Should().BeLessThanOrEqualTo(acknowledgedItems.Count + 5);
        foreach (var (path, id) in items)
        {
            journal.TasksOf(id).Select(t => (t.Stage, t.Order)).Should().Equal(
                [("probe", 0), ("tags", 1), ("caption", 2)], $"{path} must have exactly its three stage tasks");
        }

        var doneBefore = items.Values.SelectMany(journal.TasksOf).Where(t => t.State == TaskState.Done).ToList();
        doneBefore.Select(t => t.TaskId).Should().Contain(acknowledgedDone);

        // The restarted worker drains what is left: each remaining task once, no finished task again.
        var drained = new List<long>();
        var now = TimeProvider.System.GetUtcNow();
        while (journal.Backlog(now).Any(b => b.Claimable > 0))
        {
            foreach (var stage in Stages.Reverse()) // later stages first: they must wait for the earlier ones
            {
                foreach (var task in journal.ClaimTasks(stage, 50, now))
                {
                    drained.Add(task.TaskId);
                    var result = JsonSerializer.Serialize(new { task.Path, task.Stage, Earlier = task.EarlierResults.Keys.Order().ToArray() });
                    journal.CompleteTask(task.TaskId, result, now).Should().BeTrue();
                }
            }
        }

        drained.Should().OnlyHaveUniqueItems().And.NotIntersectWith(doneBefore.Select(t => t.TaskId));
        (doneBefore.Count + drained.Count).Should().Be(items.Count * Stages.Length);
        journal.ItemsAwaitingSidecar().Should().HaveCount(items.Count);
        foreach (var (path, id) in items)
        {
            foreach (var task in journal.TasksOf(id))
            {
                task.State.Should().Be(TaskState.Done);
                using var result = JsonDocument.Parse(task.ResultJson!);
                result.RootElement.GetProperty("Path").GetString().Should().Be(path);
                result.RootElement.GetProperty("Stage").GetString().Should().Be(task.Stage);
                result.RootElement.GetProperty("Earlier").EnumerateArray().Select(e => e.GetString())
                    .Should().Equal(Stages.Take(task.Order), "a stage runs only after the stages before it");
            }
        }
    }

    private static async Task<List<string>> RunWriterAndKillAsync(string journalPath, int round, TimeSpan delay)
    {
        var writer = Path.Combine(AppContext.BaseDirectory, "MediaTagger.JournalCrashWriter.dll");
        File.Exists(writer).Should().BeTrue("the crash writer is built beside the tests");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(journalPath);
        start.ArgumentList.Add(round.ToString(CultureInfo.InvariantCulture));

        using var process = Process.Start(start)!;
        var lines = new List<string>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line == "ready")
                {
                    ready.TrySetResult();
                }
                else
                {
                    lines.Add(line);
                }
            }
        });
        var stderr = process.StandardError.ReadToEndAsync();
        await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(1)));
        if (!ready.Task.IsCompleted)
        {
            process.Kill();
            await process.WaitForExitAsync();
            throw new InvalidOperationException($"The crash writer did not start (round {round}): {await stderr}");
        }

        // The kill lands wherever the writer happens to be: mid-transaction, mid-commit or between two.
        await Task.Delay(delay);
        process.HasExited.Should().BeFalse($"the writer should still be writing; it said: {(process.HasExited ? await stderr : "")}");
        process.Kill();
        await process.WaitForExitAsync();
        await stdout;
        if (OperatingSystem.IsLinux())
        {
            process.ExitCode.Should().Be(128 + 9, "the writer is killed by SIGKILL, not stopped");
        }

        return lines;
    }

    private static Dictionary<string, long> ReadItems(string journalPath)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journalPath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT path, id FROM items";
        using var reader = command.ExecuteReader();
        var items = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            items.Add(reader.GetString(0), reader.GetInt64(1));
        }

        return items;
    }
}
