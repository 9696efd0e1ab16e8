using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Stages.Faces;
using MediaTagger.Stages.ImageNet;
using MediaTagger.Stages.Ocr;
using MediaTagger.Stages.Probe;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages;

/// <summary>The stages this build offers, by the name pipelines.json uses, and how each is created.</summary>
public sealed class StageCatalog
{
    private readonly ModelCatalog models;
    private readonly ModelStore store;
    private readonly WorkerOptions worker;
    private readonly ILoggerFactory loggers;

    public StageCatalog(ModelCatalog models, ModelStore store, WorkerOptions worker, ILoggerFactory loggers)
    {
        this.models = models;
        this.store = store;
        this.worker = worker;
        this.loggers = loggers;
    }

    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.Ordinal) { "probe", "imagenet", "faces", "ocr" };

    /// <summary>Creates a stage; a missing model throws <see cref="ModelNotInstalledException"/> naming the pull command.</summary>
    public IStage Create(StageDefinition definition) => definition.Stage switch
    {
        "probe" => new ProbeStage(new ProbeStageOptions { MaxImagePixels = worker.MaxImagePixels, MaxFileBytes = worker.MaxFileBytes }, loggers.CreateLogger<ProbeStage>()),
        "imagenet" => CreateImageNet(definition),
        "faces" => CreateFaces(definition),
        "ocr" => CreateOcr(definition),
        _ => throw new ArgumentException($"unknown stage '{definition.Stage}'", nameof(definition)),
    };

    /// <summary>The catalog model a stage definition uses, or null for a model-free stage (probe).</summary>
    public ModelEntry? ModelOf(StageDefinition definition) => definition.Stage switch
    {
        "imagenet" => models[ImageNetStageOptions.From(definition.With).ModelId],
        "faces" => models[FacesStageOptions.From(definition.With).ModelId],
        "ocr" => models[OcrStageOptions.From(definition.With).ModelId],
        _ => null,
    };

    /// <summary>The checksum of the model a stage definition names (for the config hash), or null.</summary>
    public string? ModelSha(StageDefinition definition) => definition.Stage switch
    {
        "imagenet" => models[ImageNetStageOptions.From(definition.With).ModelId].File("model").Sha256,
        "faces" => models[FacesStageOptions.From(definition.With).ModelId].File("model").Sha256,
        "ocr" => models[OcrStageOptions.From(definition.With).ModelId].File("recognizer").Sha256,
        _ => null,
    };

    private ImageNetStage CreateImageNet(StageDefinition definition)
    {
        var options = ImageNetStageOptions.From(definition.With);
        var model = models[options.ModelId];
        return new ImageNetStage(model, store.Require(model), options);
    }

    private FacesStage CreateFaces(StageDefinition definition)
    {
        var options = FacesStageOptions.From(definition.With);
        var model = models[options.ModelId];
        return new FacesStage(model, store.Require(model), options);
    }

    private OcrStage CreateOcr(StageDefinition definition)
    {
        var options = OcrStageOptions.From(definition.With);
        var model = models[options.ModelId];
        return new OcrStage(model, store.Require(model), options);
    }
}
