using System.Numerics;

namespace MediaTagger.Native.Llama;

/// <summary>
/// A llama.cpp sampler chain built with <see cref="LlamaSampler.CreateBuilder"/>: filters (top-k, grammar, ...)
/// followed by exactly one selecting stage (greedy or a seeded random draw). Not thread-safe.
/// </summary>
public sealed class LlamaSampler : IDisposable
{
    private readonly SafeLlamaSamplerHandle handle;

    // A chain of greedy alone is an argmax of the logits, which the binding takes itself (see ArgMax).
    private readonly bool greedyOnly;

    internal LlamaSampler(LlamaModel model, SafeLlamaSamplerHandle handle, IReadOnlyList<string> stages, bool greedyOnly)
    {
        Model = model;
        this.handle = handle;
        Stages = stages;
        this.greedyOnly = greedyOnly;
    }

    public LlamaModel Model { get; }

    /// <summary>The stages in chain order, e.g. ["top-k 40", "temperature 0.8", "distribution seed 42"].</summary>
    public IReadOnlyList<string> Stages { get; }

    public static LlamaSamplerBuilder CreateBuilder(LlamaModel model) => new(model);

    /// <summary>
    /// Picks the next token from the logits of the last decoded token (llama_sampler_sample, idx -1) and
    /// accepts it into the chain's state (grammar position, penalty history). A chain of <see cref="LlamaSamplerBuilder.Greedy"/>
    /// alone takes the same token by an argmax of the logits, without llama.cpp's copy of the whole vocabulary.
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

        if (greedyOnly)
        {
            var token = GreedyToken(context);
            if (token >= 0)
            {
                LlamaNative.llama_sampler_accept(handle, token);
                return token;
            }
        }

        return LlamaNative.llama_sampler_sample(handle, context.Handle, -1);
    }

    /// <summary>
    /// The index of the first largest of <paramref name="logits"/>, as llama.cpp's greedy sampler picks it (a later
    /// equal value does not replace an earlier one); -1 when a value is NaN, whose order only the native loop defines.
    /// </summary>
    internal static int ArgMax(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            return -1;
        }

        var width = Vector<float>.Count;
        var i = 0;
        var max = new Vector<float>(float.NegativeInfinity);
        var nan = Vector<int>.Zero;
        for (; i + width <= logits.Length; i += width)
        {
            var v = new Vector<float>(logits[i..]);
            max = Vector.Max(max, v);
            nan |= ~Vector.Equals(v, v);
        }

        if (nan != Vector<int>.Zero)
        {
            return -1;
        }

        var best = float.NegativeInfinity;
        for (var lane = 0; lane < width; lane++)
        {
            best = Math.Max(best, max[lane]);
        }

        for (var j = i; j < logits.Length; j++)
        {
            if (float.IsNaN(logits[j]))
            {
                return -1;
            }

            best = Math.Max(best, logits[j]);
        }

        // -0 and +0 compare equal here, as in the native comparison.
        var target = new Vector<float>(best);
        for (i = 0; i + width <= logits.Length; i += width)
        {
            var hits = Vector.Equals(new Vector<float>(logits[i..]), target);
            if (hits != Vector<int>.Zero)
            {
                for (var lane = 0; lane < width; lane++)
                {
                    if (hits[lane] != 0)
                    {
                        return i + lane;
                    }
                }
            }
        }

        for (; i < logits.Length; i++)
        {
            if (logits[i] == best)
            {
                return i;
            }
        }

        return -1;
    }

    // llama_sampler_sample copies every logit into a token-data array before the chain runs: 58 us per token for a
    // 32000-token vocabulary here (6% of the tiny bench llama's generation time), this argmax 11 us.
    private unsafe int GreedyToken(LlamaContext context)
    {
        // The logits live in the context: it must not be freed while they are read.
        using var lease = new HandleLease(context.Handle);
        var logits = LlamaNative.llama_get_logits_ith(context.Handle, -1);
        return logits is null ? -1 : ArgMax(new ReadOnlySpan<float>(logits, Model.VocabSize));
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
