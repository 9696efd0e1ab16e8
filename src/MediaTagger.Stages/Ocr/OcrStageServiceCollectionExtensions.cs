using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Stages.Ocr;

public static class OcrStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the ocr stage family (text lines from a catalog detector + classifier + recognizer). A definition's options
    /// are the defaults, then <paramref name="configureDefaults"/>, then its "with". Invalid defaults throw here.
    /// </summary>
    public static IServiceCollection AddOcrStage(this IServiceCollection services, Action<OcrStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<OcrStageOptions>(
            OcrStage.StageName,
            OcrStageOptions.Parameters,
            configureDefaults,
            o => o.Model,
            OcrStage.ProvenanceRole,
            (options, model, files) => new OcrStage(model, files, options))
            .WithModelRoles(OcrStage.Roles));
}
