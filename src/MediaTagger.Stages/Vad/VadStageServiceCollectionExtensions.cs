using MediaTagger.Media.Audio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Vad;

public static class VadStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the vad stage family (speech segments of audio and video, from a catalog Silero VAD v5 model). A
    /// definition's options are the defaults, then <paramref name="configureDefaults"/>, then its "with". Invalid
    /// defaults throw here.
    /// </summary>
    public static IServiceCollection AddVadStage(this IServiceCollection services, Action<VadStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<VadStageOptions>(
            VadStage.StageName,
            VadStageOptions.Parameters,
            configureDefaults,
            o => o.Model,
            VadStage.ProvenanceRole,
            (options, model, files, context) => new VadStage(model, files, options, context.Loggers.CreateLogger<VadStage>(), context.Time,
                new FfmpegAudioDecoder(context.Loggers.CreateLogger<FfmpegAudioDecoder>(), context.Time)))
            .WithModelRoles(VadStage.Roles));
}
