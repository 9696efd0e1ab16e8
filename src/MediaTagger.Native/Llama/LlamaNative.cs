using System.Runtime.InteropServices;

namespace MediaTagger.Native.Llama;

/// <summary>
/// Raw imports of libllama and libggml (release v0.5.0). Only the wrappers in this folder call these; signatures
/// follow the pinned llama.h / ggml-backend.h. C bool is marshalled as one byte (U1) everywhere: the default
/// 4-byte BOOL would read garbage from the upper bits of a C bool return value.
/// </summary>
internal static unsafe class LlamaNative
{
    public const int TokenNull = -1;

    // ggml (libggml.v0.5.0.so; dlsym on it also finds the libggml-base.so functions it depends on)

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern void ggml_backend_load_all_from_path([MarshalAs(UnmanagedType.LPUTF8Str)] string dirPath);

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint ggml_backend_dev_count();

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr ggml_backend_dev_get(nuint index);

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern byte* ggml_backend_dev_name(IntPtr device);

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern byte* ggml_backend_dev_description(IntPtr device);

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern void ggml_backend_dev_memory(IntPtr device, out nuint free, out nuint total);

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern int ggml_backend_dev_type(IntPtr device);

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr ggml_backend_dev_backend_reg(IntPtr device);

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern byte* ggml_backend_reg_name(IntPtr reg);

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr ggml_backend_dev_by_type(int type);

    /// <summary>A function a backend library exports by name (e.g. the CPU backend's "ggml_threadpool_new"), or NULL.</summary>
    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr ggml_backend_reg_get_proc_address(IntPtr reg, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport(NativeLibraries.Ggml, CallingConvention = CallingConvention.Cdecl)]
    public static extern void ggml_threadpool_params_init(GgmlThreadpoolParams* parameters, int nThreads);

    // llama: backend

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_backend_init();

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_log_set(delegate* unmanaged[Cdecl]<int, byte*, IntPtr, void> callback, IntPtr userData);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern byte* llama_print_system_info();

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern byte* llama_version();

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static extern bool llama_supports_gpu_offload();

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern LlamaModelParams llama_model_default_params();

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern LlamaContextParams llama_context_default_params();

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern LlamaSamplerChainParams llama_sampler_chain_default_params();

    // llama: model

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_model_load_from_file([MarshalAs(UnmanagedType.LPUTF8Str)] string pathModel, LlamaModelParams parameters);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_model_free(IntPtr model);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_model_desc(SafeLlamaModelHandle model, byte* buf, nuint bufSize);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern ulong llama_model_n_params(SafeLlamaModelHandle model);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern ulong llama_model_size(SafeLlamaModelHandle model);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_model_n_ctx_train(SafeLlamaModelHandle model);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_model_n_embd(SafeLlamaModelHandle model);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_model_n_layer(SafeLlamaModelHandle model);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern byte* llama_model_chat_template(SafeLlamaModelHandle model, byte* name);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_model_meta_val_str(SafeLlamaModelHandle model, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, byte* buf, nuint bufSize);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_model_get_vocab(SafeLlamaModelHandle model);

    // llama: vocab (the vocab pointer lives as long as its model; callers hold a lease on the model handle)

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_vocab_n_tokens(IntPtr vocab);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_vocab_bos(IntPtr vocab);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_vocab_eos(IntPtr vocab);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static extern bool llama_vocab_is_eog(IntPtr vocab, int token);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_tokenize(
        IntPtr vocab,
        byte* text,
        int textLen,
        int* tokens,
        int nTokensMax,
        [MarshalAs(UnmanagedType.U1)] bool addSpecial,
        [MarshalAs(UnmanagedType.U1)] bool parseSpecial);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_token_to_piece(
        IntPtr vocab,
        int token,
        byte* buf,
        int length,
        int lstrip,
        [MarshalAs(UnmanagedType.U1)] bool special);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_detokenize(
        IntPtr vocab,
        int* tokens,
        int nTokens,
        byte* text,
        int textLenMax,
        [MarshalAs(UnmanagedType.U1)] bool removeSpecial,
        [MarshalAs(UnmanagedType.U1)] bool unparseSpecial);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_chat_apply_template(
        byte* tmpl,
        LlamaChatMessage* chat,
        nuint nMsg,
        [MarshalAs(UnmanagedType.U1)] bool addAssistant,
        byte* buf,
        int length);

    // llama: context

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_init_from_model(SafeLlamaModelHandle model, LlamaContextParams parameters);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_free(IntPtr context);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_attach_threadpool(IntPtr context, IntPtr threadpool, IntPtr threadpoolBatch);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern uint llama_n_ctx(SafeLlamaContextHandle context);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern uint llama_n_batch(SafeLlamaContextHandle context);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_get_memory(SafeLlamaContextHandle context);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_memory_clear(IntPtr memory, [MarshalAs(UnmanagedType.U1)] bool data);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_memory_seq_pos_max(IntPtr memory, int seqId);

    /// <summary>A batch over <paramref name="tokens"/> (not copied): sequence 0, positions after what the memory holds, logits for the last token.</summary>
    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern LlamaBatch llama_batch_get_one(int* tokens, int nTokens);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_decode(SafeLlamaContextHandle context, LlamaBatch batch);

    /// <summary>The logits (n_vocab floats) of output <paramref name="i"/> of the last decode; -1 is the last one.</summary>
    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern float* llama_get_logits_ith(SafeLlamaContextHandle context, int i);

    // llama: sampling

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_sampler_chain_init(LlamaSamplerChainParams parameters);

    /// <summary>Takes ownership of <paramref name="sampler"/>: it is freed with the chain.</summary>
    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_sampler_chain_add(SafeLlamaSamplerHandle chain, IntPtr sampler);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_sampler_free(IntPtr sampler);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_sampler_init_greedy();

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_sampler_init_dist(uint seed);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_sampler_init_top_k(int k);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_sampler_init_top_p(float p, nuint minKeep);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_sampler_init_min_p(float p, nuint minKeep);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_sampler_init_temp(float t);

    // This release still takes n_vocab first (later releases dropped it).
    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_sampler_init_penalties(int nVocab, int penaltyLastN, float penaltyRepeat, float penaltyFreq, float penaltyPresent);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr llama_sampler_init_grammar(
        IntPtr vocab,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string grammarStr,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string grammarRoot);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern int llama_sampler_sample(SafeLlamaSamplerHandle sampler, SafeLlamaContextHandle context, int idx);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_sampler_accept(SafeLlamaSamplerHandle sampler, int token);

    [DllImport(NativeLibraries.Llama, CallingConvention = CallingConvention.Cdecl)]
    public static extern void llama_sampler_reset(SafeLlamaSamplerHandle sampler);

    /// <summary>A NUL-terminated UTF-8 string owned by native code, or null.</summary>
    public static string? ReadString(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((IntPtr)text);
}
