using MediaTagger.Core.Journal;

namespace MediaTagger.Tests.Journal;

public sealed class SqliteJournalStatusTests : JournalTestBase
{
    [Fact]
    public void Status_counts_tasks_per_stage_and_state_and_items_per_state()
    {
        var a = Ingest("/media/a.jpg", stages: ["probe", "tags"]);
        Ingest("/media/b.jpg", stages: ["probe", "tags"]);
        Ingest("/media/c.jpg", stages: ["probe"]);
        Journal.RecordIgnored("/media/d.txt", new FileFingerprint(1, 1, null), "text file", Now);
        var probes = Journal.ClaimTasks("probe", 3, Now);
        Journal.CompleteTask(probes[0].TaskId, "{}", Now);
        Journal.FailTask(probes[1].TaskId, "bad", TaskFailure.Permanent, Now);
        Journal.FailTask(probes[2].TaskId, "worse", TaskFailure.Quarantine, Now);
        Journal.ClaimTasks("tags", 1, Now).Should().ContainSingle();
        var c = Journal.GetItem("/media/c.jpg")!;
        Journal.FinishItem(c.Id, ItemState.Quarantined, "/media/c.jpg.json", Now);

        var status = Journal.GetStatus();

        status.Stages.Should().Equal(
            new StageTaskCounts("probe", Pending: 0, Running: 0, Done: 1, Failed: 1, Quarantined: 1),
            new StageTaskCounts("tags", Pending: 1, Running: 1, Done: 0, Failed: 0, Quarantined: 0));
        status.Items.Should().HaveCount(Enum.GetValues<ItemState>().Length);
        status.Items[ItemState.Processing].Should().Be(2);
        status.Items[ItemState.Quarantined].Should().Be(1);
        status.Items[ItemState.Ignored].Should().Be(1);
        status.Items[ItemState.Complete].Should().Be(0);
        Journal.TasksOf(a.ItemId).Should().HaveCount(2);
    }

    [Fact]
    public void Status_lists_the_newest_errors_first_with_path_stage_attempt_and_time()
    {
        Ingest("/media/a.jpg", stages: ["probe"]);
        Ingest("/media/b.jpg", stages: ["probe"]);
        var first = Journal.ClaimTasks("probe", 1, Now).Single();
        Journal.FailTask(first.TaskId, "locked", TaskFailure.Retry(Now), Now);
        Time.Advance(TimeSpan.FromSeconds(1));
        var retried = Journal.ClaimTasks("probe", 1, Now).Single();
        Journal.FailTask(retried.TaskId, "still locked", TaskFailure.Permanent, Now);
        Time.Advance(TimeSpan.FromSeconds(1));
        var other = Journal.ClaimTasks("probe", 1, Now).Single();
        Journal.FailTask(other.TaskId, "unreadable", TaskFailure.Quarantine, Now);

        var errors = Journal.GetStatus(recentErrors: 2).RecentErrors;

        errors.Should().Equal(
            new JournalError("/media/b.jpg", "probe", "unreadable", 1, TaskFailureMode.Quarantine, Now),
            new JournalError("/media/a.jpg", "probe", "still locked", 2, TaskFailureMode.Permanent, Now.AddSeconds(-1)));
        Journal.GetStatus().RecentErrors.Select(e => e.Error).Should().Equal("unreadable", "still locked", "locked");
    }

    [Fact]
    public void Status_lists_recent_runs_with_their_counts_newest_first()
    {
        var first = Journal.StartRun("tag", Now);
        Time.Advance(TimeSpan.FromMinutes(1));
        Journal.FinishRun(first, new RunCounts(FilesSeen: 10, Ingested: 7, Unchanged: 2, Ignored: 1, TasksDone: 21, SidecarsWritten: 7), Now);
        var second = Journal.StartRun("watch", Now);

        var runs = Journal.GetStatus().RecentRuns;

        runs.Should().HaveCount(2);
        runs[0].Should().Be(new RunRecord(second, "watch", Now, null, null));
        runs[1].Should().Be(new RunRecord(first, "tag", Now.AddMinutes(-1), Now,
            new RunCounts(FilesSeen: 10, Ingested: 7, Unchanged: 2, Ignored: 1, TasksDone: 21, SidecarsWritten: 7)));
        Journal.GetStatus(recentRuns: 1).RecentRuns.Should().ContainSingle().Which.Id.Should().Be(second);
        FluentActions.Invoking(() => Journal.FinishRun(12345, new RunCounts(), Now)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Status_reports_model_swaps_and_the_last_measured_footprint()
    {
        var t0 = Now;
        Journal.RecordModelEvent(new ModelEvent(ModelEventKind.Load, "whisper-base", "cpu", Now, LoadMs: 300, FootprintBytes: 200_000_000));
        Time.Advance(TimeSpan.FromMinutes(2));
        Journal.RecordModelEvent(new ModelEvent(ModelEventKind.Unload, "whisper-base", "cpu", Now, Note: "idle"));
        Journal.RecordModelEvent(new ModelEvent(ModelEventKind.Load, "clip-b32", "cuda:0", Now, LoadMs: 1200, FootprintBytes: 700_000_000));
        Time.Advance(TimeSpan.FromMinutes(2));
        Journal.RecordModelEvent(new ModelEvent(ModelEventKind.Load, "whisper-base", "cpu", Now, LoadMs: 250, FootprintBytes: 210_000_000));

        var status = Journal.GetStatus(recentModelEvents: 2);

        status.Models.Should().Equal(
            new ModelUsage("clip-b32", "cuda:0", 1, 0, 1200, 700_000_000, t0.AddMinutes(2)),
            new ModelUsage("whisper-base", "cpu", 2, 1, 550, 210_000_000, Now));
        status.RecentModelEvents.Should().Equal(
            new ModelEvent(ModelEventKind.Load, "whisper-base", "cpu", Now, 250, 210_000_000),
            new ModelEvent(ModelEventKind.Load, "clip-b32", "cuda:0", t0.AddMinutes(2), 1200, 700_000_000));
        Journal.MeasuredFootprintBytes("whisper-base", "cpu").Should().Be(210_000_000);
        Journal.MeasuredFootprintBytes("whisper-base", "cuda:0").Should().BeNull();
    }
}
