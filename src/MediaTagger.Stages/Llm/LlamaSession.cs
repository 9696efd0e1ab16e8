using System.Globalization;
using MediaTagger.Native.Llama;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Stages.Llm;

/// <summary>
/// A loaded GGUF model and one context for the llm stage: every generation starts from an empty context, formats
/// its chat with the GGUF's chat template (or the configured or fallback one), and is held to the schema's grammar.
/// </summary>
internal sealed class LlamaSession : ILlmSession, IDisposable
{
    /// <summary>The template used for a GGUF that carries none (llama.cpp's built-in ChatML).</summary>
    public const string FallbackTemplate = "chatml";

    /// <summary>The context chosen when the model's memory budget is unknown.</summary>
    public const int DefaultContextTokens = 4096;

    /// <summary>The largest context chosen from the budget; more is asked for explicitly.</summary>
    public const int MaxAutoContextTokens = 8192;

    private const int MinAutoContextTokens = 512;

    private readonly LlamaModel model;
    private readonly LlamaContext context;
    private readonly LlmStageOptions options;
    private readonly string? templateOverride;
    private readonly LlamaGenerator generator;

    public LlamaSession(string modelPath, long workingBytes, LlmStageOptions options, ILogger logger, TimeProvider time)
    {
        this.options = options;
        LlamaBackend.Initialize(logger);
        var gpu = LlamaBackend.SupportsGpuOffload ? LlamaBackend.Devices.FirstOrDefault(d => d.Kind is LlamaDeviceKind.Gpu or LlamaDeviceKind.IntegratedGpu) : null;
        GpuLayers = options.GpuLayers >= 0 ? options.GpuLayers : gpu is null ? 0 : 999;
        model = LlamaModel.Load(modelPath, new LlamaModelOptions { GpuLayers = GpuLayers });
        try
        {
            // llama.cpp offloads at most the model's layers (plus its output layer); report what it can have used.
            GpuLayers = Math.Min(GpuLayers, model.LayerCount + 1);
            Device = GpuLayers > 0 && gpu is not null ? gpu.Name : "cpu";
            if (GpuLayers > 0 && gpu is null)
            {
                LlmStageLog.NoGpuForLayers(logger, GpuLayers);
            }

            (ContextTokens, ContextReason) = ChooseContext(options.ContextTokens, workingBytes);
            (templateOverride, TemplateSource) = options.ChatTemplate.Length > 0
                ? (options.ChatTemplate, "configured: " + options.ChatTemplate)
                : model.ChatTemplate is null ? (FallbackTemplate, "fallback: " + FallbackTemplate + " (the GGUF has no tokenizer.chat_template)") : (null, "gguf");

            // A template llama.cpp cannot format is a start-up error, not a failure of every file.
            model.ApplyChatTemplate([new ChatMessage("user", "x")], addAssistantTurn: true, templateOverride);
            context = LlamaContext.Create(model, new LlamaContextOptions
            {
                ContextSize = ContextTokens,
                BatchSize = Math.Min(512, ContextTokens),
                Threads = options.Threads > 0 ? options.Threads : null,
            });
        }
        catch
        {
            model.Dispose();
            throw;
        }

        generator = new LlamaGenerator(logger, time);
    }

    public int ContextTokens { get; }

    /// <summary>How <see cref="ContextTokens"/> was chosen, for the log and the sidecar.</summary>
    public string ContextReason { get; }

    public int GpuLayers { get; }

    /// <summary>"cpu", or the GPU device llama.cpp offloaded layers to.</summary>
    public string Device { get; }

    /// <summary>"gguf", "configured: NAME" or "fallback: chatml (...)".</summary>
    public string TemplateSource { get; }

    public int TrainContextTokens => model.TrainContextLength;

    public string Description => model.Description;

    public int CountTokens(IReadOnlyList<ChatMessage> messages) => Tokens(messages).Length;

    public string Truncate(string text, int maxTokens)
    {
        var tokens = model.Tokenize(text, addSpecial: false, parseSpecial: false);
        return tokens.Length <= maxTokens ? text : model.Detokenize(tokens.AsSpan(0, maxTokens)).TrimEnd() + " …";
    }

