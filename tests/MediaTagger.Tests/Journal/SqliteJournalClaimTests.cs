using System.Collections.Concurrent;
using MediaTagger.Core.Journal;
using MediaTagger.Core.MediaFiles;

namespace MediaTagger.Tests.Journal;

public sealed class SqliteJournalClaimTests : JournalTestBase
{
    [Fact]
    public void A_later_stage_waits_until_the_earlier_stages_finished_and_receives_their_results()
    {
        var item = Ingest("/media/a.jpg");

        Journal.ClaimTasks("tags", 10, Now).Should().BeEmpty();
        Journal.ClaimTasks("summary", 10, Now).Should().BeEmpty();

        var probe = Journal.ClaimTasks("probe", 10, Now).Should().ContainSingle().Subject;
        probe.Should().BeEquivalentTo(new { ItemId = item.ItemId, Path = "/media/a.jpg", Kind = MediaKind.Image, Format = "jpeg", Stage = "probe", Attempt = 1 });
        probe.EarlierResults.Should().BeEmpty();
        Journal.ClaimTasks("tags", 10, Now).Should().BeEmpty("probe is still running");

        Journal.CompleteTask(probe.TaskId, """{"width":640}""", Now).Should().BeTrue();
        Journal.ClaimTasks("summary", 10, Now).Should().BeEmpty("tags has not run yet");
        var tags = Journal.ClaimTasks("tags", 10, Now).Should().ContainSingle().Subject;
        tags.EarlierResults.Should().Equal(new Dictionary<string, string> { ["probe"] = """{"width":640}""" });

        Journal.CompleteTask(tags.TaskId, """{"tags":["cat"]}""", Now);
        var summary = Journal.ClaimTasks("summary", 10, Now).Should().ContainSingle().Subject;
        summary.EarlierResults.Should().Equal(new Dictionary<string, string>
        {
            ["probe"] = """{"width":640}""",
            ["tags"] = """{"tags":["cat"]}""",
        });
    }

    [Theory]
    [InlineData(TaskFailureMode.Permanent)]
    [InlineData(TaskFailureMode.Quarantine)]
    public void A_failed_earlier_stage_releases_the_later_stages_without_a_result(TaskFailureMode mode)
    {
        Ingest("/media/a.jpg");
        var probe = Journal.ClaimTasks("probe", 1, Now).Single();
        Journal.FailTask(probe.TaskId, "corrupt header", mode == TaskFailureMode.Permanent ? TaskFailure.Permanent : TaskFailure.Quarantine, Now);

        var tags = Journal.ClaimTasks("tags", 1, Now).Should().ContainSingle().Subject;
        tags.EarlierResults.Should().BeEmpty();
    }

    [Fact]
    public void A_retried_task_is_not_handed_out_before_its_time()
    {
        Ingest("/media/a.jpg");
        var first = Journal.ClaimTasks("probe", 1, Now).Single();
        Journal.FailTask(first.TaskId, "disk busy", TaskFailure.Retry(Now.AddSeconds(30)), Now).Should().BeTrue();

        Journal.ClaimTasks("probe", 1, Now).Should().BeEmpty();
        Journal.Backlog(Now).Should().Contain(new StageBacklog("probe", 0, null, 1, Now.AddSeconds(30)));
        Journal.ClaimTasks("tags", 1, Now).Should().BeEmpty("probe is not finished, only waiting for its retry");

        Time.Advance(TimeSpan.FromSeconds(29));
        Journal.ClaimTasks("probe", 1, Now).Should().BeEmpty();

        Time.Advance(TimeSpan.FromSeconds(1));
        var second = Journal.ClaimTasks("probe", 1, Now).Should().ContainSingle().Subject;
        second.TaskId.Should().Be(first.TaskId);
        second.Attempt.Should().Be(2);
    }

