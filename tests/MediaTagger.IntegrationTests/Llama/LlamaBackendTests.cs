using MediaTagger.Native;
using MediaTagger.Native.Llama;

namespace MediaTagger.IntegrationTests.Llama;

[Collection(LlamaTestSupport.Collection)]
public class LlamaBackendTests
{
    [SkippableFact]
    public void Initialize_is_idempotent()
    {
        LlamaTestSupport.RequireBackend();

        var act = () =>
        {
            LlamaBackend.Initialize();
            Parallel.For(0, 4, _ => LlamaBackend.Initialize());
        };

        act.Should().NotThrow();
    }

    [SkippableFact]
    public void The_loaded_library_is_the_pinned_release()
    {
        LlamaTestSupport.RequireBackend();

        LlamaBackend.BuildInfo.Should().NotBeNull("doctor compares the release in _nlcBuildMetadata.json");
        LlamaBackend.BuildInfo!.Release.Should().Be(LlamaBackend.PinnedRelease);
        LlamaBackend.NativeVersion.Should().StartWith("0.5.0");
        NativeLibraries.LoadedPath(NativeLibraries.Llama).Should().EndWith("libllama.v0.5.0.so");
    }

    [SkippableFact]
    public void Every_imported_function_is_exported_by_the_loaded_libraries()
    {
        LlamaTestSupport.RequireBackend();

        LlamaBackend.FindMissingExports().Should().BeEmpty();
    }

    [SkippableFact]
    public void Doctor_can_tell_which_cpu_backend_ggml_chose()
    {
        LlamaTestSupport.RequireBackend();

        var cpu = LlamaBackend.Devices.Should().ContainSingle(d => d.Kind == LlamaDeviceKind.Cpu).Subject;
        cpu.Description.Should().NotBeNullOrWhiteSpace();
        cpu.TotalMemoryBytes.Should().BeGreaterThan(0);
        LlamaBackend.CpuVariant.Should().NotBeNullOrEmpty();
        LlamaBackend.LoadedBackendLibraries.Should().Contain(p => Path.GetFileName(p) == $"libggml-cpu-{LlamaBackend.CpuVariant}.so");
        LlamaBackend.SystemInfo.Should().Contain("CPU");
    }

    [SkippableFact]
    public void Gpu_offload_is_reported_only_for_a_gpu_build()
    {
        LlamaTestSupport.RequireBackend();

        var gpuBuild = LlamaBackend.BuildInfo?.Gpu is not null;
        LlamaBackend.SupportsGpuOffload.Should().Be(gpuBuild);
        LlamaBackend.Devices.Any(d => d.Kind == LlamaDeviceKind.Gpu).Should().Be(gpuBuild);
    }
}