    public LlmReply Generate(IReadOnlyList<ChatMessage> messages, OutputSchema schema, int maxTokens, int attempt, CancellationToken cancellationToken)
    {
        var prompt = Tokens(messages);
        var builder = LlamaSampler.CreateBuilder(model).Grammar(schema.ToGrammar());
        if (options.RepeatPenalty > 1)
        {
            builder.Penalties(64, (float)options.RepeatPenalty, 0, 0);
        }

        // A retry samples (even after a greedy first try) with another seed: the same choices would fail the same way.
        var temperature = attempt == 0 ? options.Temperature : Math.Max(options.Temperature, 0.7);
        if (temperature <= 0)
        {
            builder.Greedy();
        }
        else
        {
            builder.TopK(options.TopK).TopP((float)options.TopP).MinP((float)options.MinP).Temperature((float)temperature)
                .Distribution(unchecked((uint)(options.Seed + attempt)));
        }

        using var sampler = builder.Build();
        context.ClearMemory();
        var result = generator.Generate(context, sampler, prompt, maxTokens, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return new LlmReply(result.Text, result.PromptTokens, result.GeneratedTokens,
            result.StopReason is StopReason.MaxTokens or StopReason.ContextFull, result.PromptMs, result.GenerateMs);
    }

    public void Dispose()
    {
        context.Dispose();
        model.Dispose();
    }

    private int[] Tokens(IReadOnlyList<ChatMessage> messages) =>
        model.Tokenize(model.ApplyChatTemplate(messages, addAssistantTurn: true, templateOverride), addSpecial: true, parseSpecial: true);

    /// <summary>
    /// The context from the memory the catalog sets aside for the model's work: its KV cache costs
    /// 2 (K and V) x layers x KV heads x head size x 2 bytes (f16) a token. Capped by the trained context and
    /// <see cref="MaxAutoContextTokens"/>; an explicit size is used as given.
    /// </summary>
    private (int Tokens, string Reason) ChooseContext(int requested, long workingBytes)
    {
        var trained = model.TrainContextLength > 0 ? model.TrainContextLength : MaxAutoContextTokens;
        if (requested > 0)
        {
            return (requested, requested > trained ? $"configured ({requested}, beyond the {trained} the model was trained on)" : $"configured ({requested})");
        }

        var perToken = KvBytesPerToken();
        var cap = Math.Min(trained, MaxAutoContextTokens);
        if (workingBytes <= 0 || perToken <= 0)
        {
            var size = Math.Min(cap, DefaultContextTokens);
            return (size, string.Create(CultureInfo.InvariantCulture, $"default {size} (no memory budget in the catalog)"));
        }

        // Three quarters of the working memory for the cache; the rest is ggml's compute buffer.
        var fits = (int)Math.Min(int.MaxValue, workingBytes * 3 / 4 / perToken) / 256 * 256;
        var chosen = Math.Min(cap, Math.Max(MinAutoContextTokens, fits));
        return (chosen, string.Create(CultureInfo.InvariantCulture,
            $"budget: {workingBytes / 1048576} MiB working memory at {perToken} bytes a token fits {fits}; trained on {trained}, cap {MaxAutoContextTokens}"));
    }

    private long KvBytesPerToken()
    {
        var arch = model.GetMetadata("general.architecture");
        if (arch is null)
        {
            return 0;
        }

        var heads = MetadataInt(arch + ".attention.head_count");
        var kvHeads = MetadataInt(arch + ".attention.head_count_kv") ?? heads;
        if (heads is not > 0 || kvHeads is not > 0 || model.EmbeddingLength <= 0)
        {
            return 0;
        }

        var keyLength = MetadataInt(arch + ".attention.key_length") ?? (model.EmbeddingLength / heads.Value);
        var valueLength = MetadataInt(arch + ".attention.value_length") ?? keyLength;
        return (long)model.LayerCount * kvHeads.Value * (keyLength + valueLength) * 2;
    }

    private int? MetadataInt(string key) =>
        int.TryParse(model.GetMetadata(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
