using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using MediaTagger.Stages;
using MediaTagger.Stages.Ocr;
using Microsoft.Extensions.DependencyInjection;
using static MediaTagger.Tests.Stages.StageTestServices;

namespace MediaTagger.Tests.Stages;

public sealed class OcrStageCatalogTests
{
    private static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MediaTagger.sln")))
            {
                return Path.Combine([dir.FullName, .. parts]);
            }
        }

        throw new DirectoryNotFoundException("repository root not found");
    }

    [Fact]
    public void Ocr_is_a_known_stage_whose_model_sha_is_the_recognizers()
    {
        var models = ModelCatalog.Load(RepoFile("models", "catalog.json"));
        using var provider = Provider(s => s.AddMediaTaggerStages(), models);
        var catalog = provider.GetRequiredService<StageCatalog>();
        var definition = new StageDefinition { Stage = "ocr" };

        catalog.Names.Should().Contain("ocr");
        catalog.ModelSha(definition).Should().Be(models["ppocr-v4"].File("recognizer").Checksum);
    }

    [Fact]
    public void Options_read_the_with_dictionary_with_defaults()
    {
        using var provider = Provider(s => s.AddOcrStage());
        var definition = new StageDefinition { Stage = "ocr", With = { ["model"] = "x", ["minConfidence"] = "0.75", ["maxSide"] = "1280" } };

        OptionsOf<OcrStageOptions>(provider, definition).Should().Be(new OcrStageOptions { Model = "x", MinConfidence = 0.75f, MaxSide = 1280 });
        new OcrStageOptions().Should().Be(new OcrStageOptions { Model = "ppocr-v4", MinConfidence = 0.5f, MaxSide = 960 });
    }
}
