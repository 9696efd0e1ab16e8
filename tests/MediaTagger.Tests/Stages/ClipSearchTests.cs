using MediaTagger.Core.Stages;
using MediaTagger.Stages.Clip;

namespace MediaTagger.Tests.Stages;

public sealed class ClipSearchTests
{
    private static readonly StoredEmbedding[] Stored =
    [
        new(1, "/photos/cats/a.jpg", "clip", "b32", "s", [1f, 0f]),
        new(2, "/photos/dogs/b.jpg", "clip", "b32", "s", [0.6f, 0.8f]),
        new(3, "/photos/cats-old/c.jpg", "clip", "b32", "s", [0f, 1f]),
        new(4, "/photos/x.jpg", "clip", "l14", "s", [1f, 0f, 0f]),
    ];

    [Fact]
    public void Files_rank_by_cosine_best_first_and_other_dimensions_are_left_out()
    {
        var hits = ClipSearch.Rank([0.8f, 0.6f], Stored, folder: null, top: 10);

        hits.Select(h => h.Path).Should().Equal("/photos/dogs/b.jpg", "/photos/cats/a.jpg", "/photos/cats-old/c.jpg");
        hits[0].Score.Should().BeApproximately(0.96f, 1e-6f);
        ClipSearch.Rank([0.8f, 0.6f], Stored, null, top: 1).Should().ContainSingle();
    }

    [Fact]
    public void A_folder_keeps_only_files_under_it_not_siblings_sharing_its_name_prefix()
    {
        ClipSearch.Rank([1f, 0f], Stored, "/photos/cats/", 10).Select(h => h.Path).Should().Equal("/photos/cats/a.jpg");
        ClipSearch.Rank([1f, 0f], Stored, "/photos/cats", 10).Select(h => h.Path).Should().Equal("/photos/cats/a.jpg");
    }

    [Fact]
    public void The_model_most_files_have_is_searched_unless_one_is_asked_for()
    {
        ClipSearch.ModelOf(Stored, null).Should().Be("b32");
        ClipSearch.ModelOf(Stored, "l14").Should().Be("l14");
        ClipSearch.ModelOf([], null).Should().BeNull();
    }

    [Fact]
    public void A_prompt_template_takes_the_label_in_place_of_its_braces_or_after_it()
    {
        ClipZeroShot.Prompt("a photo of a {}.", "cat").Should().Be("a photo of a cat.");
        ClipZeroShot.Prompt("photo:", "cat").Should().Be("photo: cat");
    }
}
