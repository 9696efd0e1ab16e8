using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Booru;

namespace MediaTagger.IntegrationTests.Booru;

/// <summary>
/// A real WD14 tagger, when installed (a download this environment need not have): chelsea.png, a photo of a cat,
/// gets cat-like tags, no people and the general rating.
/// </summary>
public sealed class BooruRealWeightTests
{
    private static readonly string[] Ids =
    [
        "wd-swinv2-tagger-v3", "wd-vit-tagger-v3", "wd-convnext-tagger-v3", "wd-eva02-large-tagger-v3", "wd-vit-large-tagger-v3",
        "wd-v1-4-moat-tagger-v2", "wd-v1-4-swinv2-tagger-v2", "wd-v1-4-convnextv2-tagger-v2", "wd-v1-4-vit-tagger-v2",
    ];

    private const string Pull = "mediatagger models pull wd-swinv2-tagger-v3";

    [SkippableFact]
    public void Chelsea_is_tagged_as_an_animal_without_people()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var catalog = Core.Models.ModelCatalog.Load(Path.Combine(TestAssets.RepoRoot, "models", "catalog.json"));
        var listed = Ids.Where(id => catalog.Models.Any(m => m.Id == id)).ToArray();
        if (listed.Length == 0)
        {
            throw new SkipException($"no WD14 tagger ({string.Join(", ", Ids)}) is in models/catalog.json; then install one with: {Pull}");
        }

        var (model, onnx) = TestAssets.InstalledModel(listed, "model", "WD14 booru tagger", Pull);
        var (_, csv) = TestAssets.InstalledModel([model.Id], "tags", "WD14 tag list (selected_tags.csv)", $"mediatagger models pull {model.Id}");
        using var tagger = new BooruTagger(onnx, BooruLabels.FromSelectedTagsCsv(csv), BooruPreprocess.Wd14);

        var scores = tagger.Score([TestAssets.Media("images/chelsea.png")]).Single();
        scores.Error.Should().BeNull();
        var selection = BooruSelector.Select(tagger.Labels, scores.Probabilities, new BooruSelectionRules());
        var tags = selection.Tags.Select(t => t.Tag).ToArray();

        var seen = string.Join(", ", tags);
        tags.Should().Contain(t => t.Contains("cat", StringComparison.Ordinal) || t.Contains("animal", StringComparison.Ordinal), $"{model.Id} tagged chelsea.png as: {seen}");
        tags.Should().Contain("no humans", $"{model.Id} tagged chelsea.png as: {seen}");
        tags.Should().NotContain(["1girl", "1boy"], $"{model.Id} tagged chelsea.png as: {seen}");
        selection.Rating!.Label.Should().Be("general");
    }
}
