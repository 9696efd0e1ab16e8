using System.Text.Json.Nodes;
using FluentAssertions;
using MediaTagger.Stages.Llm;
using Xunit;

namespace MediaTagger.Tests.Llm;

public class OutputSchemaTests
{
    private static readonly OutputSchema Answer = AnswerSchemas.Answer(null, null);

    [Fact]
    public void The_base_answer_accepts_summary_and_tags_with_an_optional_title()
    {
        Answer.Validate(JsonNode.Parse("""{"summary":"A cat.","tags":["cat"]}""")).Should().BeEmpty();
        Answer.Validate(JsonNode.Parse("""{"summary":"A cat.","tags":[],"title":"Cat"}""")).Should().BeEmpty();
    }

    [Theory]
    [InlineData("""{"tags":["cat"]}""", "$.summary: required but missing")]
    [InlineData("""{"summary":"","tags":[]}""", "$.summary: 0 characters")]
    [InlineData("""{"summary":"x","tags":"cat"}""", "$.tags: expected an array")]
    [InlineData("""{"summary":"x","tags":[1]}""", "$.tags[0]: expected a string")]
    [InlineData("""{"summary":"x","tags":[],"mood":"calm"}""", "$.mood: not a property")]
    [InlineData("""{"summary":"x","tags":["a","b","c","d","e","f","g","h","i","j","k"]}""", "$.tags: 11 items")]
    public void An_answer_that_breaks_the_schema_is_reported_with_its_path(string json, string problem) =>
        Answer.Validate(JsonNode.Parse(json)).Should().ContainMatch(problem + "*");

    [Fact]
    public void The_grammar_writes_required_keys_first_and_bounds_every_string_and_array()
    {
        var grammar = Answer.ToGrammar();

        grammar.Should().StartWith("root ::= ");
        grammar.Should().Contain("\"\\\"summary\\\"\"").And.Contain("\"\\\"tags\\\"\"").And.Contain("( \",\" ws \"\\\"title\\\"\"");
        grammar.Should().Contain("char{1,400}").And.Contain("char{1,32}").And.Contain("){0,9}");
        grammar.IndexOf("summary", StringComparison.Ordinal).Should().BeLessThan(grammar.IndexOf("title", StringComparison.Ordinal));
        Answer.MaxChars.Should().BeInRange(1000, 2000);
    }

    [Fact]
    public void A_pipeline_schema_adds_properties_and_a_vocabulary_turns_tags_into_an_enum()
    {
        var vocabulary = MediaTagger.Stages.Tags.TagVocabulary.Parse("cat, kitty\ndog", new(), "sha", "test");
        var schema = AnswerSchemas.Answer("""{"properties":{"mood":{"enum":["calm","tense"]},"people":{"type":"integer","minimum":0}},"required":["mood"]}""", vocabulary);

        schema.Validate(JsonNode.Parse("""{"summary":"x","tags":["cat"],"mood":"calm","people":2}""")).Should().BeEmpty();
        schema.Validate(JsonNode.Parse("""{"summary":"x","tags":["horse"],"mood":"calm"}""")).Should().ContainMatch("$.tags[0]: \"horse\" is not one of*");
        schema.Validate(JsonNode.Parse("""{"summary":"x","tags":["cat","cat"],"mood":"calm"}""")).Should().ContainMatch("*more than once*");
        schema.Validate(JsonNode.Parse("""{"summary":"x","tags":[],"mood":"calm","people":-1}""")).Should().ContainMatch("$.people: -1 is outside*");
        schema.Validate(JsonNode.Parse("""{"summary":"x","tags":[]}""")).Should().Contain("$.mood: required but missing");
        schema.ToGrammar().Should().Contain("\"\\\"cat\\\"\" | \"\\\"dog\\\"\"");
    }

    [Theory]
    [InlineData("""{"properties":{"summary":{"type":"number"}}}""", "summary")]
    [InlineData("""{"properties":{"x":{"type":"string","pattern":"a+"}}}""", "pattern")]
    [InlineData("""{"properties":{"x":{"type":"string","minLength":5,"maxLength":2}}}""", "maxLength")]
    [InlineData("""{"properties":{"x":{"type":"array"}}}""", "items")]
    [InlineData("""{"properties":{"summary":{"type":3}}}""", "not a usable JSON schema")]
    [InlineData("""{ "properties": """, "not a usable JSON schema")]
    public void An_unusable_pipeline_schema_is_refused_with_the_reason(string extension, string mentioned)
    {
        var act = () => AnswerSchemas.Answer(extension, null);

        act.Should().Throw<FormatException>().Which.Message.Should().Contain(mentioned);
    }
}
