using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Native.Llama;

namespace MediaTagger.Stages.Llm;

/// <summary>What one generation gave: the text, the exact token counts, and whether it ran out of tokens.</summary>
internal sealed record LlmReply(string Text, int PromptTokens, int GeneratedTokens, bool Truncated, double PromptMs, double GenerateMs);

/// <summary>
/// The model as the llm stage's logic sees it: exact token counts of a chat as the model will read it, a tokenizer-
/// exact cut of a text, and grammar-held generation. <see cref="LlamaSession"/> is llama.cpp; tests of the map-reduce
/// planning use a stand-in with a real tokenizer.
/// </summary>
internal interface ILlmSession
{
    int ContextTokens { get; }

    /// <summary>The tokens the chat takes once formatted with the chat template and an opened assistant turn.</summary>
    int CountTokens(IReadOnlyList<ChatMessage> messages);

    /// <summary>The longest start of <paramref name="text"/> that is at most <paramref name="maxTokens"/> tokens.</summary>
    string Truncate(string text, int maxTokens);

    /// <summary>
    /// Generates an answer to the chat held to <paramref name="schema"/>'s grammar, at most <paramref name="maxTokens"/>
    /// tokens; <paramref name="attempt"/> 0 is the configured sampling, 1 a retry with another seed.
    /// </summary>
    LlmReply Generate(IReadOnlyList<ChatMessage> messages, OutputSchema schema, int maxTokens, int attempt, CancellationToken cancellationToken);
}

/// <summary>An answer that parsed and passed its schema, or the raw text and why it did not.</summary>
internal sealed record StructuredAnswer(JsonObject? Value, string Raw, int Attempts, int PromptTokens, int GeneratedTokens, string? Problem)
{
    public bool Success => Value is not null;

    /// <summary>
    /// Asks, parses and validates; an answer that does not parse, breaks the schema or was cut off is asked once more
    /// with another seed. The text is never scraped for JSON: it is the answer or it is not.
    /// </summary>
    public static StructuredAnswer Ask(ILlmSession session, IReadOnlyList<ChatMessage> messages, OutputSchema schema, int maxTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var prompt = session.CountTokens(messages);
        if (prompt + maxTokens > session.ContextTokens)
        {
            throw new InvalidOperationException($"the prompt takes {prompt} tokens and the answer up to {maxTokens}, more than the {session.ContextTokens}-token context");
        }

        StructuredAnswer? last = null;
        var generated = 0;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reply = session.Generate(messages, schema, maxTokens, attempt, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            generated += reply.GeneratedTokens;
            var problem = reply.Truncated ? $"the answer was cut off at {maxTokens} tokens" : null;
            JsonObject? value = null;
            if (problem is null)
            {
                try
                {
                    value = JsonNode.Parse(reply.Text) as JsonObject;
                    problem = value is null ? "the answer is not a JSON object" : null;
                }
                catch (JsonException ex)
                {
                    problem = "the answer is not valid JSON: " + ex.Message;
                }
            }

            if (problem is null && schema.Validate(value) is { Count: > 0 } problems)
            {
                problem = "the answer breaks the schema: " + string.Join("; ", problems);
            }

            last = new StructuredAnswer(problem is null ? value : null, reply.Text, attempt + 1, reply.PromptTokens, generated, problem);
            if (problem is null)
            {
                return last;
            }
        }

        return last!;
    }
}
