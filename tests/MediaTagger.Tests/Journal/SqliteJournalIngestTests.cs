using MediaTagger.Core.Journal;
using MediaTagger.Core.MediaFiles;

namespace MediaTagger.Tests.Journal;

public sealed class SqliteJournalIngestTests : JournalTestBase
{
    [Fact]
    public void A_new_file_gets_one_pending_task_per_stage_in_pipeline_order()
    {
        var result = Ingest("/media/a.jpg");

        result.Decision.Should().Be(IngestDecision.New);
        result.TasksCreated.Should().Be(3);
        var tasks = Journal.TasksOf(result.ItemId);
        tasks.Select(t => t.Stage).Should().Equal("probe", "tags", "summary");
        tasks.Select(t => t.Order).Should().Equal(0, 1, 2);
        tasks.Should().OnlyContain(t => t.State == TaskState.Pending && t.Attempts == 0 && t.EnqueuedAt == Now && t.ResultJson == null);
        var item = Journal.GetItem("/media/a.jpg")!;
        item.Id.Should().Be(result.ItemId);
        item.State.Should().Be(ItemState.Pending);
        item.Kind.Should().Be(MediaKind.Image);
        item.Format.Should().Be("jpeg");
        item.Mime.Should().Be("image/jpeg");
        item.Pipeline.Should().Be("default");
        item.ConfigHash.Should().Be("config-1");
    }

    [Fact]
    public void Size_and_mtime_are_there_for_the_fast_path_and_an_unknown_path_has_no_item()
    {
        Journal.Ingest(Request("/media/a.jpg", size: 4096, mtime: 777), Now);

        var item = Journal.GetItem("/media/a.jpg")!;
        item.Fingerprint.Should().Be(new FileFingerprint(4096, 777, "aaaa"));
        item.Fingerprint.SameStat(4096, 777).Should().BeTrue();
        item.Fingerprint.SameStat(4096, 778).Should().BeFalse();
        Journal.GetItem("/media/other.jpg").Should().BeNull();
        Journal.GetItem(item.Id).Should().Be(item);
    }

    [Fact]
    public void The_same_content_again_is_unchanged_only_size_and_mtime_move_and_the_finished_result_stays()
    {
        var first = Ingest("/media/a.jpg");
        foreach (var stage in ThreeStages)
        {
            RunStage(stage, $$"""{"stage":"{{stage}}"}""");
        }

        Journal.FinishItem(first.ItemId, ItemState.Complete, "/media/a.jpg.json", Now).Should().BeTrue();
        var tasksBefore = Journal.TasksOf(first.ItemId);

        Time.Advance(TimeSpan.FromMinutes(5));
        var again = Journal.Ingest(Request("/media/a.jpg", mtime: 2000), Now);

        again.Should().Be(new IngestResult(IngestDecision.Unchanged, first.ItemId, 0));
        var item = Journal.GetItem("/media/a.jpg")!;
        item.State.Should().Be(ItemState.Complete);
        item.SidecarPath.Should().Be("/media/a.jpg.json");
        item.Fingerprint.MtimeUtcTicks.Should().Be(2000);
        Journal.TasksOf(first.ItemId).Should().Equal(tasksBefore);
        Journal.Backlog(Now).Should().BeEmpty();
    }

    [Fact]
    public void The_same_content_while_work_is_pending_does_not_add_tasks()
    {
        var first = Ingest("/media/a.jpg");
        Journal.ClaimTasks("probe", 10, Now).Should().ContainSingle();

        Ingest("/media/a.jpg").Decision.Should().Be(IngestDecision.Unchanged);

        Journal.TasksOf(first.ItemId).Select(t => t.State).Should().Equal(TaskState.Running, TaskState.Pending, TaskState.Pending);
    }

    [Fact]
    public void Changed_content_drops_the_old_tasks_and_result_and_starts_over()
    {
        var first = Ingest("/media/a.jpg", sha: "aaaa");
        RunStage("probe", """{"old":true}""");
        var failed = Journal.ClaimTasks("tags", 1, Now).Single();
        Journal.FailTask(failed.TaskId, "boom", TaskFailure.Permanent, Now);
        RunStage("summary", "{}");
        Journal.FinishItem(first.ItemId, ItemState.Partial, "/media/a.jpg.json", Now).Should().BeTrue();
        var oldIds = Journal.TasksOf(first.ItemId).Select(t => t.TaskId).ToList();

        Time.Advance(TimeSpan.FromHours(1));
        var changed = Ingest("/media/a.jpg", sha: "bbbb");

        changed.Decision.Should().Be(IngestDecision.Changed);
        changed.ItemId.Should().Be(first.ItemId);
        changed.TasksCreated.Should().Be(3);
        var tasks = Journal.TasksOf(first.ItemId);
        tasks.Select(t => t.Stage).Should().Equal(ThreeStages);
        tasks.Should().OnlyContain(t => t.State == TaskState.Pending && t.Attempts == 0 && t.ResultJson == null && t.Error == null);
        tasks.Select(t => t.TaskId).Should().NotIntersectWith(oldIds);
        var item = Journal.GetItem(first.ItemId)!;
        item.State.Should().Be(ItemState.Pending);
        item.SidecarPath.Should().BeNull();
        item.FinishedAt.Should().BeNull();
        item.Fingerprint.Sha256.Should().Be("bbbb");
    }

