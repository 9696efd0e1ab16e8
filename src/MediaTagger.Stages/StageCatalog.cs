using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;

namespace MediaTagger.Stages;

/// <summary>
/// The stages a worker can create, by the name pipelines.json uses: the stage families added to its services
/// (<see cref="StageServiceCollectionExtensions.AddMediaTaggerStages"/>), with what they create stages from.
/// </summary>
public sealed class StageCatalog
{
    private readonly Dictionary<string, IStageFamily> families = new(StringComparer.Ordinal);
    private readonly StageContext context;

    public StageCatalog(IEnumerable<IStageFamily> families, StageContext context)
    {
        ArgumentNullException.ThrowIfNull(families);
        foreach (var family in families)
        {
            if (!this.families.TryAdd(family.Name, family))
            {
                throw new ArgumentException($"two stage families are named '{family.Name}'", nameof(families));
            }
        }

        this.context = context;
        Names = this.families.Keys.ToHashSet(StringComparer.Ordinal);
        Contents = this.families.Values.Select(f => f.Content(context.Worker)).OfType<StageContent>().ToArray();
    }

    public IReadOnlySet<string> Names { get; }

    /// <summary>The files stages keep for media files beside the journal, one entry per family that keeps any.</summary>
    public IReadOnlyList<StageContent> Contents { get; }

    /// <summary>Creates a stage; a missing model throws <see cref="ModelNotInstalledException"/> naming the pull command.</summary>
    public IStage Create(StageDefinition definition) => Family(definition).Create(definition, context);

    /// <summary>The catalog model a stage definition uses, or null for a model-free stage (probe).</summary>
    public ModelEntry? ModelOf(StageDefinition definition) => Family(definition).ModelOf(definition, context);

    /// <summary>The checksum of the model a stage definition names (for the config hash), or null.</summary>
    public string? ModelSha(StageDefinition definition) => Family(definition).ModelSha(definition, context);

    private IStageFamily Family(StageDefinition definition) =>
        families.TryGetValue(definition.Stage, out var family)
            ? family
            : throw new ArgumentException($"unknown stage '{definition.Stage}' (known: {string.Join(", ", Names.Order(StringComparer.Ordinal))})", nameof(definition));
}
