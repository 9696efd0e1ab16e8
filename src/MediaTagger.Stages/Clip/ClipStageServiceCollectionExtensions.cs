using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Stages.Clip;

public static class ClipStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the clip stage family (CLIP image embeddings for search, and zero-shot labels from a user label list). A
    /// definition's options are the defaults, then <paramref name="configureDefaults"/>, then its "with".
    /// </summary>
    public static IServiceCollection AddClipStage(this IServiceCollection services, Action<ClipStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<ClipStageOptions>(
            ClipStage.StageName,
            ClipStageOptions.Parameters,
            configureDefaults,
            o => o.Model,
            ClipStage.ProvenanceRole,
            (options, model, files, context) => new ClipStage(model, files, options, context))
            .DecidedByFiles(o => o.LabelsFile.Length > 0 ? [o.LabelsFile] : [])
            .WithModelRoles(ClipStage.Roles));
}
