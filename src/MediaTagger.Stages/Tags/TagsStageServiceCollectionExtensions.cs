using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Tags;

public static class TagsStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the tags stage family ("tags": no model; merges, cleans and holds to a vocabulary the tags of the stages
    /// before it; its list is the sidecar's top-level "tags"). Invalid defaults throw here, listing every problem.
    /// </summary>
    public static IServiceCollection AddTagsStage(this IServiceCollection services, Action<TagsStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<TagsStageOptions>(
            TagsStage.StageName,
            TagsStageOptions.Parameters,
            _ => new TagsStageOptions(),
            configureDefaults,
            (options, context) => new TagsStage(options, context.Loggers.CreateLogger<TagsStage>()))
            .DecidedByFiles(o => o.Files));
}
