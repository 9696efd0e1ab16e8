using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Booru;

public static class BooruStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the booru stage family (Danbooru tags, characters and a rating from a WD14 v2/v3 or DeepDanbooru tagger in
    /// the catalog; optionally a kohya-style caption file per image). A definition's options are the defaults, then
    /// <paramref name="configureDefaults"/>, then its "with". Invalid defaults throw here.
    /// </summary>
    public static IServiceCollection AddBooruStage(this IServiceCollection services, Action<BooruStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<BooruStageOptions>(
            BooruStage.StageName,
            BooruStageOptions.Parameters,
            configureDefaults,
            o => o.Model,
            BooruStage.ProvenanceRole,
            (options, model, files, context) => new BooruStage(model, files, options, context.Loggers.CreateLogger<BooruStage>()))
            .WithModelRoles(BooruStage.Roles));
}
