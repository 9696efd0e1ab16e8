using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MediaTagger.Native.Whisper;

namespace MediaTagger.Tests.Native;

/// <summary>
/// The mirrored whisper.cpp 1.9.1 structs against numbers worked out from the pinned whisper.h for x86-64 Linux
/// (LP64: pointers and size_t 8 bytes, int/float/enum 4, bool 1, natural alignment). If whisper.cpp is upgraded and
/// a struct changes, these fail before a wrong offset can corrupt memory. WhisperAbiProbeTests checks the same
/// against the C compiler.
/// </summary>
public class WhisperAbiTests
{
    [Fact]
    public void Struct_sizes_match_whisper_h_1_9_1()
    {
        Marshal.SizeOf<whisper_context_params>().Should().Be(48);
        Marshal.SizeOf<whisper_full_params>().Should().Be(304);
        Marshal.SizeOf<whisper_vad_params>().Should().Be(24);
        Marshal.SizeOf<whisper_vad_context_params>().Should().Be(12);
        Marshal.SizeOf<whisper_token_data>().Should().Be(56);
        Marshal.SizeOf<whisper_aheads>().Should().Be(16);
    }

    [Theory]
    [InlineData("use_gpu", 0)]
    [InlineData("flash_attn", 1)]
    [InlineData("gpu_device", 4)]
    [InlineData("dtw_token_timestamps", 8)]
    [InlineData("dtw_aheads_preset", 12)]
    [InlineData("dtw_n_top", 16)]
    [InlineData("dtw_aheads", 24)]
    [InlineData("dtw_mem_size", 40)]
    public void Context_params_offsets(string field, int offset) =>
        Marshal.OffsetOf<whisper_context_params>(field).ToInt32().Should().Be(offset);

    [Theory]
    [InlineData("strategy", 0)]
    [InlineData("n_threads", 4)]
    [InlineData("offset_ms", 12)]
    [InlineData("duration_ms", 16)]
    [InlineData("translate", 20)]
    [InlineData("print_progress", 25)]
    [InlineData("print_timestamps", 27)]
    [InlineData("token_timestamps", 28)]
    [InlineData("thold_pt", 32)]
    [InlineData("max_len", 40)]
    [InlineData("split_on_word", 44)]
    [InlineData("max_tokens", 48)]
    [InlineData("debug_mode", 52)]
    [InlineData("audio_ctx", 56)]
    [InlineData("tdrz_enable", 60)]
    [InlineData("suppress_regex", 64)]
    [InlineData("initial_prompt", 72)]
    [InlineData("carry_initial_prompt", 80)]
    [InlineData("prompt_tokens", 88)]
    [InlineData("prompt_n_tokens", 96)]
    [InlineData("language", 104)]
    [InlineData("detect_language", 112)]
    [InlineData("suppress_blank", 113)]
    [InlineData("suppress_nst", 114)]
    [InlineData("temperature", 116)]
    [InlineData("no_speech_thold", 140)]
    [InlineData("greedy", 144)]
    [InlineData("beam_search", 148)]
    [InlineData("new_segment_callback", 160)]
    [InlineData("progress_callback", 176)]
    [InlineData("progress_callback_user_data", 184)]
    [InlineData("encoder_begin_callback", 192)]
    [InlineData("abort_callback", 208)]
    [InlineData("abort_callback_user_data", 216)]
    [InlineData("logits_filter_callback", 224)]
    [InlineData("grammar_rules", 240)]
    [InlineData("n_grammar_rules", 248)]
    [InlineData("i_start_rule", 256)]
    [InlineData("grammar_penalty", 264)]
    [InlineData("vad", 268)]
    [InlineData("vad_model_path", 272)]
    [InlineData("vad_params", 280)]
    public void Full_params_offsets(string field, int offset) =>
        Marshal.OffsetOf<whisper_full_params>(field).ToInt32().Should().Be(offset);

    [Fact]
    public void Nested_decoding_structs_of_full_params()
    {
        Marshal.OffsetOf<whisper_full_params_beam_search>("patience").ToInt32().Should().Be(4);
        Marshal.SizeOf<whisper_full_params_greedy>().Should().Be(4);
        Marshal.SizeOf<whisper_full_params_beam_search>().Should().Be(8);
    }

    [Theory]
    [InlineData("threshold", 0)]
    [InlineData("min_speech_duration_ms", 4)]
    [InlineData("min_silence_duration_ms", 8)]
    [InlineData("max_speech_duration_s", 12)]
    [InlineData("speech_pad_ms", 16)]
    [InlineData("samples_overlap", 20)]
    public void Vad_params_offsets(string field, int offset) =>
        Marshal.OffsetOf<whisper_vad_params>(field).ToInt32().Should().Be(offset);

    [Theory]
    [InlineData("id", 0)]
    [InlineData("tid", 4)]
    [InlineData("p", 8)]
    [InlineData("plog", 12)]
    [InlineData("pt", 16)]
    [InlineData("ptsum", 20)]
    [InlineData("t0", 24)]
    [InlineData("t1", 32)]
    [InlineData("t_dtw", 40)]
    [InlineData("vlen", 48)]
    public void Token_data_offsets(string field, int offset) =>
        Marshal.OffsetOf<whisper_token_data>(field).ToInt32().Should().Be(offset);

    [Fact]
    public void Vad_context_params_offsets()
    {
        Marshal.OffsetOf<whisper_vad_context_params>("use_gpu").ToInt32().Should().Be(4);
        Marshal.OffsetOf<whisper_vad_context_params>("gpu_device").ToInt32().Should().Be(8);
    }

    [Fact]
    public void Mirrors_are_blittable_so_pointers_into_native_memory_read_the_same_bytes()
    {
        // Marshal.SizeOf equals the managed size only when no field needs marshalling (a C# bool would).
        Unsafe.SizeOf<whisper_full_params>().Should().Be(Marshal.SizeOf<whisper_full_params>());
        Unsafe.SizeOf<whisper_context_params>().Should().Be(Marshal.SizeOf<whisper_context_params>());
        Unsafe.SizeOf<whisper_token_data>().Should().Be(Marshal.SizeOf<whisper_token_data>());
    }
}
