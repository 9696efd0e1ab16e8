using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Booru;

namespace MediaTagger.IntegrationTests.Booru;

/// <summary>
/// The tagger on synthetic same-interface models (tests/tools/make_tiny_wd14.py): the WD14 v3 and v2 input names,
/// and the DeepDanbooru export's, each driven by the image's mean colour so the tags are known in advance.
/// </summary>
public sealed class BooruTaggerTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mt-booru-tagger-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Solid(string name, byte r, byte g, byte b, int width = 64, int height = 48) =>
        SolidImages.Write(folder, name, r, g, b, width, height);

    private static BooruTagger Wd14(string generated, params string[] args)
    {
        var dir = SyntheticModels.Generate("make_tiny_wd14.py", generated, args);
        return new BooruTagger(Path.Combine(dir, "model.onnx"), BooruLabels.FromSelectedTagsCsv(Path.Combine(dir, "selected_tags.csv")), BooruPreprocess.Wd14);
    }

    private static BooruSelection Select(BooruTagger tagger, string path, BooruSelectionRules? rules = null)
    {
        var scores = tagger.Score([path]).Single();
        scores.Error.Should().BeNull();
        return BooruSelector.Select(tagger.Labels, scores.Probabilities, rules ?? new BooruSelectionRules());
    }

    [SkippableFact]
    public void A_blue_image_gets_blue_background_and_the_general_rating_and_a_green_one_its_character()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        using var tagger = Wd14("tiny-wd14-v3");
        tagger.Side.Should().Be(448, "the side comes from the model's input shape");

        // The image is padded with white to a square: the mean colour of a 64x48 blue image is 3/4 blue.
        var blue = Select(tagger, Solid("blue.png", 0, 0, 255, 48, 48));
        blue.Tags.Select(t => t.Tag).Should().Contain(["blue background", "long hair"]).And.NotContain(["red theme", "white background"]);
        blue.Rating!.Label.Should().Be("general");

        var green = Select(tagger, Solid("green.png", 0, 255, 0, 48, 48));
        green.Characters.Select(c => c.Tag).Should().Equal("hatsune miku (vocaloid)");

        var red = Select(tagger, Solid("red.png", 255, 0, 0, 48, 48));
        red.Tags.Select(t => t.Tag).Should().Contain("red theme");
        red.Rating!.Label.Should().Be("explicit");
        red.Characters.Should().BeEmpty("kirisame marisa scores about 0.62, under the 0.85 character threshold");
        Select(tagger, Solid("red2.png", 255, 0, 0, 48, 48), new BooruSelectionRules { CharacterMcut = true }).Characters.Select(c => c.Tag)
            .Should().Equal("kirisame marisa");

        var white = Select(tagger, Solid("white.png", 255, 255, 255));
        white.Tags.Select(t => t.Tag).Should().Contain(["white background", "^_^", "o_o"], "kaomoji keep their underscores");
    }

    [SkippableFact]
    public void The_v2_input_name_is_read_from_the_model_and_a_corrupt_file_fails_alone()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        using var tagger = Wd14("tiny-wd14-v2", "--input-name", "input_1:0");
        var corrupt = Path.Combine(folder, "broken.png");
        File.WriteAllBytes(corrupt, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]);

        var scores = tagger.Score([Solid("a.png", 0, 0, 255), corrupt, Solid("b.png", 255, 0, 0)]);

        scores[0].Error.Should().BeNull();
        scores[1].Error.Should().StartWith("the image cannot be decoded");
        scores[2].Probabilities.Should().NotBeNull();
    }

    [SkippableFact]
    public void DeepDanbooru_takes_rgb_0_to_1_at_512_and_reads_ratings_and_characters_from_its_tag_files()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var dir = SyntheticModels.Generate("make_tiny_wd14.py", "tiny-deepdanbooru", "--deepdanbooru");
        using var tagger = new BooruTagger(Path.Combine(dir, "model.onnx"),
            BooruLabels.FromTagsTxt(Path.Combine(dir, "tags.txt"), Path.Combine(dir, "tags-character.txt")), BooruPreprocess.DeepDanbooru);
        tagger.Side.Should().Be(512);

        // Edge padding keeps the colour pure (no white), so the whole mean is the image's.
        var blue = Select(tagger, Solid("blue.png", 0, 0, 255));
        blue.Tags.Select(t => t.Tag).Should().Contain("blue background");
        blue.Rating!.Label.Should().Be("safe");
        Select(tagger, Solid("red.png", 255, 0, 0)).Rating!.Label.Should().Be("explicit");
        Select(tagger, Solid("green.png", 0, 255, 0)).Characters.Select(c => c.Tag).Should().Equal("hatsune miku (vocaloid)");
    }
}
