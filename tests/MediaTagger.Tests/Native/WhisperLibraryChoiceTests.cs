using MediaTagger.Native;

namespace MediaTagger.Tests.Native;

/// <summary>Which whisper.cpp build a process loads: CUDA only with a CUDA build and a usable GPU, and always with the reason.</summary>
public sealed class WhisperLibraryChoiceTests : IDisposable
{
    private static readonly Func<(bool, string)> GpuPresent = () => (true, "the NVIDIA driver reports 1 CUDA device(s)");
    private static readonly Func<(bool, string)> NoGpu = () => (false, "the NVIDIA driver's libcuda.so.1 cannot be loaded");
    private static readonly Func<(bool, string)> NotAsked = () => throw new InvalidOperationException("the GPU was probed without a CUDA build");

    private readonly string native = Directory.CreateTempSubdirectory("mt-whisper-builds-").FullName;

    public void Dispose() => Directory.Delete(native, recursive: true);

    [Fact]
    public void Without_a_cuda_build_the_cpu_build_runs_and_says_how_to_make_one_without_asking_the_driver()
    {
        var choice = WhisperLibraryChoice.Choose(native, null, "avx2", NotAsked);

        choice.Variant.Should().Be("avx2");
        choice.IsCuda.Should().BeFalse();
        choice.Path.Should().Be(Path.Combine(native, "whisper", "avx2", "libwhisper.so"));
        choice.Reason.Should().Contain("no CUDA build").And.Contain("MEDIATAGGER_WHISPER_CUDA=1 eng/setup-native.sh");
        choice.Problem.Should().BeNull();
    }

    [Fact]
    public void A_cuda_build_with_a_usable_gpu_is_chosen()
    {
        CudaBuild();

        var choice = WhisperLibraryChoice.Choose(native, "auto", "avx2", GpuPresent);

        choice.IsCuda.Should().BeTrue();
        choice.Path.Should().Be(Path.Combine(native, "whisper", "cuda", "libwhisper.so"));
        choice.Reason.Should().Contain("1 CUDA device(s)");
    }

    [Fact]
    public void A_cuda_build_without_a_gpu_runs_the_cpu_build_and_says_what_kept_the_gpu_out()
    {
        CudaBuild();

        var choice = WhisperLibraryChoice.Choose(native, null, "sse42", NoGpu);

        choice.Variant.Should().Be("sse42");
        choice.Reason.Should().Contain("the CUDA build is present but no CUDA GPU can be used").And.Contain("libcuda.so.1 cannot be loaded");
    }

    [Theory]
    [InlineData("cuda", "cuda")]
    [InlineData("AVX2", "avx2")]
    [InlineData("sse42", "sse42")]
    [InlineData("cpu", "avx2")]
    public void Mediatagger_whisper_variant_forces_a_build_whatever_is_present(string requested, string variant)
    {
        CudaBuild();

        var choice = WhisperLibraryChoice.Choose(native, requested, "avx2", NotAsked);

        choice.Variant.Should().Be(variant);
        choice.Path.Should().Be(Path.Combine(native, "whisper", variant, "libwhisper.so"));
        choice.Reason.Should().StartWith("MEDIATAGGER_WHISPER_VARIANT=" + requested.ToLowerInvariant());
    }

    [Fact]
    public void An_unknown_variant_is_a_problem_that_names_the_valid_ones()
    {
        var choice = WhisperLibraryChoice.Choose(native, "metal", "avx2", NotAsked);

        choice.Problem.Should().Be("MEDIATAGGER_WHISPER_VARIANT='metal' is not a whisper.cpp build: use cuda, avx2, sse42, cpu or auto");
    }

    private void CudaBuild()
    {
        Directory.CreateDirectory(Path.Combine(native, "whisper", "cuda"));
        File.WriteAllText(Path.Combine(native, "whisper", "cuda", "libwhisper.so"), "not loaded by these tests");
    }
}
