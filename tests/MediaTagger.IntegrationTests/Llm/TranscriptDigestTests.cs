using System.Text.Json.Nodes;
using FluentAssertions;
using MediaTagger.IntegrationTests.Llama;
using MediaTagger.Native.Llama;
using MediaTagger.Stages.Llm;
using Xunit;
using Xunit.Abstractions;

namespace MediaTagger.IntegrationTests.Llm;

/// <summary>Map-reduce planning measured with Qwen2's real tokenizer and chat template; the "model" answers with a fixed part summary.</summary>
[Collection(LlamaTestSupport.Collection)]
public class TranscriptDigestTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void A_50k_token_transcript_is_digested_with_every_step_inside_the_context_budget()
    {
        using var qwen = LlamaTestSupport.LoadQwenVocab();
        var session = new QwenSession(qwen, contextTokens: 4096);
        var words = "so the next thing we talked about was how the city rebuilt its harbour after the storm and what it cost".Split(' ');
        var pieces = new List<TranscriptPiece>();
        var tokens = 0;
        for (var i = 0; tokens < 50_000; i++)
        {
            var text = string.Join(' ', Enumerable.Range(0, 18).Select(w => words[(i + w) % words.Length])) + $" point {i}.";
            pieces.Add(new TranscriptPiece(i * 6.0, (i * 6.0) + 5.5, text));
            tokens += qwen.Tokenize(" " + text, addSpecial: false, parseSpecial: false).Length;
        }

        var digest = new TranscriptDigest(session, LlmStageOptions.DefaultSystem, LlmStageOptions.DefaultMapPrompt, LlmStageOptions.DefaultReducePrompt, 600);
        var finalBudget = 1500;
        var result = digest.Run(pieces, text => qwen.Tokenize(text, false, false).Length <= finalBudget, _ => { }, CancellationToken.None);

        output.WriteLine($"{tokens} transcript tokens; {result.MapSteps} map and {result.ReduceSteps} reduce steps; largest prompt {session.Calls.Max(c => c.Prompt)}");
        session.Calls.Should().NotBeEmpty().And.OnlyContain(c => c.Prompt + c.MaxTokens <= 4096, "every step must fit the context with its answer");
        result.MapSteps.Should().BeGreaterThan(12, "50k tokens cannot go into fewer than 13 parts of a 4096-token context");
        result.ReduceSteps.Should().BeGreaterThan(0);
        session.Calls.Max(c => c.Prompt).Should().BeGreaterThan(2000, "parts are packed, not cut small");
        result.Summaries[0].Start.Should().Be(0);
        result.Summaries[^1].End.Should().Be(pieces[^1].End);
        qwen.Tokenize(TranscriptDigest.Join(result.Summaries), false, false).Length.Should().BeLessThanOrEqualTo(finalBudget);
        var covered = session.MappedText.ToString();
        covered.Should().Contain("point 0.").And.Contain($"point {pieces.Count - 1}.", "no part of the transcript is skipped");
    }

    private sealed class QwenSession(LlamaModel model, int contextTokens) : ILlmSession
    {
        public List<(int Prompt, int MaxTokens)> Calls { get; } = [];

        public System.Text.StringBuilder MappedText { get; } = new();

        public int ContextTokens => contextTokens;

        public int CountTokens(IReadOnlyList<ChatMessage> messages) =>
            model.Tokenize(model.ApplyChatTemplate(messages, addAssistantTurn: true), addSpecial: true, parseSpecial: true).Length;

        public string Truncate(string text, int maxTokens) => text;

        public LlmReply Generate(IReadOnlyList<ChatMessage> messages, OutputSchema schema, int maxTokens, int attempt, CancellationToken cancellationToken)
        {
            var prompt = CountTokens(messages);
            Calls.Add((prompt, maxTokens));
            MappedText.Append(messages[^1].Content);
            var summary = string.Join(' ', Enumerable.Repeat("The speakers discuss the harbour rebuilt after the storm.", 8));
            return new LlmReply(new JsonObject { ["summary"] = summary }.ToJsonString(), prompt, 120, false, 0, 0);
        }
    }
}
