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
}
