namespace MediaTagger.Native.Onnx;

/// <summary>How a session is built. Execution providers are tried in order; see <see cref="AllowCpuFallback"/>.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Threads inside one operator; 0 lets ONNX Runtime use every core.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across operators (only used with parallel execution).</summary>
    public int InterOpThreads { get; init; } = 1;

    public OnnxGraphOptimization GraphOptimization { get; init; } = OnnxGraphOptimization.All;

    /// <summary>The CPU arena keeps freed blocks for reuse: faster, but memory is not returned until the session closes.</summary>
    public bool CpuMemoryArena { get; init; } = true;

    /// <summary>Providers to append before CPU, for example "cuda" or "xnnpack". CPU is always last.</summary>
    public IReadOnlyList<string> ExecutionProviders { get; init; } = [];

    /// <summary>
    /// When a requested provider cannot be appended: false (default) fails the session with ORT's reason;
    /// true continues on CPU and records the reason in <see cref="OnnxSession.ProviderReport"/>. Never silent.
    /// </summary>
    public bool AllowCpuFallback { get; init; }

    public IReadOnlyDictionary<string, string> ProviderSettings { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = new Dictionary<string, string>();
}

/// <summary>What a session asked for and what it got: the device that actually runs, and why.</summary>
public sealed record OnnxProviderReport(IReadOnlyList<string> Requested, IReadOnlyList<string> Active, IReadOnlyList<string> Failures)
{
    /// <summary>"cpu" or the first accelerated provider that was appended.</summary>
    public string Device => Active.Count > 0 ? Active[0] : "cpu";
}