    [Fact]
    public void A_result_for_content_that_changed_while_it_ran_is_dropped()
    {
        Ingest("/media/a.jpg", sha: "aaaa");
        var inFlight = Journal.ClaimTasks("probe", 1, Now).Single();

        var changed = Ingest("/media/a.jpg", sha: "bbbb");

        Journal.CompleteTask(inFlight.TaskId, """{"stale":true}""", Now).Should().BeFalse();
        Journal.FailTask(inFlight.TaskId, "late failure", TaskFailure.Permanent, Now).Should().BeFalse();
        Journal.TasksOf(changed.ItemId).Should().OnlyContain(t => t.State == TaskState.Pending && t.ResultJson == null);
        Journal.ClaimTasks("probe", 1, Now).Single().Attempt.Should().Be(1);
    }

    [Theory]
    [InlineData("other-pipeline", "config-1")]
    [InlineData("default", "config-2")]
    public void The_same_content_with_another_pipeline_or_configuration_is_reconfigured(string pipeline, string config)
    {
        var first = Ingest("/media/a.jpg");
        foreach (var stage in ThreeStages)
        {
            RunStage(stage, "{}");
        }

        Journal.FinishItem(first.ItemId, ItemState.Complete, "/media/a.jpg.json", Now);

        var again = Journal.Ingest(Request("/media/a.jpg", pipeline: pipeline, config: config, stages: ["probe", "caption"]), Now);

        again.Should().Be(new IngestResult(IngestDecision.Reconfigured, first.ItemId, 2));
        Journal.TasksOf(first.ItemId).Select(t => (t.Stage, t.State, t.Attempts))
            .Should().Equal(("probe", TaskState.Pending, 0), ("caption", TaskState.Pending, 0));
        var item = Journal.GetItem(first.ItemId)!;
        item.State.Should().Be(ItemState.Pending);
        item.Pipeline.Should().Be(pipeline);
        item.ConfigHash.Should().Be(config);
        item.SidecarPath.Should().BeNull();
    }

    [Fact]
    public void Ingest_refuses_a_request_without_a_hash_with_a_repeated_stage_or_of_unknown_kind()
    {
        var noHash = Request("/media/a.jpg") with { Fingerprint = new FileFingerprint(1, 1, null) };
        var repeated = Request("/media/a.jpg", stages: ["tags", "tags"]);
        var unknown = Request("/media/a.jpg") with { Kind = MediaKind.Unknown };

        FluentActions.Invoking(() => Journal.Ingest(noHash, Now)).Should().Throw<ArgumentException>().WithMessage("*SHA-256*");
        FluentActions.Invoking(() => Journal.Ingest(repeated, Now)).Should().Throw<ArgumentException>().WithMessage("*'tags' twice*");
        FluentActions.Invoking(() => Journal.Ingest(unknown, Now)).Should().Throw<ArgumentException>().WithMessage("*RecordIgnored*");
        Journal.GetItem("/media/a.jpg").Should().BeNull();
    }

    [Fact]
    public void An_ignored_file_is_remembered_with_its_reason_and_has_no_work()
    {
        var id = Journal.RecordIgnored("/media/notes.bin", new FileFingerprint(10, 20, null), "unknown format (magic 00 01)", Now);

        var item = Journal.GetItem("/media/notes.bin")!;
        item.Id.Should().Be(id);
        item.State.Should().Be(ItemState.Ignored);
        item.Note.Should().Be("unknown format (magic 00 01)");
        item.Kind.Should().Be(MediaKind.Unknown);
        item.IsFinished.Should().BeTrue();
        item.Fingerprint.SameStat(10, 20).Should().BeTrue();
        Journal.TasksOf(id).Should().BeEmpty();
        Journal.ItemsAwaitingSidecar().Should().BeEmpty();
        Journal.Backlog(Now).Should().BeEmpty();
    }

    [Fact]
    public void A_file_that_became_unsupported_loses_its_pending_work_and_one_that_became_supported_gets_it()
    {
        var first = Ingest("/media/a.jpg");

        Journal.RecordIgnored("/media/a.jpg", new FileFingerprint(5, 5, "cccc"), "truncated", Now).Should().Be(first.ItemId);
        Journal.TasksOf(first.ItemId).Should().BeEmpty();
        Journal.ClaimTasks("probe", 10, Now).Should().BeEmpty();

        var again = Ingest("/media/a.jpg", sha: "cccc");
        again.Decision.Should().Be(IngestDecision.New);
        again.ItemId.Should().Be(first.ItemId);
        Journal.TasksOf(first.ItemId).Should().HaveCount(3);
        Journal.GetItem(first.ItemId)!.Note.Should().BeNull();
    }

    [Fact]
    public void A_pipeline_without_stages_is_at_once_ready_for_its_sidecar()
    {
        var result = Ingest("/media/a.jpg", stages: []);

        result.TasksCreated.Should().Be(0);
        Journal.ItemsAwaitingSidecar().Should().Equal(result.ItemId);
    }
}
