using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Stages;
using MediaTagger.Stages.Whisper;
using MediaTagger.Tests.Models;
using Microsoft.Extensions.DependencyInjection;
using static MediaTagger.Tests.Stages.StageTestServices;

namespace MediaTagger.Tests.Stages;

/// <summary>The whisper stage's "with" keys: read, range-checked, every problem listed.</summary>
public sealed class WhisperStageOptionsTests
{
    [Fact]
    public void Every_key_is_read_into_the_options()
    {
        using var provider = Provider(s => s.AddMediaTaggerStages());

        var options = OptionsOf<WhisperStageOptions>(provider, new StageDefinition
        {
            Stage = "whisper",
            With =
            {
                ["model"] = "whisper-small-q5_1", ["language"] = "DE", ["translate"] = "true", ["threads"] = "2", ["beamSize"] = "5",
                ["tokenTimestamps"] = "true", ["noSpeechThreshold"] = "0.4", ["maxChunkSeconds"] = "20",
            },
        });

        options.Should().Be(new WhisperStageOptions
        {
            Model = "whisper-small-q5_1", Language = "de", Translate = true, Threads = 2, BeamSize = 5, TokenTimestamps = true,
            NoSpeechThreshold = 0.4, MaxChunkSeconds = 20,
        });
        OptionsOf<WhisperStageOptions>(provider, new StageDefinition { Stage = "whisper" }).Should().Be(new WhisperStageOptions());
    }

    [Fact]
    public void Bad_values_are_all_reported_under_their_keys()
    {
        var family = Families(s => s.AddWhisperStage()).Single();

        var problems = family.Check(
            new StageDefinition
            {
                Stage = "whisper",
                With = { ["language"] = "en-US", ["beamSize"] = "9", ["maxChunkSeconds"] = "45", ["noSpeechThreshold"] = "2", ["translate"] = "yes" },
            },
            new WorkerOptions());

        problems.Select(p => p.Key).Should().BeEquivalentTo("language", "beamSize", "maxChunkSeconds", "noSpeechThreshold", "translate");
        problems.Single(p => p.Key == "language").Message.Should().Contain("auto");
    }

    [Fact]
    public void The_whisper_family_names_its_catalog_model()
    {
        var models = ModelCatalog.Load(ModelCatalogTests.RepoFile("models", "catalog.json"));
        using var provider = Provider(s => s.AddWhisperStage(), models);
        var catalog = provider.GetRequiredService<StageCatalog>();
        var definition = new StageDefinition { Stage = "whisper", With = { ["model"] = "whisper-base.en" } };

        catalog.ModelOf(definition)!.Family.Should().Be("whisper");
        catalog.ModelSha(definition).Should().Be(models["whisper-base.en"].File("model").Sha1, "a model published with a SHA-1 is identified by it");
    }
}
