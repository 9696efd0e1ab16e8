using System.Text.Json.Nodes;
using FluentAssertions;
using MediaTagger.IntegrationTests.Llama;
using MediaTagger.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace MediaTagger.IntegrationTests.Llm;

/// <summary>`tag` with imagenet, llm (stories260K) and tags through the scheduler and model hosts: the sidecar's summary and tags.</summary>
[Collection(LlamaTestSupport.Collection)]
public sealed class LlmPipelineTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mediatagger-llm-").FullName;

    [SkippableFact]
    public void A_sidecar_of_a_pipeline_with_the_llm_and_tags_stages_has_a_schema_valid_summary_and_vocabulary_tags()
    {
        LlamaTestSupport.RequireBackend();
        TestAssets.Model(LlamaTestSupport.StoriesModel);
        var inbox = Directory.CreateDirectory(Path.Combine(root, "in")).FullName;
        File.Copy(TestAssets.Media("images/chelsea.png"), Path.Combine(inbox, "chelsea.png"));
        var schema = Path.Combine(root, "schema.json");
        File.WriteAllText(schema, LlmStageTests.ToySchema);
        var vocabulary = Path.Combine(root, "vocab.txt");
        File.WriteAllText(vocabulary, "cat, tabby cat, egyptian mau, tiger cat, kitty\ndog\n");
        var config = Path.Combine(root, "pipelines.json");
        File.WriteAllText(config, new JsonObject
        {
            ["worker"] = new JsonObject { ["journalPath"] = Path.Combine(root, "journal.db"), ["profile"] = "cpu" },
            ["watch"] = new JsonArray(new JsonObject { ["path"] = inbox, ["pipeline"] = "default" }),
            ["pipelines"] = new JsonObject
            {
                ["default"] = new JsonObject
                {
                    ["image"] = new JsonArray(
                        new JsonObject { ["stage"] = "probe" },
                        new JsonObject { ["stage"] = "imagenet", ["with"] = new JsonObject { ["model"] = "mobilenetv2-int8", ["topK"] = "5" } },
                        new JsonObject { ["stage"] = "llm", ["with"] = new JsonObject { ["model"] = "stories260k", ["contextTokens"] = "1024", ["schema"] = schema, ["partSummaryChars"] = "100" } },
                        new JsonObject { ["stage"] = "tags", ["with"] = new JsonObject { ["vocabulary"] = vocabulary } }),
                },
            },
        }.ToJsonString());

        var result = CliRunner.Run(null, TimeSpan.FromMinutes(4), "tag", "--config", config, inbox);

        output.WriteLine(result.Stdout + result.Stderr);
        result.ExitCode.Should().Be(0);
        var sidecar = JsonNode.Parse(File.ReadAllText(Path.Combine(inbox, "chelsea.png.json")))!;
        sidecar["status"]!.GetValue<string>().Should().Be("complete");
        sidecar["summary"]!.GetValue<string>().Should().NotBeNullOrWhiteSpace();
        sidecar["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Should().Contain("cat").And.OnlyContain(t => t == "cat" || t == "dog");
        var tags = sidecar["stages"]!["tags"]!;
        tags["changes"]!.AsArray().Should().Contain(c => c!["rule"]!.GetValue<string>() == "vocabulary alias", "MobileNet's cat breeds are aliases of cat");
        var llm = sidecar["stages"]!["llm"]!;
        llm["model"]!["id"]!.GetValue<string>().Should().Be("stories260k");
        llm["device"]!.GetValue<string>().Should().Be("cpu");
        llm["engine"]!["chatTemplate"]!.GetValue<string>().Should().StartWith("fallback: chatml");
        llm["answer"]!["summary"]!.GetValue<string>().Length.Should().BeInRange(1, 120);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
