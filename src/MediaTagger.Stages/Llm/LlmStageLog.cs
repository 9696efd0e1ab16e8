using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Llm;

/// <summary>Every log event of the llm stage, with fixed EventIds 3800–3849.</summary>
internal static partial class LlmStageLog
{
    [LoggerMessage(EventId = 3800, Level = LogLevel.Information, Message = "LLM stage ready: model {ModelId} ({Description}) on {Device} with {GpuLayers} GPU layer(s); context {ContextTokens} tokens ({ContextReason}); answers up to {MaxOutputTokens} tokens; chat template {Template}; {Sampling}")]
    public static partial void Ready(ILogger logger, string modelId, string description, string device, int gpuLayers, int contextTokens, string contextReason, int maxOutputTokens, string template, string sampling);

    [LoggerMessage(EventId = 3801, Level = LogLevel.Information, Message = "{Path}: summarized in {ElapsedMs} ms ({PromptTokens} prompt tokens, {GeneratedTokens} generated, {Generations} generation(s))")]
    public static partial void Summarized(ILogger logger, string path, long elapsedMs, int promptTokens, int generatedTokens, int generations);

    [LoggerMessage(EventId = 3802, Level = LogLevel.Information, Message = "{Path}: the transcript is too long for one prompt; digested in {MapSteps} part(s) and {ReduceSteps} merge(s)")]
    public static partial void Digested(ILogger logger, string path, int mapSteps, int reduceSteps);

    [LoggerMessage(EventId = 3803, Level = LogLevel.Warning, Message = "{Path}: the model's answer failed after {Attempts} attempt(s): {Problem}")]
    public static partial void InvalidAnswer(ILogger logger, string path, int attempts, string problem);

    [LoggerMessage(EventId = 3804, Level = LogLevel.Warning, Message = "Cannot summarize {Path}: {Reason}")]
    public static partial void InputFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3805, Level = LogLevel.Error, Message = "Summarizing {Path} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3806, Level = LogLevel.Warning, Message = "gpuLayers is {GpuLayers} but llama.cpp has no GPU backend or no GPU is present: the model runs on the CPU")]
    public static partial void NoGpuForLayers(ILogger logger, int gpuLayers);

    [LoggerMessage(EventId = 3807, Level = LogLevel.Warning, Message = "The vocabulary has {Terms} terms, more than {Max}: the answer's tags are not held to it by the grammar (the tags stage still is)")]
    public static partial void VocabularyTooLarge(ILogger logger, int terms, int max);

    [LoggerMessage(EventId = 3808, Level = LogLevel.Debug, Message = "{Path}: mapped {Mapped} of {Tags} tag(s) outside the vocabulary to its terms")]
    public static partial void SynonymsMapped(ILogger logger, string path, int mapped, int tags);
}
