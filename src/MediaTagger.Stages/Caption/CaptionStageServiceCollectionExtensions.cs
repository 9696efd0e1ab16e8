using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Stages.Caption;

public static class CaptionStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the caption stage family (BLIP captions from a catalog export). A definition's options are the defaults,
    /// then <paramref name="configureDefaults"/>, then its "with". Invalid defaults throw here.
    /// </summary>
    public static IServiceCollection AddCaptionStage(this IServiceCollection services, Action<CaptionStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<CaptionStageOptions>(
            CaptionStage.StageName,
            CaptionStageOptions.Parameters,
            configureDefaults,
            o => o.Model,
            CaptionStage.ProvenanceRole,
            (options, model, files, context) => new CaptionStage(model, files, options, context.Loggers))
            .WithModelRoles(CaptionStage.Roles));
}
