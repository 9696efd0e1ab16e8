using MediaTagger.Core.Models;

namespace MediaTagger.Tests.Models;

public sealed class ModelCatalogTests
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

        throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public void The_shipped_catalog_is_valid_and_marks_toy_models_test_only()
    {
        var catalog = ModelCatalog.Load(RepoFile("models", "catalog.json"));
        catalog["mobilenetv2-int8"].TestOnly.Should().BeFalse();
        catalog["stories260k"].TestOnly.Should().BeTrue();
        catalog["whisper-tiny.en-empty"].TestOnly.Should().BeTrue();
        catalog.Models.SelectMany(m => m.Files).Should().OnlyContain(f => f.Url.StartsWith("https://", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_in_a_bad_catalog_is_listed_with_its_json_path()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """
            { "models": [ { "id": "a", "family": "x", "description": "", "license": "", "tiers": [], "footprint": { "parameters": 0, "bytesPerParameter": 0, "overheadPercent": 0 },
              "files": [ { "role": "model", "name": "m", "url": "not a url", "sha256": "abc", "size": 1 } ] } ] }
            """);
        try
        {
            var act = () => ModelCatalog.Load(path);
            act.Should().Throw<InvalidDataException>()
                .Which.Message.Should().Contain("$.models[0].files[0].sha256").And.Contain("$.models[0].files[0].url");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_unknown_id_lists_the_known_ones()
    {
        var catalog = ModelCatalog.Load(RepoFile("models", "catalog.json"));
        var act = () => catalog["nope"];
        act.Should().Throw<KeyNotFoundException>().WithMessage("*mobilenetv2-int8*");
    }
}
