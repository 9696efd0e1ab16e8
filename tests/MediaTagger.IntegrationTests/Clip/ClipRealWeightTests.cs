using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Clip;

namespace MediaTagger.IntegrationTests.Clip;

/// <summary>
/// The real CLIP exports, when installed (a download this environment need not have): zero-shot on ../shared/media
/// names chelsea.png a cat and astronaut.png a person or an astronaut, and the text tower ranks them for search.
/// </summary>
public sealed class ClipRealWeightTests
{
    private static readonly string[] Ids = ["clip-vit-b32", "clip-vit-b32-int8", "clip-vit-b32-fp16", "clip-vit-l14", "clip-vit-l14-fp16", "clip-vit-l14-int8"];

    private static readonly string[] Labels = ["cat", "dog", "person", "astronaut", "car", "building", "text", "flower"];

    private static (ClipImageEncoder Images, ClipTextEncoder Text, string TextSha256) Installed()
    {
        var catalog = Core.Models.ModelCatalog.Load(Path.Combine(TestAssets.RepoRoot, "models", "catalog.json"));
        var listed = Ids.Where(id => catalog.Models.Any(m => m.Id == id)).ToArray();
        if (listed.Length == 0)
        {
            throw new SkipException($"no CLIP model ({string.Join(", ", Ids)}) is in models/catalog.json; install one with: mediatagger models pull clip-vit-b32");
        }

        var (model, _) = TestAssets.InstalledModel(listed, "visual", "CLIP model", "mediatagger models pull clip-vit-b32");
        var store = new Core.Models.ModelStore(
            Environment.GetEnvironmentVariable("MEDIATAGGER_MODEL_DIR") is { Length: > 0 } dir ? dir : Path.Combine(TestAssets.RepoRoot, "models"),
            Environment.GetEnvironmentVariable("MEDIATAGGER_MODEL_MIRROR") is { Length: > 0 } m ? m : Path.Combine(TestAssets.SharedDirectory, "models"));
        var files = store.Require(model);
        var images = new ClipImageEncoder(files["visual"]);
        return (images, new ClipTextEncoder(files["textual"], ClipTokenizer.FromMergesFile(files["merges"])), model.File("textual").Checksum);
    }

    [SkippableFact]
    public void Chelsea_is_a_cat_and_the_astronaut_a_person_or_an_astronaut()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var (images, text, textSha) = Installed();
        using (images)
        using (text)
        {
            var chelsea = TestAssets.Media("images/chelsea.png");
            var astronaut = TestAssets.Media("images/astronaut.png");
            var zeroShot = ClipZeroShot.For(text, textSha, Labels, ClipZeroShot.DefaultTemplates);
            var embedded = images.Embed([chelsea, astronaut]);

            var cat = zeroShot.Classify(embedded[0].Vector!, 100, 3, 0);
            var person = zeroShot.Classify(embedded[1].Vector!, 100, 3, 0);

            cat[0].Label.Should().Be("cat", $"chelsea.png scored {string.Join(", ", cat)}");
            person[0].Label.Should().BeOneOf(["person", "astronaut"], $"astronaut.png scored {string.Join(", ", person)}");
            var query = text.Embed(["a photo of a cat"])[0];
            ClipEmbeddings.Dot(query, embedded[0].Vector!).Should().BeGreaterThan(ClipEmbeddings.Dot(query, embedded[1].Vector!));
        }
    }
}
