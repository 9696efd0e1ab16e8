using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MediaTagger.Native.Llama;

namespace MediaTagger.Tests.Native;

/// <summary>
/// The by-value structs passed to llama.cpp must match the pinned llama.h and ggml.h (release v0.5.0, x64) byte for byte:
/// a wrong offset silently feeds garbage parameters to native code. Numbers are derived from that header;
/// the integration test LlamaAbiProbeTests checks the same against the C compiler.
/// </summary>
public class LlamaAbiTests
{
    [Theory]
    [InlineData(typeof(LlamaModelParams), 80)]
    [InlineData(typeof(LlamaContextParams), 160)]
    [InlineData(typeof(LlamaBatch), 56)]
    [InlineData(typeof(LlamaSamplerChainParams), 1)]
    [InlineData(typeof(LlamaChatMessage), 16)]
    [InlineData(typeof(GgmlThreadpoolParams), 528)]
    public void Mirrored_struct_has_the_size_of_the_pinned_header(Type type, int expected)
    {
        Marshal.SizeOf(type).Should().Be(expected);

        // Equal managed and marshalled sizes mean the struct is blittable: passed as-is, never converted.
        UnsafeSizeOf(type).Should().Be(expected);
    }

    [Theory]
    [InlineData("devices", 0)]
    [InlineData("tensor_buft_overrides", 8)]
    [InlineData("n_gpu_layers", 16)]
    [InlineData("split_mode", 20)]
    [InlineData("load_mode", 24)]
    [InlineData("lazy_mode", 28)]
    [InlineData("main_gpu", 32)]
    [InlineData("tensor_split", 40)]
    [InlineData("progress_callback", 48)]
    [InlineData("progress_callback_user_data", 56)]
    [InlineData("kv_overrides", 64)]
    [InlineData("vocab_only", 72)]
    [InlineData("check_tensors", 73)]
    [InlineData("use_extra_bufts", 74)]
    [InlineData("no_host", 75)]
    [InlineData("no_alloc", 76)]
    [InlineData("load_mtp", 77)]
    public void Model_params_field_is_at_the_header_offset(string field, int offset) =>
        Marshal.OffsetOf<LlamaModelParams>(field).ToInt32().Should().Be(offset);

    [Theory]
    [InlineData("n_ctx", 0)]
    [InlineData("n_batch", 4)]
    [InlineData("n_ubatch", 8)]
    [InlineData("n_seq_max", 12)]
    [InlineData("n_threads", 28)]
    [InlineData("n_threads_batch", 32)]
    [InlineData("ctx_type", 36)]
    [InlineData("flash_attn_type", 52)]
    [InlineData("rope_freq_base", 56)]
    [InlineData("defrag_thold", 84)]
    [InlineData("cb_eval", 88)]
    [InlineData("type_k", 104)]
    [InlineData("type_v", 108)]
    [InlineData("abort_callback", 112)]
    [InlineData("abort_callback_data", 120)]
    [InlineData("embeddings", 128)]
    [InlineData("no_perf", 130)]
    [InlineData("kv_unified", 133)]
    [InlineData("samplers", 136)]
    [InlineData("n_samplers", 144)]
    [InlineData("ctx_other", 152)]
    public void Context_params_field_is_at_the_header_offset(string field, int offset) =>
        Marshal.OffsetOf<LlamaContextParams>(field).ToInt32().Should().Be(offset);

    [Theory]
    [InlineData("n_tokens", 0)]
    [InlineData("token", 8)]
    [InlineData("embd", 16)]
    [InlineData("pos", 24)]
    [InlineData("n_seq_id", 32)]
    [InlineData("seq_id", 40)]
    [InlineData("logits", 48)]
    public void Batch_field_is_at_the_header_offset(string field, int offset) =>
        Marshal.OffsetOf<LlamaBatch>(field).ToInt32().Should().Be(offset);

    [Theory]
    [InlineData("role", 0)]
    [InlineData("content", 8)]
    public void Chat_message_field_is_at_the_header_offset(string field, int offset) =>
        Marshal.OffsetOf<LlamaChatMessage>(field).ToInt32().Should().Be(offset);

    [Theory]
    [InlineData("cpumask", 0)]
    [InlineData("n_threads", 512)]
    [InlineData("prio", 516)]
    [InlineData("poll", 520)]
    [InlineData("strict_cpu", 524)]
    [InlineData("paused", 525)]
    public void Threadpool_params_field_is_at_the_header_offset(string field, int offset) =>
        Marshal.OffsetOf<GgmlThreadpoolParams>(field).ToInt32().Should().Be(offset);

    [Fact]
    public void Every_mirrored_struct_is_listed_for_the_compiler_probe()
    {
        var mirrored = typeof(LlamaNative).Assembly.GetTypes()
            .Where(t => t.IsValueType && !t.IsEnum && t.Namespace == typeof(LlamaNative).Namespace
                && t.StructLayoutAttribute?.Value == LayoutKind.Sequential
                && (t.Name.StartsWith("Llama", StringComparison.Ordinal) || t.Name.StartsWith("Ggml", StringComparison.Ordinal)))
            .ToHashSet();

        LlamaAbi.MirroredStructs.Select(s => s.Type).Should().BeEquivalentTo(mirrored);
    }

    [Fact]
    public void Pinned_release_matches_the_library_file_names()
    {
        LlamaBackend.PinnedRelease.Should().Be("v0.5.0");
        MediaTagger.Native.NativeLibraries.DescribeLocation("llama.cpp").Should().EndWith($"libllama.{LlamaBackend.PinnedRelease}.so");
    }

    private static int UnsafeSizeOf(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
}
