using MediaTagger.Core.Journal;

namespace MediaTagger.Tests.Journal;

public sealed class SqliteJournalLifecycleTests : JournalTestBase
{
    [Fact]
    public void A_reopened_journal_keeps_items_tasks_results_runs_and_model_events()
    {
        var item = Ingest("/media/a.jpg");
        RunStage("probe", """{"width":640}""");
        var tags = Journal.ClaimTasks("tags", 1, Now).Single();
        Journal.FailTask(tags.TaskId, "try later", TaskFailure.Retry(Now.AddMinutes(1)), Now);
        Journal.RecordIgnored("/media/x.bin", new FileFingerprint(1, 2, null), "unknown format", Now);
        var run = Journal.StartRun("watch", Now);
        Journal.FinishRun(run, new RunCounts(FilesSeen: 2, Ingested: 1, Ignored: 1), Now);
        Journal.RecordModelEvent(new ModelEvent(ModelEventKind.Load, "clip-b32", "cuda:0", Now, LoadMs: 900, FootprintBytes: 600_000_000));
        var itemBefore = Journal.GetItem(item.ItemId);
        var tasksBefore = Journal.TasksOf(item.ItemId);
        var statusBefore = Journal.GetStatus();

        Reopen();

        Journal.GetItem(item.ItemId).Should().Be(itemBefore);
        Journal.TasksOf(item.ItemId).Should().Equal(tasksBefore);
        Journal.GetItem("/media/x.bin")!.State.Should().Be(ItemState.Ignored);
        Journal.GetStatus().Should().BeEquivalentTo(statusBefore);
        Journal.MeasuredFootprintBytes("clip-b32", "cuda:0").Should().Be(600_000_000);
        Journal.Backlog(Now).Should().Contain(b => b.Stage == "tags" && b.Claimable == 0 && b.NextRetryAt == Now.AddMinutes(1));
    }

    [Fact]
    public void Tasks_running_when_the_worker_died_run_again_with_their_attempts_counted()
    {
        var item = Ingest("/media/a.jpg");
        Ingest("/media/b.jpg");
        Journal.ClaimTasks("probe", 2, Now).Should().HaveCount(2);

        Reopen(); // the worker died with both in flight
        Time.Advance(TimeSpan.FromSeconds(5));
        var recovered = Journal.RecoverInterrupted(Now);

        recovered.Should().Be(new RecoveryResult(2, 0));
        var probe = Journal.TasksOf(item.ItemId)[0];
        probe.State.Should().Be(TaskState.Pending);
        probe.Attempts.Should().Be(1);
        var again = Journal.ClaimTasks("probe", 10, Now);
        again.Should().HaveCount(2).And.OnlyContain(t => t.Attempt == 2);
        Journal.RecoverInterrupted(Now).Should().Be(new RecoveryResult(2, 0));
        Journal.RecoverInterrupted(Now).Should().Be(new RecoveryResult(0, 0));
    }

    [Fact]
    public void A_file_that_kills_the_worker_every_time_ends_quarantined_and_its_later_stages_still_run()
    {
        var item = Ingest("/media/poison.jpg");
        for (var run = 1; run <= 3; run++)
        {
            Journal.ClaimTasks("probe", 1, Now).Should().ContainSingle().Which.Attempt.Should().Be(run);
            Reopen();
            var recovered = Journal.RecoverInterrupted(Now, maxAttempts: 3);
            recovered.Should().Be(run < 3 ? new RecoveryResult(1, 0) : new RecoveryResult(0, 1));
        }

        var probe = Journal.TasksOf(item.ItemId)[0];
        probe.State.Should().Be(TaskState.Quarantined);
        probe.Error.Should().Contain("3 time(s)");
        Journal.GetStatus().RecentErrors.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new { Path = "/media/poison.jpg", Stage = "probe", Attempt = 3, Outcome = TaskFailureMode.Quarantine });
        Journal.ClaimTasks("tags", 1, Now).Should().ContainSingle();
    }

    [Fact]
    public void A_removed_file_loses_its_unfinished_work_and_comes_back_fresh()
    {
        var item = Ingest("/media/a.jpg");
        RunStage("probe", "{}");
        var running = Journal.ClaimTasks("tags", 1, Now).Single();

        Journal.MarkRemoved("/media/a.jpg", Now).Should().BeTrue();

        Journal.GetItem("/media/a.jpg")!.State.Should().Be(ItemState.Removed);
        Journal.TasksOf(item.ItemId).Select(t => (t.Stage, t.State)).Should().Equal(("probe", TaskState.Done));
        Journal.CompleteTask(running.TaskId, "{}", Now).Should().BeFalse("the file is gone");
        Journal.Backlog(Now).Should().BeEmpty();
        Journal.ItemsAwaitingSidecar().Should().BeEmpty();
        Journal.MarkRemoved("/media/a.jpg", Now).Should().BeFalse("it is already removed");
        Journal.MarkRemoved("/media/never-seen.jpg", Now).Should().BeFalse();

        var back = Ingest("/media/a.jpg"); // same content as before

        back.Decision.Should().Be(IngestDecision.New);
        back.ItemId.Should().Be(item.ItemId);
        Journal.TasksOf(item.ItemId).Select(t => (t.Stage, t.State, t.Attempts))
            .Should().Equal(("probe", TaskState.Pending, 0), ("tags", TaskState.Pending, 0), ("summary", TaskState.Pending, 0));
        Journal.GetItem(item.ItemId)!.State.Should().Be(ItemState.Pending);
    }

    [Fact]
    public void A_new_journal_is_created_with_its_folder_in_wal_mode_at_the_current_schema()
    {
        File.Exists(JournalPath).Should().BeTrue();
        Journal.Path.Should().Be(JournalPath);
        Journal.Dispose();

        RawScalar("PRAGMA journal_mode").Should().Be("wal");
        RawScalar("PRAGMA user_version").Should().Be((long)SqliteJournal.SchemaVersion);
        SqliteJournal.SchemaVersion.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Opening_again_does_not_migrate_twice()
    {
        Ingest("/media/a.jpg");

        Reopen();
        Reopen();

        Journal.GetItem("/media/a.jpg").Should().NotBeNull();
        Journal.CheckIntegrity().Should().Equal("ok");
    }

    [Fact]
    public void A_journal_from_a_newer_build_is_refused_with_an_explanation()
    {
        Journal.Dispose();
        RawScalar("PRAGMA user_version = 99");

        FluentActions.Invoking(() => new SqliteJournal(JournalPath))
            .Should().Throw<JournalException>().WithMessage("*schema 99*newer MediaTagger*");
    }

    [Fact]
    public void A_file_that_is_not_a_journal_is_refused_and_left_alone()
    {
        var path = Path.Combine(Folder, "not-a-journal.db");
        var text = new string('x', 8192);
        File.WriteAllText(path, text);

        FluentActions.Invoking(() => new SqliteJournal(path))
            .Should().Throw<JournalException>().WithMessage($"*{path}*");
        File.ReadAllText(path).Should().Be(text);
    }

    [Fact]
    public void A_disposed_journal_says_so()
    {
        Journal.Dispose();

        FluentActions.Invoking(() => Journal.GetItem("/media/a.jpg")).Should().Throw<ObjectDisposedException>();
    }
}
