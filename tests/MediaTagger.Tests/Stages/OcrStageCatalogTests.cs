using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using MediaTagger.Stages;
using MediaTagger.Stages.Ocr;
using Microsoft.Extensions.Logging.Abstractions;

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
        StageCatalog.Names.Should().Contain("ocr");
        var models = ModelCatalog.Load(RepoFile("models", "catalog.json"));
        var catalog = new StageCatalog(models, new ModelStore(Path.GetTempPath(), null), new WorkerOptions(), NullLoggerFactory.Instance);
        var definition = new StageDefinition { Stage = "ocr" };

        catalog.ModelSha(definition).Should().Be(models["ppocr-v4"].File("recognizer").Sha256);
    }

    [Fact]
    public void Options_parse_from_the_with_dictionary_with_defaults()
    {
        OcrStageOptions.From(new Dictionary<string, string>()).Should().Be(new OcrStageOptions("ppocr-v4", 0.5f, 960));
        var parsed = OcrStageOptions.From(new Dictionary<string, string> { ["model"] = "x", ["minConfidence"] = "0.75", ["maxSide"] = "1280" });
        parsed.Should().Be(new OcrStageOptions("x", 0.75f, 1280));
    }
}
