using System.Text.Json.Nodes;
using FluentAssertions;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.IntegrationTests.Llama;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Llm;
using Xunit;
using Xunit.Abstractions;

namespace MediaTagger.IntegrationTests.Llm;

/// <summary>
/// The llm stage with a real instruct model, when one of the catalog's is installed (the model folder,
/// MEDIATAGGER_MODEL_DIR, or the shared mirror); otherwise it skips, naming what it looked for and how to install one.
/// </summary>
[Collection(LlamaTestSupport.Collection)]
public class LlmStageQualityTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task The_summary_of_the_jfk_transcript_mentions_the_country()
    {
        LlamaTestSupport.RequireBackend();
        var (model, path) = RealModel();
        using var stage = new LlmStage(model.Id, path, model.Footprint.WorkingBytes, new LlmStageOptions { Temperature = 0 });
        var whisper = new JsonObject
        {
            ["language"] = "en",
            ["text"] = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
            ["segments"] = new JsonArray(new JsonObject { ["start"] = 0.0, ["end"] = 11.0, ["text"] = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country." }),
        };
        var input = new StageInput(1, "/media/jfk.mp3", MediaKind.Audio, "mp3", new Dictionary<string, JsonObject> { ["whisper"] = whisper });

        var outcome = (await stage.RunAsync([input], CancellationToken.None))[0];

        output.WriteLine(outcome.Error ?? outcome.Result!.ToJsonString());
        outcome.Success.Should().BeTrue(outcome.Error);
        outcome.Result!["summary"]!.GetValue<string>().Should().MatchRegex("(?i)country|america|nation", "a summary of the speech names what it is about");
    }

    private static (ModelEntry Model, string Path) RealModel()
    {
        var catalog = ModelCatalog.Load(Path.Combine(TestAssets.RepoRoot, "models", "catalog.json"));
        var candidates = catalog.Models.Where(e => e.Family == "llm" && !e.TestOnly).OrderBy(e => e.TotalSize).Select(e => e.Id);
        return TestAssets.InstalledModel(candidates, LlmStage.ProvenanceRole, "real instruct GGUF", "mediatagger models pull qwen2.5-0.5b-instruct-q4_k_m");
    }
}
