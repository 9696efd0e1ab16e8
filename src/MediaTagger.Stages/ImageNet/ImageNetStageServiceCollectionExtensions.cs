using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Stages.ImageNet;

public static class ImageNetStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the imagenet stage family (ImageNet-1k labels from a catalog classifier). A definition's options are
    /// the defaults, then <paramref name="configureDefaults"/>, then its "with". Invalid defaults throw here.
    /// </summary>
    public static IServiceCollection AddImageNetStage(this IServiceCollection services, Action<ImageNetStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<ImageNetStageOptions>(
            ImageNetStage.StageName,
            ImageNetStageOptions.Parameters,
            configureDefaults,
            o => o.Model,
            ImageNetStage.ProvenanceRole,
            (options, model, files) => new ImageNetStage(model, files, options))
            .WithModelRoles(ImageNetStage.Roles));
}
