namespace MediaTagger.Native.Llama;

/// <summary>How a GGUF model is loaded.</summary>
public sealed class LlamaModelOptions
{
    /// <summary>Layers to offload to a GPU; 0 keeps everything on the CPU, a negative value offloads all layers.</summary>
    public int GpuLayers { get; init; }

    /// <summary>Load only the tokenizer and metadata (no weights): for tokenizing and chat templates.</summary>
    public bool VocabOnly { get; init; }

    /// <summary>Memory-map the file instead of reading it into memory (default on).</summary>
    public bool UseMmap { get; init; } = true;
}

/// <summary>One turn of a chat for <see cref="LlamaModel.ApplyChatTemplate"/>.</summary>
/// <param name="Role">"system", "user" or "assistant".</param>
public sealed record ChatMessage(string Role, string Content);
