using System.Globalization;

namespace MediaTagger.Native.Llama;

/// <summary>
/// Describes a sampler chain in order; <see cref="Build"/> validates it (all problems at once) and creates it.
/// The chain must end with <see cref="Greedy"/> or <see cref="Distribution"/>, which select the token.
/// </summary>
public sealed class LlamaSamplerBuilder
{
    private readonly LlamaModel model;
    private readonly List<Stage> stages = [];

    internal LlamaSamplerBuilder(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfDisposed();
        this.model = model;
    }

    /// <summary>Keeps the <paramref name="k"/> most likely tokens.</summary>
    public LlamaSamplerBuilder TopK(int k) =>
        Add($"top-k {k}", k < 1 ? $"TopK needs k >= 1, not {k}" : null, _ => LlamaNative.llama_sampler_init_top_k(k));

    /// <summary>Keeps the smallest set of tokens whose probabilities add up to <paramref name="p"/>.</summary>
    public LlamaSamplerBuilder TopP(float p, int minKeep = 1) =>
        Add($"top-p {F(p)}", p is > 0 and <= 1 && minKeep >= 1 ? null : $"TopP needs 0 < p <= 1 and minKeep >= 1, not p={F(p)}, minKeep={minKeep}",
            _ => LlamaNative.llama_sampler_init_top_p(p, (nuint)minKeep));

    /// <summary>Drops tokens less likely than <paramref name="p"/> times the most likely one.</summary>
    public LlamaSamplerBuilder MinP(float p, int minKeep = 1) =>
        Add($"min-p {F(p)}", p is >= 0 and <= 1 && minKeep >= 1 ? null : $"MinP needs 0 <= p <= 1 and minKeep >= 1, not p={F(p)}, minKeep={minKeep}",
            _ => LlamaNative.llama_sampler_init_min_p(p, (nuint)minKeep));

    /// <summary>Scales the logits; below 1 is more deterministic, 0 keeps only the most likely token.</summary>
    public LlamaSamplerBuilder Temperature(float temperature) =>
        Add($"temperature {F(temperature)}", float.IsFinite(temperature) && temperature >= 0 ? null : $"Temperature must be finite and >= 0, not {F(temperature)}",
            _ => LlamaNative.llama_sampler_init_temp(temperature));

    /// <summary>
    /// Penalises tokens seen in the last <paramref name="lastN"/> accepted tokens (repeat: 1 = off; frequency and
    /// presence: 0 = off).
    /// </summary>
    public LlamaSamplerBuilder Penalties(int lastN, float repeat, float frequency, float presence) =>
        Add($"penalties last {lastN} repeat {F(repeat)} frequency {F(frequency)} presence {F(presence)}",
            lastN >= -1 && float.IsFinite(repeat) && repeat > 0 && float.IsFinite(frequency) && float.IsFinite(presence)
                ? null
                : $"Penalties needs lastN >= -1, repeat > 0 and finite values, not lastN={lastN}, repeat={F(repeat)}, frequency={F(frequency)}, presence={F(presence)}",
            m => LlamaNative.llama_sampler_init_penalties(m.VocabSize, lastN, repeat, frequency, presence));

    /// <summary>
    /// Restricts output to a GBNF grammar starting at <paramref name="root"/>. A grammar llama.cpp cannot parse makes
    /// <see cref="Build"/> throw <see cref="NativeEngineException"/>.
    /// </summary>
    public LlamaSamplerBuilder Grammar(string gbnf, string root = "root")
    {
        ArgumentNullException.ThrowIfNull(gbnf);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        return Add($"grammar ({gbnf.Length} chars, root '{root}')",
            string.IsNullOrWhiteSpace(gbnf) ? "Grammar needs a non-empty GBNF text (an empty grammar constrains nothing)" : null,
            m => LlamaNative.llama_sampler_init_grammar(m.VocabHandle, gbnf, root),
            hint: "the GBNF grammar is invalid or lacks the root rule (llama.cpp prints the parse position to stderr)");
    }

    /// <summary>Selects the most likely token.</summary>
    public LlamaSamplerBuilder Greedy() => Add("greedy", null, _ => LlamaNative.llama_sampler_init_greedy(), selects: true);

    /// <summary>Draws a token at random from the remaining distribution; the same seed repeats the same draws.</summary>
    public LlamaSamplerBuilder Distribution(uint seed) =>
        Add($"distribution seed {seed}", null, _ => LlamaNative.llama_sampler_init_dist(seed), selects: true);

    /// <summary>Creates the chain. Throws <see cref="ArgumentException"/> listing every problem of the description.</summary>
    public LlamaSampler Build()
    {
        model.ThrowIfDisposed();
        var problems = stages.Where(s => s.Problem is not null).Select(s => s.Problem!).ToList();
        var selectors = stages.Count(s => s.Selects);

        // A chain without a selecting stage leaves no token chosen, which llama.cpp answers with an abort().
        if (stages.Count == 0 || !stages[^1].Selects || selectors != 1)
        {
            problems.Add("the chain must end with exactly one Greedy() or Distribution(seed), and have none before it");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid sampler chain: " + string.Join("; ", problems));
        }

        var chain = SafeLlamaSamplerHandle.CreateChain(model.Handle, new LlamaSamplerChainParams { no_perf = 1 });
        if (chain.IsInvalid)
        {
            throw new NativeEngineException("llama.cpp", "llama_sampler_chain_init returned NULL");
        }

        try
        {
            using var lease = new HandleLease(model.Handle);
            foreach (var stage in stages)
            {
                using var errors = LlamaBackend.ErrorCapture.Begin();
                var sampler = stage.Create(model);
                if (sampler == IntPtr.Zero)
                {
                    var reason = errors.Describe("llama.cpp returned NULL");
                    LlamaLog.SamplerRejected(LlamaBackend.Logger, stage.Name, reason);
                    throw new NativeEngineException("llama.cpp", $"sampler stage {stage.Name} was rejected: {(stage.Hint is null ? reason : stage.Hint + ": " + reason)}");
                }

                // The chain owns the stage from here on and frees it with itself.
                LlamaNative.llama_sampler_chain_add(chain, sampler);
            }
        }
        catch
        {
            chain.Dispose();
            throw;
        }

        return new LlamaSampler(model, chain, stages.Select(s => s.Name).ToArray(), greedyOnly: stages is [{ Name: "greedy" }]);
    }

    private static string F(float value) => value.ToString(CultureInfo.InvariantCulture);

    private LlamaSamplerBuilder Add(string name, string? problem, Func<LlamaModel, IntPtr> create, bool selects = false, string? hint = null)
    {
        stages.Add(new Stage(name, problem, create, selects, hint));
        return this;
    }

    private sealed record Stage(string Name, string? Problem, Func<LlamaModel, IntPtr> Create, bool Selects, string? Hint);
}
