using System.Runtime.InteropServices;

namespace MediaTagger.Native.Whisper;

// Mirrors of the structs in whisper.cpp 1.9.1's whisper.h (.native/include/whisper/whisper.h), field by field, with
// the header's own names so the ABI probe can ask the C compiler about each one. C `bool` is one byte, so it is
// mirrored as `byte` (a C# bool would be marshalled as a 4-byte BOOL), and every pointer (strings, callbacks, user
// data) as nint. Sizes and offsets are asserted by WhisperAbiTests and, against the header itself, by
// WhisperAbiProbeTests. The two anonymous structs inside whisper_full_params get names of their own here.

/// <summary>struct whisper_aheads.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct whisper_aheads
{
    public nuint n_heads;
    public nint heads;                    // const whisper_ahead *
}

/// <summary>struct whisper_context_params (48 bytes on x64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct whisper_context_params
{
    public byte use_gpu;
    public byte flash_attn;
    public int gpu_device;
    public byte dtw_token_timestamps;
    public int dtw_aheads_preset;         // enum whisper_alignment_heads_preset
    public int dtw_n_top;
    public whisper_aheads dtw_aheads;
    public nuint dtw_mem_size;
}

/// <summary>struct whisper_vad_params (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct whisper_vad_params
{
    public float threshold;
    public int min_speech_duration_ms;
    public int min_silence_duration_ms;
    public float max_speech_duration_s;
    public int speech_pad_ms;
    public float samples_overlap;
}

/// <summary>struct whisper_vad_context_params (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct whisper_vad_context_params
{
    public int n_threads;
    public byte use_gpu;
    public int gpu_device;
}

/// <summary>whisper_token_data (56 bytes on x64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct whisper_token_data
{
    public int id;
    public int tid;
    public float p;
    public float plog;
    public float pt;
    public float ptsum;
    public long t0;                       // centiseconds
    public long t1;                       // centiseconds
    public long t_dtw;
    public float vlen;
}

/// <summary>The anonymous `greedy` struct inside whisper_full_params.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct whisper_full_params_greedy
{
    public int best_of;
}

/// <summary>The anonymous `beam_search` struct inside whisper_full_params.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct whisper_full_params_beam_search
{
    public int beam_size;
    public float patience;
}

/// <summary>struct whisper_full_params (304 bytes on x64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct whisper_full_params
{
    public int strategy;                  // enum whisper_sampling_strategy

    public int n_threads;
    public int n_max_text_ctx;
    public int offset_ms;
    public int duration_ms;

    public byte translate;
    public byte no_context;
    public byte no_timestamps;
    public byte single_segment;
    public byte print_special;
    public byte print_progress;
    public byte print_realtime;
    public byte print_timestamps;

    public byte token_timestamps;
    public float thold_pt;
    public float thold_ptsum;
    public int max_len;
    public byte split_on_word;
    public int max_tokens;

    public byte debug_mode;
    public int audio_ctx;

    public byte tdrz_enable;

    public nint suppress_regex;           // const char *

    public nint initial_prompt;           // const char *
    public byte carry_initial_prompt;
    public nint prompt_tokens;            // const whisper_token *
    public int prompt_n_tokens;

    public nint language;                 // const char *
    public byte detect_language;

    public byte suppress_blank;
    public byte suppress_nst;

    public float temperature;
    public float max_initial_ts;
    public float length_penalty;

    public float temperature_inc;
    public float entropy_thold;
    public float logprob_thold;
    public float no_speech_thold;

    public whisper_full_params_greedy greedy;
    public whisper_full_params_beam_search beam_search;

    public nint new_segment_callback;
    public nint new_segment_callback_user_data;

    public nint progress_callback;
    public nint progress_callback_user_data;

    public nint encoder_begin_callback;
    public nint encoder_begin_callback_user_data;

    public nint abort_callback;
    public nint abort_callback_user_data;

    public nint logits_filter_callback;
    public nint logits_filter_callback_user_data;

    public nint grammar_rules;            // const whisper_grammar_element **
    public nuint n_grammar_rules;
    public nuint i_start_rule;
    public float grammar_penalty;

    public byte vad;
    public nint vad_model_path;           // const char *

    public whisper_vad_params vad_params;
}

