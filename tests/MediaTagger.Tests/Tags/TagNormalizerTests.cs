using FluentAssertions;
using MediaTagger.Stages.Llm;
using MediaTagger.Stages.Tags;
using Xunit;

namespace MediaTagger.Tests.Tags;

public class TagNormalizerTests
{
    private static TagNormalization Run(TagRules rules, IEnumerable<(string Tag, string Stage)> tags, TagVocabulary? vocabulary = null, int max = 64,
        IReadOnlyDictionary<string, string?>? synonyms = null) =>
        new TagNormalizer(rules, vocabulary, max).Normalize(tags.Select(t => new TagCandidate(t.Tag, t.Stage)), synonyms);

    [Fact]
    public void Tags_from_several_stages_merge_without_duplicates_and_keep_every_source()
    {
        var result = Run(new TagRules(), [("Cat", "imagenet"), ("sofa", "llm"), ("cat", "llm")]);

        result.Tags.Should().Equal("cat", "sofa");
        result.Sources["cat"].Should().Equal("imagenet", "llm");
    }

    [Fact]
    public void Underscores_become_spaces_unless_turned_off_and_emoticons_keep_theirs()
    {
        Run(new TagRules(), [("long_hair", "wd14"), ("^_^", "wd14")]).Tags.Should().Equal("long hair", "^_^");
        Run(new TagRules { UnderscoresToSpaces = false }, [("long_hair", "wd14")]).Tags.Should().Equal("long_hair");
    }

    [Fact]
    public void Case_is_lowered_unless_turned_off_and_whitespace_folds()
    {
        Run(new TagRules(), [("  Tabby   Cat ", "imagenet")]).Tags.Should().Equal("tabby cat");
        Run(new TagRules { Lowercase = false }, [("Tabby Cat", "imagenet"), ("tabby cat", "llm")]).Tags.Should().Equal("Tabby Cat");
    }

    [Fact]
    public void Parentheses_are_escaped_for_caption_files_when_asked()
    {
        Run(new TagRules { EscapeParentheses = true }, [("cat_(animal)", "wd14")]).Tags.Should().Equal("cat \\(animal\\)");
    }

    [Fact]
    public void Undesired_tags_are_dropped_and_recorded()
    {
        var rules = new TagRules().WithLists([], TagRules.ParseList("Simple_Background, white background"));

        var result = Run(rules, [("simple background", "wd14"), ("cat", "wd14"), ("white_background", "wd14")]);

        result.Tags.Should().Equal("cat");
        result.Drops.Select(d => (d.Tag, d.Reason)).Should().Equal(("simple background", "undesired"), ("white background", "undesired"));
    }

    [Fact]
    public void Kohya_replacement_rules_replace_and_an_empty_target_removes()
    {
        var rules = new TagRules().WithLists(TagRules.ParseReplacements("1girl,one girl;watermark,;a\\,b,c"), []);

        var result = Run(rules, [("1girl", "wd14"), ("watermark", "wd14"), ("a,b", "wd14")]);

        result.Tags.Should().Equal("one girl", "c");
        result.Changes.Should().ContainSingle(c => c.From == "1girl" && c.To == "one girl" && c.Rule == TagNormalizer.ReplacementRule);
        result.Drops.Should().ContainSingle(d => d.Tag == "watermark");
    }

    [Fact]
    public void A_replacement_rule_without_a_target_is_a_clear_error()
    {
        var act = () => TagRules.ParseReplacements("cat;dog,puppy");

        act.Should().Throw<FormatException>().WithMessage("*\"cat\"*source,target*");
    }

    [Fact]
    public void A_vocabulary_keeps_its_terms_maps_aliases_and_llm_synonyms_and_drops_the_rest_with_the_mapping_recorded()
    {
        var vocabulary = TagVocabulary.Parse("# animals\ncat, kitty, tabby cat\ndog\n", new TagRules(), "sha", "vocab.txt");

        var result = Run(new TagRules(), [("Tabby_Cat", "imagenet"), ("puppy", "llm"), ("dog", "llm"), ("spaceship", "llm")], vocabulary,
            synonyms: new Dictionary<string, string?> { ["puppy"] = "dog", ["spaceship"] = null });

        result.Tags.Should().Equal("cat", "dog");
        result.Changes.Should().Contain(c => c.From == "tabby cat" && c.To == "cat" && c.Rule == TagNormalizer.AliasRule)
            .And.Contain(c => c.From == "puppy" && c.To == "dog" && c.Rule == TagNormalizer.SynonymRule);
        result.Drops.Should().ContainSingle(d => d.Tag == "spaceship" && d.Reason == "not in the vocabulary");
        result.Sources["dog"].Should().Equal("llm");
    }

    [Fact]
    public void An_llm_synonym_outside_the_vocabulary_is_not_trusted()
    {
        var vocabulary = TagVocabulary.Parse("cat", new TagRules(), "sha", "vocab.txt");

        Run(new TagRules(), [("horse", "llm")], vocabulary, synonyms: new Dictionary<string, string?> { ["horse"] = "pony" }).Tags.Should().BeEmpty();
    }

    [Fact]
    public void An_alias_claimed_by_two_terms_is_refused()
    {
        var act = () => TagVocabulary.Parse("cat, kitty\ndog, kitty", new TagRules(), "sha", "vocab.txt");

        act.Should().Throw<FormatException>().WithMessage("vocab.txt line 2*kitty*cat*");
    }

    [Fact]
    public void The_list_is_cut_at_max_tags_keeping_the_first_seen()
    {
        var result = Run(new TagRules(), [("a", "x"), ("b", "x"), ("c", "x")], max: 2);

        result.Tags.Should().Equal("a", "b");
        result.Drops.Should().ContainSingle(d => d.Tag == "c");
    }

    [Theory]
    [InlineData("Hello {name}, a {kind}", null)]
    [InlineData("{{literal}} {name}", null)]
    [InlineData("{nope}", "unknown placeholder(s) {nope}")]
    [InlineData("{name", "never closed")]
    [InlineData("name}", "closes nothing")]
    public void Prompt_templates_are_checked_for_their_placeholders(string template, string? problem)
    {
        var found = PromptTemplate.Problem(template, LlmStageOptions.Placeholders);

        if (problem is null)
        {
            found.Should().BeNull();
        }
        else
        {
            found.Should().Contain(problem);
        }
    }

    [Fact]
    public void A_rendered_template_fills_placeholders_and_keeps_literal_braces() =>
        PromptTemplate.Render("{{x}} {name}!", new Dictionary<string, string> { ["name"] = "cat.jpg" }).Should().Be("{x} cat.jpg!");
}
