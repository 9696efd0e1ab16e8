using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Keyframes;

public static class KeyframesStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the keyframes stage family ("keyframes": no model; still frames of videos for the image stages). Frames are
    /// kept in a "frames" folder beside the worker's journal and go with their video (deleted, renamed away, processed
    /// again). Invalid defaults throw here, listing every problem.
    /// </summary>
    public static IServiceCollection AddKeyframesStage(this IServiceCollection services, Action<KeyframesStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<KeyframesStageOptions>(
            KeyframesStage.StageName,
            KeyframesStageOptions.Parameters,
            KeyframesStageOptions.FromWorker,
            configureDefaults,
            (options, context) => new KeyframesStage(options, context.Loggers.CreateLogger<KeyframesStage>(), context.Time))
            .WithContent(options => options.CacheDirectory, KeyframesStage.FramesOf));
}
