namespace MediaTagger.Native.Llama;

/// <summary>How an inference context is created. Validated once, with every problem listed.</summary>
public sealed class LlamaContextOptions
{
    /// <summary>Tokens the context can hold (prompt plus generated text); 0 uses the model's training length.</summary>
    public int ContextSize { get; init; } = 2048;

    /// <summary>Most tokens submitted to one llama_decode call; longer inputs are fed in chunks of this size.</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>
    /// Threads for generating one token at a time; null uses every logical processor. ggml's threads spin while
    /// they wait, so on a machine busy with other stages (or other contexts) fewer threads are often faster.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Threads for prompt processing; null uses <see cref="Threads"/>.</summary>
    public int? BatchThreads { get; init; }

    /// <summary>
    /// How long the context's worker threads spin waiting for the next computation before they sleep, from 0 (sleep
    /// at once: each token then pays a wake-up) to 100; ggml's scale. 50 is what llama.cpp's own tools use; lower it
    /// when other work shares the CPU and generation speed matters less.
    /// </summary>
    public int ThreadPolling { get; init; } = 50;

    internal void Validate()
    {
        var problems = new List<string>();
        if (ContextSize < 0)
        {
            problems.Add($"ContextSize must be 0 (model default) or positive, not {ContextSize}");
        }

        if (BatchSize < 1)
        {
            problems.Add($"BatchSize must be at least 1, not {BatchSize}");
        }

        if (Threads is < 1)
        {
            problems.Add($"Threads must be at least 1, not {Threads}");
        }

        if (BatchThreads is < 1)
        {
            problems.Add($"BatchThreads must be at least 1, not {BatchThreads}");
        }

        if (ThreadPolling is < 0 or > 100)
        {
            problems.Add($"ThreadPolling must be between 0 and 100, not {ThreadPolling}");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid llama context options: " + string.Join("; ", problems));
        }
    }
}
