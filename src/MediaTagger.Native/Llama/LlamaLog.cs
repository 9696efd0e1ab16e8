using Microsoft.Extensions.Logging;

namespace MediaTagger.Native.Llama;

/// <summary>Every log message of the llama.cpp binding; EventIds 2100-2199 belong to llama.cpp.</summary>
internal static partial class LlamaLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information,
        Message = "llama.cpp {Release} ({NativeVersion}) initialized from {Directory}; CPU backend variant {CpuVariant}; devices: {Devices}; GPU offload supported: {GpuOffload}")]
    public static partial void BackendInitialized(ILogger logger, string release, string nativeVersion, string directory, string cpuVariant, string devices, bool gpuOffload);

    /// <summary>A line llama.cpp/ggml logged itself; the level is mapped from the ggml log level.</summary>
    [LoggerMessage(EventId = 2101, Message = "llama.cpp: {Text}")]
    public static partial void Native(ILogger logger, LogLevel level, string text);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning,
        Message = "llama.cpp build metadata {Path} is missing; cannot confirm the native release is {Pinned}")]
    public static partial void BuildMetadataMissing(ILogger logger, string path, string pinned);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information,
        Message = "Loaded model {Path}: {Description}, {Parameters} parameters, {SizeBytes} bytes, GPU layers {GpuLayers}, vocab only {VocabOnly}, in {ElapsedMs:F0} ms")]
    public static partial void ModelLoaded(ILogger logger, string path, string description, ulong parameters, ulong sizeBytes, int gpuLayers, bool vocabOnly, double elapsedMs);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Error, Message = "Loading model {Path} failed: {Reason}")]
    public static partial void ModelLoadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "Loading model {Path} was cancelled")]
    public static partial void ModelLoadCancelled(ILogger logger, string path);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Debug,
        Message = "Created context for {Model}: {ContextSize} tokens, batch {BatchSize}, {Threads} threads ({BatchThreads} for batches) on {Threadpools} CPU threadpool(s), thread polling {ThreadPolling}")]
    public static partial void ContextCreated(ILogger logger, string model, int contextSize, int batchSize, int threads, int batchThreads, int threadpools, int threadPolling);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Warning,
        Message = "No CPU threadpool for the context ({Reason}): ggml starts its threads anew for every computation, which slows generation")]
    public static partial void ThreadpoolUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Warning, Message = "llama_decode returned {Code} ({Meaning}); context position now {Position}")]
    public static partial void DecodeFailed(ILogger logger, int code, string meaning, int position);

    [LoggerMessage(EventId = 2130, Level = LogLevel.Warning, Message = "Sampler stage {Stage} was rejected: {Reason}")]
    public static partial void SamplerRejected(ILogger logger, string stage, string reason);

    [LoggerMessage(EventId = 2140, Level = LogLevel.Debug,
        Message = "Generated {GeneratedTokens} tokens after a {PromptTokens}-token prompt, stopped by {StopReason}; prompt {PromptMs:F0} ms, generation {GenerateMs:F0} ms")]
    public static partial void GenerationFinished(ILogger logger, int promptTokens, int generatedTokens, StopReason stopReason, double promptMs, double generateMs);
}
