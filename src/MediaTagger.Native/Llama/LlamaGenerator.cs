using System.Text;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Native.Llama;

/// <summary>Why a generation stopped.</summary>
public enum StopReason
{
    /// <summary>The model produced an end-of-generation token (EOS, end of turn, or a completed grammar).</summary>
    EndOfGeneration,

    /// <summary>The token budget was used up.</summary>
    MaxTokens,

    /// <summary>The cancellation token fired.</summary>
    Cancelled,

    /// <summary>The context has no room for another token.</summary>
    ContextFull,
}

/// <summary>The outcome of <see cref="LlamaGenerator.Generate(LlamaContext, LlamaSampler, string, int, CancellationToken)"/>.</summary>
/// <param name="Text">The generated text (end-of-generation and other control tokens are not rendered).</param>
/// <param name="PromptTokens">Tokens decoded as the prompt.</param>
/// <param name="GeneratedTokens">Tokens generated, excluding the end-of-generation token.</param>
/// <param name="Tokens">The generated token ids.</param>
public sealed record GenerationResult(
    string Text,
    int PromptTokens,
    int GeneratedTokens,
    IReadOnlyList<int> Tokens,
    StopReason StopReason,
    double PromptMs,
    double GenerateMs);

/// <summary>
/// Runs the prompt-then-token-by-token loop: decode the prompt, then sample, feed back and repeat until an
/// end-of-generation token, the token budget, the context size, or cancellation.
/// </summary>
public sealed class LlamaGenerator(ILogger? logger = null, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;

    /// <summary>
    /// Tokenizes <paramref name="prompt"/> (special-token text such as "&lt;|im_start|&gt;" is parsed; BOS is added
    /// only when the context is empty) and generates up to <paramref name="maxTokens"/> tokens after it.
    /// </summary>
    public GenerationResult Generate(LlamaContext context, LlamaSampler sampler, string prompt, int maxTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(prompt);
        var tokens = context.Model.TokenizeCore(prompt, addSpecial: context.Position == 0, parseSpecial: true);
        return Generate(context, sampler, tokens, maxTokens, cancellationToken);
    }

    /// <summary>
    /// Decodes <paramref name="promptTokens"/> after what the context already holds and generates up to
    /// <paramref name="maxTokens"/> tokens. Every generated token is fed back, so the context can continue the
    /// conversation. The sampler is reset first (fresh grammar and penalty state). Cancellation is reported as
    /// <see cref="StopReason.Cancelled"/> with the text so far.
    /// </summary>
    public GenerationResult Generate(LlamaContext context, LlamaSampler sampler, ReadOnlySpan<int> promptTokens, int maxTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        if (promptTokens.IsEmpty && !context.HasLogits)
        {
            throw new ArgumentException("the prompt is empty and the context holds nothing to continue from", nameof(promptTokens));
        }

        if (context.Position + promptTokens.Length > context.ContextSize)
        {
            throw new ArgumentException(
                $"the prompt has {promptTokens.Length} tokens but the context has room for {context.ContextSize - context.Position} (of {context.ContextSize})",
                nameof(promptTokens));
        }

        var model = context.Model;
        sampler.Reset();
        var generated = new List<int>();
        var text = new List<byte>();
        var reason = StopReason.Cancelled;

        var started = time.GetTimestamp();
        var promptDone = started;
        try
        {
            context.Decode(promptTokens, cancellationToken);
            promptDone = time.GetTimestamp();
            reason = Loop();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reason = StopReason.Cancelled;
        }

        var finished = time.GetTimestamp();
        if (promptDone == started)
        {
            promptDone = finished;
        }

        var result = new GenerationResult(
            Encoding.UTF8.GetString(text.ToArray()),
            promptTokens.Length,
            generated.Count,
            generated,
            reason,
            time.GetElapsedTime(started, promptDone).TotalMilliseconds,
            time.GetElapsedTime(promptDone, finished).TotalMilliseconds);
        LlamaLog.GenerationFinished(logger ?? LlamaBackend.Logger, result.PromptTokens, result.GeneratedTokens, reason, result.PromptMs, result.GenerateMs);
        return result;

        StopReason Loop()
        {
            while (true)
            {
                if (generated.Count >= maxTokens)
                {
                    return StopReason.MaxTokens;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    return StopReason.Cancelled;
                }

                var token = sampler.Sample(context);
                if (model.IsEndOfGenerationCore(token))
                {
                    return StopReason.EndOfGeneration;
                }

                generated.Add(token);

                // Bytes, not strings: one token can hold half of a multi-byte character.
                text.AddRange(model.TokenToPieceBytes(token, special: false));
                if (context.Position >= context.ContextSize)
                {
                    return StopReason.ContextFull;
                }

                context.Decode([token], cancellationToken);
            }
        }
    }
}
