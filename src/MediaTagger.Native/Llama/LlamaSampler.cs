namespace MediaTagger.Native.Llama;

/// <summary>
/// A llama.cpp sampler chain built with <see cref="LlamaSampler.CreateBuilder"/>: filters (top-k, grammar, ...)
/// followed by exactly one selecting stage (greedy or a seeded random draw). Not thread-safe.
/// </summary>
public sealed class LlamaSampler : IDisposable
{
    private readonly SafeLlamaSamplerHandle handle;

    internal LlamaSampler(LlamaModel model, SafeLlamaSamplerHandle handle, IReadOnlyList<string> stages)
    {
        Model = model;
        this.handle = handle;
        Stages = stages;
    }

    public LlamaModel Model { get; }

    /// <summary>The stages in chain order, e.g. ["top-k 40", "temperature 0.8", "distribution seed 42"].</summary>
    public IReadOnlyList<string> Stages { get; }

    public static LlamaSamplerBuilder CreateBuilder(LlamaModel model) => new(model);

    /// <summary>
    /// Picks the next token from the logits of the last decoded token (llama_sampler_sample, idx -1) and
    /// accepts it into the chain's state (grammar position, penalty history).
    /// </summary>
    public int Sample(LlamaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ReferenceEquals(context.Model, Model))
        {
            // Token ids (and a grammar's vocab pointer) are only meaningful for the model the chain was built for.
            throw new ArgumentException($"the sampler was built for {Model}, the context runs {context.Model}", nameof(context));
        }

        if (!context.HasLogits)
        {
            // llama.cpp aborts the process when asked to sample without logits.
            throw new InvalidOperationException("nothing to sample from: decode a prompt (or the last sampled token) first");
        }

        return LlamaNative.llama_sampler_sample(handle, context.Handle, -1);
    }

    /// <summary>Feeds a token the chain did not pick itself (e.g. a forced token) into its state.</summary>
    public void Accept(int token)
    {
        if ((uint)token >= (uint)Model.VocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token id outside the vocabulary of {Model.VocabSize} tokens");
        }

        LlamaNative.llama_sampler_accept(handle, token);
    }

    /// <summary>Forgets accepted tokens: grammar back to its root rule, penalty history empty.</summary>
    public void Reset() => LlamaNative.llama_sampler_reset(handle);

    public void Dispose() => handle.Dispose();

    public override string ToString() => string.Join(" -> ", Stages);
}
