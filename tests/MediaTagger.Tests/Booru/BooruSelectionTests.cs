using FluentAssertions;
using MediaTagger.Stages.Booru;
using MediaTagger.Stages.Tags;
using Xunit;

namespace MediaTagger.Tests.Booru;

public sealed class BooruSelectionTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mt-booru-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private BooruLabels Labels(params (string Name, int Category)[] tags)
    {
        var path = Path.Combine(folder, "selected_tags.csv");
        File.WriteAllLines(path, ["tag_id,name,category,count", .. tags.Select((t, i) => $"{i},{t.Name},{t.Category},{100 - i}")]);
        return BooruLabels.FromSelectedTagsCsv(path);
    }

    private BooruLabels Standard() => Labels(
        ("general", 9), ("sensitive", 9), ("questionable", 9), ("explicit", 9),
        ("1girl", 0), ("long_hair", 0), ("smile", 0), ("^_^", 0), ("o_o", 0), ("blue_sky", 0),
        ("hatsune_miku_(vocaloid)", 4), ("kirisame_marisa", 4));

    //                                   gen   sens  ques  expl  1girl hair  smile ^_^   o_o   sky   miku  marisa
    private static readonly float[] Scores = [0.80f, 0.15f, 0.04f, 0.01f, 0.98f, 0.72f, 0.36f, 0.60f, 0.40f, 0.20f, 0.90f, 0.62f];

    private static BooruSelection Select(BooruLabels labels, BooruSelectionRules? rules = null) => BooruSelector.Select(labels, Scores, rules ?? new BooruSelectionRules());

    [Fact]
    public void Default_thresholds_keep_general_tags_at_035_and_characters_at_085_with_the_best_rating_apart()
    {
        var selection = Select(Standard());

        selection.Tags.Select(t => t.Tag).Should().Equal("1girl", "hatsune miku (vocaloid)", "long hair", "^_^", "o_o", "smile");
        selection.Characters.Select(t => t.Tag).Should().Equal("hatsune miku (vocaloid)");
        selection.Rating.Should().Be(new BooruRating("general", 0.80f));
        selection.Ratings.Select(r => r.Label).Should().Equal("general", "sensitive", "questionable", "explicit");
        selection.Tags.Should().NotContain(t => t.Category == BooruCategory.Rating, "ratings are reported apart unless asked for");
    }

    [Fact]
    public void Thresholds_are_separate_per_category()
    {
        var selection = Select(Standard(), new BooruSelectionRules { GeneralThreshold = 0.7f, CharacterThreshold = 0.6f });

        selection.Tags.Select(t => t.Tag).Should().BeEquivalentTo("1girl", "long hair", "hatsune miku (vocaloid)", "kirisame marisa");
    }

    [Fact]
    public void Mcut_cuts_at_the_largest_gap_and_characters_never_below_the_floor()
    {
        BooruSelector.Mcut([0.95f, 0.9f, 0.3f, 0.25f, 0.1f]).Should().BeApproximately(0.6f, 1e-6f);
        BooruSelector.Mcut([0.5f]).Should().Be(0.5f);
        BooruSelector.Mcut([]).Should().Be(float.PositiveInfinity);

        var selection = Select(Standard(), new BooruSelectionRules { GeneralMcut = true, CharacterMcut = true });
        // general: 0.98 | 0.72 0.60 0.40 0.36 0.20 -> the widest gap is 0.98-0.72: only 1girl.
        selection.Tags.Where(t => t.Category == BooruCategory.General).Select(t => t.Tag).Should().Equal("1girl");
        selection.GeneralThreshold.Should().BeApproximately(0.85f, 1e-6f);
        // characters: 0.90 | 0.62 -> cut at 0.76, above the 0.15 floor.
        selection.CharacterThreshold.Should().BeApproximately(0.76f, 1e-6f);

        var low = BooruSelector.Select(Standard(), [0.8f, 0.1f, 0.05f, 0.05f, 0.9f, 0, 0, 0, 0, 0, 0.12f, 0.02f], new BooruSelectionRules { CharacterMcut = true });
        low.CharacterThreshold.Should().Be(0.15f, "MCut between 0.12 and 0.02 would be 0.07; the floor is 0.15");
        low.Characters.Should().BeEmpty();
    }

    [Fact]
    public void Undesired_and_replacements_apply_after_the_underscore_clean_up()
    {
        var rules = new TagRules { Lowercase = false }.WithLists(TagRules.ParseReplacements("long_hair,very long hair;smile,"), TagRules.ParseList("1girl, o_o"));

        var selection = Select(Standard(), new BooruSelectionRules { Rules = rules });

        selection.Tags.Select(t => t.Tag).Should().Equal("hatsune miku (vocaloid)", "very long hair", "^_^");
    }

    [Fact]
    public void Kaomoji_keep_their_underscores_and_underscores_can_stay()
    {
        Select(Standard()).Tags.Select(t => t.Tag).Should().Contain(["^_^", "o_o", "long hair"]);
        Select(Standard(), new BooruSelectionRules { Rules = new TagRules { UnderscoresToSpaces = false, Lowercase = false } })
            .Tags.Select(t => t.Tag).Should().Contain(["long_hair", "hatsune_miku_(vocaloid)"]);
    }

    [Fact]
    public void Character_first_rating_tag_and_max_tags_shape_the_list()
    {
        var selection = Select(Standard(), new BooruSelectionRules { CharacterFirst = true, RatingTag = true, MaxTags = 3 });

        selection.Tags.Select(t => t.Tag).Should().Equal("hatsune miku (vocaloid)", "1girl", "long hair", "rating:general");
        selection.Tags[^1].Category.Should().Be(BooruCategory.Rating);
    }

    [Fact]
    public void Caption_order_always_first_separator_and_escaping()
    {
        var tags = Select(Standard(), new BooruSelectionRules { RatingTag = true }).Tags;

        new BooruCaption().Format(tags).Should().Be("hatsune miku (vocaloid), 1girl, long hair, ^_^, o_o, smile, rating:general");
        new BooruCaption { Order = "general,character" }.Format(tags).Should().Be("1girl, long hair, ^_^, o_o, smile, hatsune miku (vocaloid)");
        new BooruCaption { Order = "score" }.Format(tags).Should().StartWith("1girl, hatsune miku (vocaloid), rating:general, long hair");
        new BooruCaption { AlwaysFirst = ["smile", "o_o", "absent"], Separator = "," }.Format(tags).Should().StartWith("smile,o_o,hatsune miku (vocaloid),1girl");
        new BooruCaption { EscapeParentheses = true }.Format(tags).Should().StartWith(@"hatsune miku \(vocaloid\), 1girl");
        BooruCaption.OrderProblem("general,rating").Should().BeNull();
        BooruCaption.OrderProblem("general,general").Should().NotBeNull();
        BooruCaption.OrderProblem("artist").Should().NotBeNull();
    }

    [Fact]
    public void DeepDanbooru_tags_txt_reads_ratings_by_prefix_and_characters_from_their_file()
    {
        var tags = Path.Combine(folder, "tags.txt");
        var characters = Path.Combine(folder, "tags-character.txt");
        File.WriteAllLines(tags, ["1girl", "hatsune_miku", "rating:safe", "rating:explicit"]);
        File.WriteAllLines(characters, ["hatsune_miku"]);

        var labels = BooruLabels.FromTagsTxt(tags, characters);

        labels.Labels.Select(l => l.Category).Should().Equal(BooruCategory.General, BooruCategory.Character, BooruCategory.Rating, BooruCategory.Rating);
        BooruSelector.Select(labels, [0.9f, 0.9f, 0.7f, 0.2f], new BooruSelectionRules()).Rating.Should().Be(new BooruRating("safe", 0.7f));
        BooruLabels.FromTagsTxt(tags).Labels[1].Category.Should().Be(BooruCategory.General, "without tags-character.txt there are no characters");
    }

    [Fact]
    public void A_file_that_is_not_a_selected_tags_csv_is_refused_with_the_reason()
    {
        var path = Path.Combine(folder, "bad.csv");
        File.WriteAllText(path, "name,count\n1girl,5\n");

        var act = () => BooruLabels.FromSelectedTagsCsv(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*tag_id,name,category,count*");
    }
}
