using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Core.Stages;

/// <summary>
/// A kind of stage that pipelines.json can name ("imagenet"): it reads and checks a definition's "with" into its
/// options, names the catalog model the definition needs, and creates the stage. Each family is added to a host
/// by its own AddXStage extension; the worker's stage catalog is made of the families it was given.
/// </summary>
public interface IStageFamily
{
    /// <summary>The name a pipeline uses in "stage".</summary>
    string Name { get; }

    /// <summary>
    /// Every problem with the definition's "with" (an unknown key, a value that does not parse or is out of range),
    /// each naming its key; empty when the stage can be created from it. Called when the worker starts.
    /// </summary>
    /// <param name="worker">The worker section being validated, where a family's defaults come from it.</param>
    IReadOnlyList<StageParameterProblem> Check(StageDefinition definition, WorkerOptions worker);

    /// <summary>
    /// The file roles this family's stages read from a catalog model (what `models add` checks), or null for a family
    /// that runs no model (probe, keyframes, tags).
    /// </summary>
    ModelRoles? ModelRoles { get; }

    /// <summary>The catalog model the definition uses, or null for a stage without one (probe).</summary>
    /// <exception cref="KeyNotFoundException">The catalog has no model by the id the definition names.</exception>
    ModelEntry? ModelOf(StageDefinition definition, StageContext context);

    /// <summary>The checksum of the model file that decides the stage's output (provenance, config hash), or null.</summary>
    string? ModelSha(StageDefinition definition, StageContext context);

    /// <summary>Creates the stage; a model that is not installed throws <see cref="ModelNotInstalledException"/>.</summary>
    IStage Create(StageDefinition definition, StageContext context);

    /// <summary>
    /// The files this family's stages keep for each media file outside its sidecar, which go with it (see
    /// <see cref="StageContent"/>); null when its stages keep none.
    /// </summary>
    /// <param name="worker">The worker section the folder is derived from (it lies beside the journal).</param>
    StageContent? Content(WorkerOptions worker);
}

/// <summary>What is wrong with one "with" parameter of a stage definition, under its key.</summary>
public readonly record struct StageParameterProblem(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>What stage families create stages with: the model catalog and store, the worker's limits, logging, the clock.</summary>
public sealed record StageContext(ModelCatalog Models, ModelStore Store, WorkerOptions Worker, ILoggerFactory Loggers, TimeProvider Time);
