using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;

namespace MediaTagger.Core.Stages;

/// <summary>The model a stage ran with, for provenance in the sidecar.</summary>
public sealed record StageModelInfo(string Id, string Sha256);

/// <summary>One file handed to a stage, with the results of the stages before it (by stage name).</summary>
public sealed record StageInput(
    long TaskId,
    string Path,
    MediaKind Kind,
    string Format,
    IReadOnlyDictionary<string, JsonObject> EarlierResults);

/// <summary>
/// What a stage made of one input: a result object (stage-specific fields), or an error. Transient errors (I/O that
/// may succeed later) are retried with backoff; permanent ones (corrupt file) fail the task at once.
/// </summary>
public sealed record StageOutcome(JsonObject? Result, string? Error, bool Transient = false)
{
    public bool Success => Error is null;

    public static StageOutcome Ok(JsonObject result) => new(result, null);

    public static StageOutcome Fail(string error, bool transient = false) => new(null, error, transient);
}

/// <summary>
/// A unit of work in a pipeline. Stages take batches: the scheduler feeds a resident model every pending file that
/// needs it. A stage never throws for one bad input; it returns a failed outcome for that input and goes on.
/// </summary>
public interface IStage
{
    /// <summary>The name used in pipelines.json and as the key in the sidecar's "stages".</summary>
    string Name { get; }

    /// <summary>Media kinds this stage can process.</summary>
    IReadOnlySet<MediaKind> Kinds { get; }

    /// <summary>The model used, or null for model-free stages (probe).</summary>
    StageModelInfo? Model { get; }

    /// <summary>Where it runs: "cpu", "cuda:0", ... as the engine reported it.</summary>
    string Device { get; }

    /// <summary>Parameters that change the output; part of the provenance that makes a sidecar stale.</summary>
    IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>Processes a batch; returns one outcome per input, in order.</summary>
    Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken);
}
