using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Stages.Whisper;

public static class WhisperStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the whisper stage family (speech to text for audio and video with a catalog ggml Whisper model; uses the
    /// vad stage's result when the pipeline has one). A definition's options are the defaults, then
    /// <paramref name="configureDefaults"/>, then its "with". Invalid defaults throw here.
    /// </summary>
    public static IServiceCollection AddWhisperStage(this IServiceCollection services, Action<WhisperStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<WhisperStageOptions>(
            WhisperStage.StageName,
            WhisperStageOptions.Parameters,
            configureDefaults,
            o => o.Model,
            WhisperStage.ProvenanceRole,
            (options, model, files, context) => new WhisperStage(model, files, options, context))
            .WithModelRoles(WhisperStage.Roles));
}
