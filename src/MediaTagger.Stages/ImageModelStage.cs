using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;

namespace MediaTagger.Stages;

/// <summary>
/// What every image model stage shares: images only, the catalog model (id and the checksum of the file that
/// defines its output) for provenance, and the parameters that change its results.
/// </summary>
internal abstract class ImageModelStage : IStage, IDisposable
{
    private static readonly IReadOnlySet<MediaKind> ImageOnly = new HashSet<MediaKind> { MediaKind.Image };

    protected ImageModelStage(string name, ModelEntry model, string provenanceRole, IReadOnlyDictionary<string, string> parameters)
    {
        Name = name;
        Model = new StageModelInfo(model.Id, model.File(provenanceRole).Checksum);
        Parameters = parameters;
    }

    public string Name { get; }

    public IReadOnlySet<MediaKind> Kinds => ImageOnly;

    public StageModelInfo? Model { get; }

    public abstract string Device { get; }

    public IReadOnlyDictionary<string, string> Parameters { get; }

    public abstract Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}
