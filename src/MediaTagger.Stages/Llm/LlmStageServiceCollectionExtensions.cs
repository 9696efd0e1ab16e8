using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Stages.Llm;

public static class LlmStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the llm stage family (a summary, tags and a title for every file from the earlier stages' results, by a
    /// catalog GGUF instruct model through llama.cpp, held to a JSON schema). Its schema and vocabulary files count
    /// as configuration. Invalid defaults throw here.
    /// </summary>
    public static IServiceCollection AddLlmStage(this IServiceCollection services, Action<LlmStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<LlmStageOptions>(
            LlmStage.StageName,
            LlmStageOptions.Parameters,
            configureDefaults,
            o => o.Model,
            LlmStage.ProvenanceRole,
            (options, model, files, context) => new LlmStage(model, files, options, context))
            .DecidedByFiles(o => o.Files)
            .WithModelRoles(LlmStage.Roles));
}
