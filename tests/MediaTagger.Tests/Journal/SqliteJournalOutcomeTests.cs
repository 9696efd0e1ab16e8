using MediaTagger.Core.Journal;

namespace MediaTagger.Tests.Journal;

public sealed class SqliteJournalOutcomeTests : JournalTestBase
{
    [Fact]
    public void A_completed_task_keeps_its_result_and_cannot_be_completed_twice()
    {
        var item = Ingest("/media/a.jpg");
        var task = Journal.ClaimTasks("probe", 1, Now).Single();
        Time.Advance(TimeSpan.FromSeconds(2));

        Journal.CompleteTask(task.TaskId, """{"width":1}""", Now).Should().BeTrue();

        var stored = Journal.TasksOf(item.ItemId)[0];
        stored.State.Should().Be(TaskState.Done);
        stored.ResultJson.Should().Be("""{"width":1}""");
        stored.FinishedAt.Should().Be(Now);
        Journal.CompleteTask(task.TaskId, """{"width":2}""", Now).Should().BeFalse();
        Journal.TasksOf(item.ItemId)[0].ResultJson.Should().Be("""{"width":1}""");
        Journal.CompleteTask(999_999, "{}", Now).Should().BeFalse();
    }

    [Fact]
    public void A_task_that_was_never_claimed_cannot_be_completed()
    {
        var item = Ingest("/media/a.jpg");
        var pending = Journal.TasksOf(item.ItemId)[0];

        Journal.CompleteTask(pending.TaskId, "{}", Now).Should().BeFalse();
        Journal.TasksOf(item.ItemId)[0].State.Should().Be(TaskState.Pending);
    }

    [Theory]
    [InlineData(TaskFailureMode.Permanent, TaskState.Failed)]
    [InlineData(TaskFailureMode.Quarantine, TaskState.Quarantined)]
    public void A_failed_task_ends_failed_or_quarantined_with_its_error(TaskFailureMode mode, TaskState expected)
    {
        var item = Ingest("/media/a.jpg");
        var task = Journal.ClaimTasks("probe", 1, Now).Single();

        var failure = mode == TaskFailureMode.Permanent ? TaskFailure.Permanent : TaskFailure.Quarantine;
        Journal.FailTask(task.TaskId, "not a JPEG after all", failure, Now).Should().BeTrue();

        var stored = Journal.TasksOf(item.ItemId)[0];
        stored.State.Should().Be(expected);
        stored.Error.Should().Be("not a JPEG after all");
        stored.FinishedAt.Should().Be(Now);
        Journal.ClaimTasks("probe", 1, Now).Should().BeEmpty();
    }

    [Fact]
    public void A_retried_task_goes_back_to_pending_keeps_the_error_and_keeps_it_after_a_later_success()
    {
        var item = Ingest("/media/a.jpg");
        var first = Journal.ClaimTasks("probe", 1, Now).Single();

        Journal.FailTask(first.TaskId, "file locked", TaskFailure.Retry(Now.AddSeconds(10)), Now).Should().BeTrue();

        var waiting = Journal.TasksOf(item.ItemId)[0];
        waiting.State.Should().Be(TaskState.Pending);
        waiting.NotBefore.Should().Be(Now.AddSeconds(10));
        waiting.Error.Should().Be("file locked");
        waiting.Attempts.Should().Be(1);

        Time.Advance(TimeSpan.FromSeconds(10));
        var second = Journal.ClaimTasks("probe", 1, Now).Single();
        Journal.CompleteTask(second.TaskId, "{}", Now);
        var done = Journal.TasksOf(item.ItemId)[0];
        done.State.Should().Be(TaskState.Done);
        done.Attempts.Should().Be(2);
        done.Error.Should().Be("file locked");
    }

    [Fact]
    public void An_item_awaits_its_sidecar_once_every_task_is_terminal_and_not_after_it_finished()
    {
        var a = Ingest("/media/a.jpg", stages: ["probe", "tags"]);
        var b = Ingest("/media/b.jpg", stages: ["probe", "tags"]);
        Journal.ItemsAwaitingSidecar().Should().BeEmpty();

        var probes = Journal.ClaimTasks("probe", 2, Now);
        Journal.CompleteTask(probes[0].TaskId, "{}", Now);
        Journal.CompleteTask(probes[1].TaskId, "{}", Now);
        var tagA = Journal.ClaimTasks("tags", 2, Now).Single(t => t.ItemId == a.ItemId);
        Journal.FailTask(tagA.TaskId, "model crashed", TaskFailure.Quarantine, Now);

        Journal.ItemsAwaitingSidecar().Should().Equal(a.ItemId);
        Journal.FinishItem(b.ItemId, ItemState.Complete, "/media/b.jpg.json", Now).Should().BeFalse("b's tags task is still running");

        Journal.FinishItem(a.ItemId, ItemState.Quarantined, "/media/a.jpg.json", Now).Should().BeTrue();

        Journal.ItemsAwaitingSidecar().Should().BeEmpty();
        var item = Journal.GetItem(a.ItemId)!;
        item.State.Should().Be(ItemState.Quarantined);
        item.SidecarPath.Should().Be("/media/a.jpg.json");
        item.FinishedAt.Should().Be(Now);
        item.IsFinished.Should().BeTrue();
        Journal.FinishItem(a.ItemId, ItemState.Complete, "/media/a.jpg.json", Now).Should().BeFalse("it is already finished");
        Journal.GetItem(a.ItemId)!.State.Should().Be(ItemState.Quarantined);
    }

    [Theory]
    [InlineData(ItemState.Pending)]
    [InlineData(ItemState.Processing)]
    [InlineData(ItemState.Ignored)]
    [InlineData(ItemState.Removed)]
    public void An_item_cannot_be_finished_in_a_state_that_is_not_an_outcome(ItemState state)
    {
        var item = Ingest("/media/a.jpg", stages: []);

        FluentActions.Invoking(() => Journal.FinishItem(item.ItemId, state, "/x.json", Now))
            .Should().Throw<ArgumentOutOfRangeException>();
        Journal.ItemsAwaitingSidecar().Should().Equal(item.ItemId);
    }
}