/// <summary>The raw whisper.cpp imports. Only this folder uses them; everything else goes through WhisperModel.</summary>
internal static unsafe class WhisperNative
{
    public const int SamplingGreedy = 0;
    public const int SamplingBeamSearch = 1;

    // ggml_log_level
    public const int LogLevelDebug = 1;
    public const int LogLevelInfo = 2;
    public const int LogLevelWarn = 3;
    public const int LogLevelError = 4;
    public const int LogLevelCont = 5;

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_version();

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_print_system_info();

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern void whisper_log_set(delegate* unmanaged[Cdecl]<int, byte*, void*, void> callback, void* userData);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern whisper_context_params* whisper_context_default_params_by_ref();

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern void whisper_free_context_params(whisper_context_params* p);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern whisper_full_params* whisper_full_default_params_by_ref(int strategy);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern void whisper_free_params(whisper_full_params* p);

    // The context is created without its default state: every call makes its own whisper_state.
    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_init_from_file_with_params_no_state(byte* pathModel, whisper_context_params parameters);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern void whisper_free(nint ctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_init_state(SafeWhisperContextHandle ctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern void whisper_free_state(nint state);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_full_with_state(SafeWhisperContextHandle ctx, SafeWhisperStateHandle state, whisper_full_params parameters, float* samples, int nSamples);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_pcm_to_mel_with_state(SafeWhisperContextHandle ctx, SafeWhisperStateHandle state, float* samples, int nSamples, int nThreads);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_lang_auto_detect_with_state(SafeWhisperContextHandle ctx, SafeWhisperStateHandle state, int offsetMs, int nThreads, float* langProbs);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_lang_max_id();

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_lang_id(byte* lang);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_lang_str(int id);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_lang_str_full(int id);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_n_vocab(SafeWhisperContextHandle ctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_n_text_ctx(SafeWhisperContextHandle ctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_n_audio_ctx(SafeWhisperContextHandle ctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_is_multilingual(SafeWhisperContextHandle ctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_model_type(SafeWhisperContextHandle ctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_model_type_readable(SafeWhisperContextHandle ctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_token_eot(SafeWhisperContextHandle ctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_full_n_segments_from_state(SafeWhisperStateHandle state);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_full_lang_id_from_state(SafeWhisperStateHandle state);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern long whisper_full_get_segment_t0_from_state(SafeWhisperStateHandle state, int segment);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern long whisper_full_get_segment_t1_from_state(SafeWhisperStateHandle state, int segment);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_full_get_segment_text_from_state(SafeWhisperStateHandle state, int segment);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern float whisper_full_get_segment_no_speech_prob_from_state(SafeWhisperStateHandle state, int segment);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_full_n_tokens_from_state(SafeWhisperStateHandle state, int segment);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_full_get_token_text_from_state(SafeWhisperContextHandle ctx, SafeWhisperStateHandle state, int segment, int token);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern whisper_token_data whisper_full_get_token_data_from_state(SafeWhisperStateHandle state, int segment, int token);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern whisper_vad_params whisper_vad_default_params();

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern whisper_vad_context_params whisper_vad_default_context_params();

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_vad_init_from_file_with_params(byte* pathModel, whisper_vad_context_params parameters);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern void whisper_vad_free(nint vctx);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern nint whisper_vad_segments_from_samples(SafeWhisperVadContextHandle vctx, whisper_vad_params parameters, float* samples, int nSamples);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern int whisper_vad_segments_n_segments(SafeWhisperVadSegmentsHandle segments);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern float whisper_vad_segments_get_segment_t0(SafeWhisperVadSegmentsHandle segments, int segment);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern float whisper_vad_segments_get_segment_t1(SafeWhisperVadSegmentsHandle segments, int segment);

    [DllImport(NativeLibraries.Whisper, CallingConvention = CallingConvention.Cdecl)]
    public static extern void whisper_vad_free_segments(nint segments);

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="value"/>, to pin with `fixed`.</summary>
    public static byte[] Utf8(string value)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(value) + 1];
        System.Text.Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    public static string? FromUtf8(nint text) => text == 0 ? null : Marshal.PtrToStringUTF8(text);
}
