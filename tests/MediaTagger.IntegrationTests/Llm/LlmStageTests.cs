using System.Text.Json.Nodes;
using FluentAssertions;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using MediaTagger.IntegrationTests.Llama;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native.Llama;
using MediaTagger.Stages.Llm;
using Xunit;
using Xunit.Abstractions;

namespace MediaTagger.IntegrationTests.Llm;

/// <summary>The llm stage with stories260K, a real (toy) llama: the text is nonsense, the JSON must be exact.</summary>
[Collection(LlamaTestSupport.Collection)]
public class LlmStageTests(ITestOutputHelper output)
{
    private static readonly string[] Subjects =
    [
        "a cat on a sofa", "a dog in the park", "a red car", "a mountain lake", "two children playing", "a birthday cake",
        "a city at night", "a bowl of soup", "a sailing boat", "an old castle", "a snowy forest", "a green apple",
        "a yellow bus", "a guitar", "a sleeping baby", "a rainy street", "a tall tree", "a lighthouse", "a blue bird", "a pizza",
    ];

    [SkippableFact]
    public async Task Twenty_different_inputs_each_get_an_answer_that_conforms_to_the_schema()
    {
        LlamaTestSupport.RequireBackend();
        using var stage = new LlmStage("stories260k", TestAssets.Model(LlamaTestSupport.StoriesModel), 0, ToyOptions());
        var batch = Subjects.Select((subject, i) => Input(i, subject)).ToArray();

        var outcomes = await stage.RunAsync(batch, CancellationToken.None);

        outcomes.Should().HaveCount(20);
        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            output.WriteLine($"{Subjects[i]}: {outcome.Error ?? outcome.Result!["answer"]!.ToJsonString()}");
            outcome.Success.Should().BeTrue("input {0} failed: {1}", i, outcome.Error);
            stage.Schema.Validate(outcome.Result!["answer"]).Should().BeEmpty();
            outcome.Result!["summary"]!.GetValue<string>().Should().NotBeEmpty();
            outcome.Result["tags"].Should().BeOfType<JsonArray>();
            outcome.Result["engine"]!["chatTemplate"]!.GetValue<string>().Should().StartWith("fallback: chatml", "stories260K has no chat template");
        }
    }

    [SkippableFact]
    public async Task The_same_seed_gives_the_same_answer_and_the_run_records_the_device_and_context()
    {
        LlamaTestSupport.RequireBackend();
        var model = TestAssets.Model(LlamaTestSupport.StoriesModel);
        using var first = new LlmStage("stories260k", model, 0, ToyOptions() with { Temperature = 0.8 });
        var a = (await first.RunAsync([Input(1, "a cat")], CancellationToken.None))[0];
        var b = (await first.RunAsync([Input(1, "a cat")], CancellationToken.None))[0];

        a.Result!["answer"]!.ToJsonString().Should().Be(b.Result!["answer"]!.ToJsonString());
        first.Device.Should().Be("cpu");
        a.Result["engine"]!["contextTokens"]!.GetValue<int>().Should().Be(1024);
        a.Result["engine"]!["gpuLayers"]!.GetValue<int>().Should().Be(0, "llama.cpp here has no GPU backend");
    }

    [SkippableFact]
    public async Task A_transcript_too_long_for_the_context_is_digested_part_by_part_within_the_budget()
    {
        LlamaTestSupport.RequireBackend();
        using var stage = new LlmStage("stories260k", TestAssets.Model(LlamaTestSupport.StoriesModel), 0, ToyOptions() with { PartSummaryChars = 60 });
        var segments = new JsonArray(Enumerable.Range(0, 120).Select(i => (JsonNode)new JsonObject
        {
            ["start"] = i * 5.0,
            ["end"] = (i * 5.0) + 4.5,
            ["text"] = $" The girl walked to the park number {i} and saw a big dog playing with a red ball.",
        }).ToArray());
        var input = new StageInput(1, "/media/long.mp3", MediaKind.Audio, "mp3", new Dictionary<string, JsonObject>
        {
            ["whisper"] = new() { ["language"] = "en", ["text"] = "…", ["segments"] = segments },
        });

        var outcome = (await stage.RunAsync([input], CancellationToken.None))[0];

        output.WriteLine(outcome.Error ?? outcome.Result!.ToJsonString());
        outcome.Success.Should().BeTrue(outcome.Error);
        var digest = outcome.Result!["digest"]!;
        digest["mapSteps"]!.GetValue<int>().Should().BeGreaterThan(1);
        digest["maxPromptTokens"]!.GetValue<int>().Should().BeLessThanOrEqualTo(1024);
        stage.Schema.Validate(outcome.Result["answer"]).Should().BeEmpty();
    }

    /// <summary>An answer schema small enough for stories260K's 1024-token context with room for the prompt.</summary>
    internal const string ToySchema = """
        { "properties": {
            "summary": { "type": "string", "minLength": 1, "maxLength": 120 },
            "tags": { "type": "array", "maxItems": 4, "items": { "type": "string", "minLength": 1, "maxLength": 16 } },
            "title": { "type": "string", "minLength": 1, "maxLength": 30 } } }
        """;

    /// <summary>Options for stories260K: the toy schema, a 1024-token context, short facts and part summaries.</summary>
    private static LlmStageOptions ToyOptions()
    {
        var schema = Path.Combine(Path.GetTempPath(), "mediatagger-toy-schema.json");
        File.WriteAllText(schema, ToySchema);
        return new LlmStageOptions { ContextTokens = 1024, Schema = schema, Threads = 2, MaxFactTokens = 64, PartSummaryChars = 100 };
    }

    private static StageInput Input(int i, string subject) => new(i, $"/media/photo{i}.jpg", MediaKind.Image, "jpeg", new Dictionary<string, JsonObject>
    {
        ["imagenet"] = new() { ["labels"] = new JsonArray(new JsonObject { ["label"] = subject, ["score"] = 0.8 }) },
        ["ocr"] = new() { ["text"] = i % 2 == 0 ? "" : "OPEN " + i },
    });
}