    [Fact]
    public void Claims_hand_out_the_oldest_work_first_and_no_more_than_asked()
    {
        for (var i = 0; i < 5; i++)
        {
            Ingest($"/media/{i}.jpg", stages: ["probe"]);
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        Journal.ClaimTasks("probe", 2, Now).Select(t => t.Path).Should().Equal("/media/0.jpg", "/media/1.jpg");
        Journal.ClaimTasks("probe", 2, Now).Select(t => t.Path).Should().Equal("/media/2.jpg", "/media/3.jpg");
        Journal.ClaimTasks("probe", 2, Now).Select(t => t.Path).Should().Equal("/media/4.jpg");
        Journal.ClaimTasks("probe", 2, Now).Should().BeEmpty();
        Journal.ClaimTasks("probe", 0, Now).Should().BeEmpty();
    }

    [Fact]
    public void A_claimed_task_is_running_with_an_attempt_counted_and_its_item_is_processing()
    {
        var item = Ingest("/media/a.jpg");
        Time.Advance(TimeSpan.FromSeconds(3));

        var task = Journal.ClaimTasks("probe", 1, Now).Single();

        var stored = Journal.TasksOf(item.ItemId)[0];
        stored.TaskId.Should().Be(task.TaskId);
        stored.State.Should().Be(TaskState.Running);
        stored.Attempts.Should().Be(1);
        stored.StartedAt.Should().Be(Now);
        Journal.GetItem(item.ItemId)!.State.Should().Be(ItemState.Processing);
    }

    [Fact]
    public void The_backlog_counts_claimable_work_per_stage_with_the_age_of_the_oldest()
    {
        var oldest = Now;
        Ingest("/media/a.jpg");
        Time.Advance(TimeSpan.FromMinutes(1));
        Ingest("/media/b.jpg");
        Ingest("/media/c.wav", stages: ["tags"]);

        var backlog = Journal.Backlog(Now);

        backlog.Should().Equal(
            new StageBacklog("probe", 2, oldest, 0, null),
            new StageBacklog("summary", 0, null, 2, null),
            new StageBacklog("tags", 1, Now, 2, null));
    }

    [Fact]
    public void Four_threads_claiming_at_once_never_receive_the_same_task()
    {
        const int Items = 300;
        for (var i = 0; i < Items; i++)
        {
            Ingest($"/media/{i}.jpg", stages: ["probe"]);
        }

        var handedOut = ClaimFromFourThreads(_ => Journal);

        handedOut.Should().HaveCount(Items).And.OnlyHaveUniqueItems();
        Journal.GetStatus().Stages.Should().Equal(new StageTaskCounts("probe", 0, Items, 0, 0, 0));
    }

    [Fact]
    public void Four_journals_on_one_file_claiming_at_once_never_receive_the_same_task()
    {
        const int Items = 300;
        for (var i = 0; i < Items; i++)
        {
            Ingest($"/media/{i}.jpg", stages: ["probe"]);
        }

        var journals = Enumerable.Range(0, 4).Select(_ => Open()).ToArray();

        var handedOut = ClaimFromFourThreads(worker => journals[worker]);

        handedOut.Should().HaveCount(Items).And.OnlyHaveUniqueItems();
        Journal.GetStatus().Stages.Should().Equal(new StageTaskCounts("probe", 0, Items, 0, 0, 0));
    }

    private List<long> ClaimFromFourThreads(Func<int, IJournal> journalOf)
    {
        var handedOut = new ConcurrentBag<long>();
        var errors = new ConcurrentBag<Exception>();
        using var start = new Barrier(4);
        var now = Now;
        var threads = Enumerable.Range(0, 4).Select(worker => new Thread(() =>
        {
            var journal = journalOf(worker);
            start.SignalAndWait();
            try
            {
                while (journal.ClaimTasks("probe", 3, now) is { Count: > 0 } claimed)
                {
                    foreach (var task in claimed)
                    {
                        handedOut.Add(task.TaskId);
                    }
                }
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join(TimeSpan.FromMinutes(1)).Should().BeTrue());
        errors.Should().BeEmpty();
        return handedOut.ToList();
    }
}
