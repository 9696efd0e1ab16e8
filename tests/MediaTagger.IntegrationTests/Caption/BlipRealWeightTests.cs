using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Caption;

namespace MediaTagger.IntegrationTests.Caption;

/// <summary>
/// The real BLIP export and bert-base-uncased vocabulary, when installed (a download this environment need not have):
/// published token ids, and a caption of chelsea.png that mentions the cat.
/// </summary>
public sealed class BlipRealWeightTests
{
    private static readonly string[] Ids = ["blip-base", "blip-base-int8", "blip-large", "blip-large-int8"];

    private static (Core.Models.ModelEntry Model, string Path) Installed(string role)
    {
        var catalog = Core.Models.ModelCatalog.Load(Path.Combine(TestAssets.RepoRoot, "models", "catalog.json"));
        var listed = Ids.Where(id => catalog.Models.Any(m => m.Id == id)).ToArray();
        if (listed.Length == 0)
        {
            throw new SkipException($"no BLIP model ({string.Join(", ", Ids)}) is in the catalog (BLIP's ONNX export has no published checksum); add the downloaded export with: mediatagger models add blip-base --family caption --file vision=... --file decoder=... --file vocab=... (docs/models.md)");
        }

        return TestAssets.InstalledModel(listed, role, "BLIP captioning model", "mediatagger models add blip-base --family caption --file vision=... --file decoder=... --file vocab=...");
    }

    [SkippableFact]
    public void The_real_vocabulary_gives_bert_base_uncased_published_ids()
    {
        var (_, vocab) = Installed("vocab");
        var tokenizer = BertTokenizer.ForBlip(vocab);

        tokenizer.Encode("a picture of").Should().Equal(1037, 3861, 1997);
        tokenizer.Encode("Hello world!").Should().Equal(7592, 2088, 999);
        tokenizer.Bos.Should().Be(30522);
        tokenizer.IdOf("[ENC]").Should().Be(30523);
        tokenizer.Sep.Should().Be(102);
        tokenizer.Pad.Should().Be(0);
        tokenizer.Decode([30522, 1037, 3861, 1997, 1037, 4937, 102]).Should().Be("a picture of a cat");
    }

    [SkippableFact]
    public void Chelsea_is_captioned_as_a_cat()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var (model, vocab) = Installed("vocab");
        var store = new Core.Models.ModelStore(
            Environment.GetEnvironmentVariable("MEDIATAGGER_MODEL_DIR") is { Length: > 0 } dir ? dir : Path.Combine(TestAssets.RepoRoot, "models"),
            Environment.GetEnvironmentVariable("MEDIATAGGER_MODEL_MIRROR") is { Length: > 0 } m ? m : Path.Combine(TestAssets.SharedDirectory, "models"));
        var files = store.Require(model);
        using var captioner = new BlipCaptioner(files["vision"], files["decoder"], vocab);

        var result = captioner.Caption([TestAssets.Media("images/chelsea.png")], "a picture of", keepPrompt: false, new CaptionSearchOptions())[0];

        result.Error.Should().BeNull();
        result.Caption.Should().MatchRegex(@"\b(cat|kitten)s?\b", $"BLIP described chelsea.png as '{result.Caption}'");
    }
}
