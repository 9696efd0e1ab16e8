using System.Text.Json;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Cli;

public sealed class DoctorTests
{
    [SkippableFact]
    public void Doctor_reports_all_five_engines_at_their_pinned_versions()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffmpeg");

        var result = CliRunner.Run(null, "doctor", "--json");

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var engines = doc.RootElement.GetProperty("engines").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e);
        engines.Keys.Should().BeEquivalentTo("onnxruntime", "llama.cpp", "whisper.cpp", "libvips", "ffmpeg");
        engines.Values.Should().OnlyContain(e => e.GetProperty("ok").GetBoolean());
        engines["onnxruntime"].GetProperty("version").GetString().Should().Be("1.30.0");
        engines["whisper.cpp"].GetProperty("version").GetString().Should().Be("1.9.1");
        engines["libvips"].GetProperty("version").GetString().Should().StartWith("8.14");
        engines["onnxruntime"].GetProperty("details").GetProperty("providers usable").GetString().Should().Contain("cpu");
    }

    [SkippableFact]
    public void Doctor_says_which_whisper_build_runs_and_why_and_a_cuda_build_without_a_gpu_leaves_the_cpu_build_running()
    {
        var whisper = TestAssets.RequireNative("whisper");
        if (File.Exists("/dev/nvidia0"))
        {
            throw new SkipException("an NVIDIA GPU is present: this test is about a machine without one");
        }

        var native = Directory.CreateTempSubdirectory("mt-cuda-beside-cpu-").FullName;
        try
        {
            // The CPU build, and a "CUDA build" beside it (a copy: never loaded, since no GPU can be used here).
            var cpu = NativeLibrariesVariant();
            Directory.CreateDirectory(Path.Combine(native, "whisper", cpu));
            File.Copy(Path.Combine(whisper, cpu, "libwhisper.so"), Path.Combine(native, "whisper", cpu, "libwhisper.so"));
            Directory.CreateDirectory(Path.Combine(native, "whisper", "cuda"));
            File.Copy(Path.Combine(whisper, cpu, "libwhisper.so"), Path.Combine(native, "whisper", "cuda", "libwhisper.so"));
            var environment = new Dictionary<string, string> { ["MEDIATAGGER_NATIVE_DIR"] = native };

            var plain = Whisper(CliRunner.Run(null, "doctor", "--json"));
            var beside = Whisper(CliRunner.Run(environment, "doctor", "--json"));
            environment["MEDIATAGGER_WHISPER_VARIANT"] = "cuda";
            Directory.Delete(Path.Combine(native, "whisper", "cuda"), recursive: true);
            var forced = Whisper(CliRunner.Run(environment, "doctor", "--json"));

            plain.GetProperty("ok").GetBoolean().Should().BeTrue();
            plain.GetProperty("details").GetProperty("variant").GetString().Should().Be(cpu);
            plain.GetProperty("details").GetProperty("variant reason").GetString().Should().Contain("no CUDA build");
            beside.GetProperty("ok").GetBoolean().Should().BeTrue("the CPU build runs as before");
            beside.GetProperty("details").GetProperty("variant").GetString().Should().Be(cpu);
            beside.GetProperty("details").GetProperty("variant reason").GetString().Should().Contain("the CUDA build is present but no CUDA GPU can be used");
            beside.GetProperty("details").GetProperty("gpu").GetString().Should().StartWith("not used");
            forced.GetProperty("ok").GetBoolean().Should().BeFalse();
            forced.GetProperty("details").GetProperty("variant").GetString().Should().Be("cuda");
            forced.GetProperty("fix").GetString().Should().Contain(Path.Combine(native, "whisper", "cuda", "libwhisper.so") + ": not found")
                .And.Contain("MEDIATAGGER_WHISPER_CUDA=1 eng/setup-native.sh").And.Contain("MEDIATAGGER_WHISPER_VARIANT=cpu");
        }
        finally
        {
            Directory.Delete(native, recursive: true);
        }
    }

    [SkippableFact]
    public void Doctor_fails_with_the_fix_when_the_engines_are_missing()
    {
        var empty = Directory.CreateTempSubdirectory("mt-empty-native-").FullName;
        try
        {
            var result = CliRunner.Run(new Dictionary<string, string> { ["MEDIATAGGER_NATIVE_DIR"] = empty }, "doctor");

            result.ExitCode.Should().Be(1);
            result.Stdout.Should().Contain("FAIL").And.Contain("eng/setup-native.sh");
            result.Stdout.Should().Contain("libvips", "the other engines are still checked");
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    private static string NativeLibrariesVariant() => MediaTagger.Native.NativeLibraries.WhisperCpuVariant;

    private static JsonElement Whisper(CliRunner.Result result)
    {
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "whisper.cpp").Clone();
    }
}
