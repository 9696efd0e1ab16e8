using System.Text.Json.Nodes;
using MediaTagger.Core.Stages;

namespace MediaTagger.Tests.Journal;

/// <summary>Embeddings a stage made (CLIP's image vectors) stored with the task's result, for `search`.</summary>
public sealed class SqliteJournalEmbeddingTests : JournalTestBase
{
    private static readonly string[] ProbeAndClip = ["probe", "clip"];

    private void CompleteClip(float[] vector, string model = "clip-vit-b32")
    {
        var task = Journal.ClaimTasks("clip", 1, Now).Should().ContainSingle().Subject;
        Journal.CompleteTask(task.TaskId, "{}", Now, new StageEmbedding(model, "abc", vector)).Should().BeTrue();
    }

    [Fact]
    public void A_completed_task_stores_its_vector_exactly_and_a_rerun_replaces_it()
    {
        var item = Ingest("/media/a.jpg", stages: ProbeAndClip);
        RunStage("probe", "{}");
        CompleteClip([0.6f, -0.8f, 0f]);

        Reopen();
        var stored = Journal.Embeddings().Should().ContainSingle().Subject;
        stored.Should().BeEquivalentTo(new { item.ItemId, Path = "/media/a.jpg", Stage = "clip", Model = "clip-vit-b32", Sha256 = "abc" });
        stored.Vector.Should().Equal(0.6f, -0.8f, 0f);
        Journal.Embeddings("other-model").Should().BeEmpty();
    }

    [Fact]
    public void A_changed_or_removed_file_loses_its_embedding()
    {
        Ingest("/media/a.jpg", stages: ProbeAndClip);
        Ingest("/media/b.jpg", stages: ProbeAndClip);
        RunStage("probe", "{}");
        RunStage("probe", "{}");
        CompleteClip([1f, 0f]);
        CompleteClip([0f, 1f]);
        Journal.Embeddings().Should().HaveCount(2);

        Journal.MarkRemoved("/media/a.jpg", Now).Should().BeTrue();
        Ingest("/media/b.jpg", sha: "bbbb", stages: ProbeAndClip);

        Journal.Embeddings().Should().BeEmpty("a's file is gone and b's content changed, so neither vector describes a file any more");
    }

    [Fact]
    public void The_vector_leaves_the_result_for_the_journal_unless_the_stage_keeps_it()
    {
        var result = new JsonObject { ["labels"] = new JsonArray(), ["embedding"] = new StageEmbedding("m", "s", [0.5f, 0.25f]).ToJson() };
        var kept = new JsonObject { ["embedding"] = new StageEmbedding("m", "s", [1f]).ToJson(keepInResult: true) };

        var taken = StageEmbedding.Take(result)!;
        var takenKept = StageEmbedding.Take(kept)!;

        taken.Vector.Should().Equal(0.5f, 0.25f);
        taken.Model.Should().Be("m");
        result["embedding"]!["vector"].Should().BeNull();
        result["embedding"]!["stored"]!.GetValue<string>().Should().Be("journal");
        result["embedding"]!["dim"]!.GetValue<int>().Should().Be(2);
        takenKept.Vector.Should().Equal(1f);
        kept["embedding"]!["vector"].Should().NotBeNull();
        kept["embedding"]!["keep"].Should().BeNull();
        StageEmbedding.Take(new JsonObject { ["embedding"] = new JsonObject { ["vector"] = "not base64!", ["model"] = "m" } }).Should().BeNull();
    }
}
