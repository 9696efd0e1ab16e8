using System.Runtime.InteropServices;

namespace MediaTagger.Native.Llama;

// By-value structs mirrored from the pinned llama.h and ggml.h (release v0.5.0, .native/include/llama/).
// Field names are the C names on purpose: the ABI probe test compiles offsetof() for each of them against the
// header, so a renamed, moved or resized field fails a test instead of corrupting memory.
// C bool fields are byte: a .NET bool field would make the struct non-blittable and be marshalled as 4 bytes.

/// <summary>struct llama_model_params (80 bytes on x64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LlamaModelParams
{
    public IntPtr devices;
    public IntPtr tensor_buft_overrides;
    public int n_gpu_layers;
    public int split_mode;
    public LlamaLoadMode load_mode;
    public int lazy_mode;
    public int main_gpu;
    public IntPtr tensor_split;
    public delegate* unmanaged[Cdecl]<float, IntPtr, byte> progress_callback;
    public IntPtr progress_callback_user_data;
    public IntPtr kv_overrides;
    public byte vocab_only;
    public byte check_tensors;
    public byte use_extra_bufts;
    public byte no_host;
    public byte no_alloc;
    public byte load_mtp;
}

/// <summary>enum llama_load_mode.</summary>
internal enum LlamaLoadMode
{
    Auto = -1,
    None = 0,
    Mmap = 1,
    Mlock = 2,
    MmapMlock = 3,
    DirectIo = 4,
}

/// <summary>struct llama_context_params (160 bytes on x64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LlamaContextParams
{
    public uint n_ctx;
    public uint n_batch;
    public uint n_ubatch;
    public uint n_seq_max;
    public uint n_rs_seq;
    public uint n_outputs_max;
    public uint n_outputs_max_per_seq;
    public int n_threads;
    public int n_threads_batch;
    public int ctx_type;
    public int rope_scaling_type;
    public int pooling_type;
    public int attention_type;
    public int flash_attn_type;
    public float rope_freq_base;
    public float rope_freq_scale;
    public float yarn_ext_factor;
    public float yarn_attn_factor;
    public float yarn_beta_fast;
    public float yarn_beta_slow;
    public uint yarn_orig_ctx;
    public float defrag_thold;
    public IntPtr cb_eval;
    public IntPtr cb_eval_user_data;
    public int type_k;
    public int type_v;
    public delegate* unmanaged[Cdecl]<IntPtr, byte> abort_callback;
    public IntPtr abort_callback_data;
    public byte embeddings;
    public byte offload_kqv;
    public byte no_perf;
    public byte op_offload;
    public byte swa_full;
    public byte kv_unified;
    public IntPtr samplers;
    public nuint n_samplers;
    public IntPtr ctx_other;
}

/// <summary>struct llama_batch (56 bytes on x64); llama_batch_get_one fills it with a pointer to the caller's tokens and NULL for the rest.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LlamaBatch
{
    public int n_tokens;
    public int* token;
    public float* embd;
    public int* pos;
    public int* n_seq_id;
    public int** seq_id;
    public sbyte* logits;
}

/// <summary>struct llama_sampler_chain_params (1 byte).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LlamaSamplerChainParams
{
    public byte no_perf;
}

/// <summary>struct llama_chat_message (16 bytes on x64): two NUL-terminated UTF-8 strings.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LlamaChatMessage
{
    public byte* role;
    public byte* content;
}

/// <summary>struct ggml_threadpool_params (ggml.h, 528 bytes on x64); filled by ggml_threadpool_params_init.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct GgmlThreadpoolParams
{
    public fixed byte cpumask[512];
    public int n_threads;
    public int prio;
    public uint poll;
    public byte strict_cpu;
    public byte paused;
}

/// <summary>The mirrored structs and their C names, for the ABI tests.</summary>
internal static class LlamaAbi
{
    public static IReadOnlyList<(Type Type, string CName)> MirroredStructs { get; } =
    [
        (typeof(LlamaModelParams), "llama_model_params"),
        (typeof(LlamaContextParams), "llama_context_params"),
        (typeof(LlamaBatch), "llama_batch"),
        (typeof(LlamaSamplerChainParams), "llama_sampler_chain_params"),
        (typeof(LlamaChatMessage), "llama_chat_message"),
        (typeof(GgmlThreadpoolParams), "ggml_threadpool_params"),
    ];
}
