using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Vad;

/// <summary>`mediatagger tag` with the vad stage in the audio pipeline: real process, real model host, real sidecars.</summary>
public sealed class VadTagTests
{
    private const string AudioPipeline = """[ { "stage": "probe" }, { "stage": "vad" } ]""";

    [SkippableFact]
    public void Tag_writes_the_speech_segments_ratio_and_model_provenance_into_the_sidecar()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
        _ = TestAssets.Model("vad/silero_vad.onnx");
        using var box = new WorkerSandbox(pipelineAudioStages: AudioPipeline);
        var jfk = Path.Combine(box.Inbox, "jfk.wav");
        File.Copy(TestAssets.Media("audio/jfk.wav"), jfk);

        var result = box.Tag(box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        var sidecar = WorkerSandbox.Sidecar(jfk)!;
        sidecar["status"]!.GetValue<string>().Should().Be("complete");
        var vad = sidecar["stages"]!["vad"]!;
        vad["segments"]!.AsArray().Should().NotBeEmpty(vad.ToJsonString());
        vad["segments"]![0]!["start"]!.GetValue<double>().Should().BeLessThan(1.0);
        vad["speechRatio"]!.GetValue<double>().Should().BeGreaterThan(0.6);
        vad["durationSeconds"]!.GetValue<double>().Should().BeApproximately(11.0, 0.05);
        vad["model"]!["id"]!.GetValue<string>().Should().Be("silero-vad-v5");
        vad["model"]!["sha256"]!.GetValue<string>().Should().Be("1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3");
        vad["device"]!.GetValue<string>().Should().Be("cpu");
    }

    [SkippableFact]
    public void After_vad_whisper_transcribes_only_the_speech_and_skips_silence()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireNative("whisper");
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
        _ = TestAssets.Model("vad/silero_vad.onnx");
        _ = TestAssets.Model("whisper/for-tests-ggml-tiny.en.bin");
        const string pipeline = """[ { "stage": "probe" }, { "stage": "vad" }, { "stage": "whisper", "with": { "model": "whisper-tiny.en-empty", "threads": "2" } } ]""";
        using var box = new WorkerSandbox(pipelineAudioStages: pipeline);
        var jfk = Path.Combine(box.Inbox, "jfk.wav");
        File.Copy(TestAssets.Media("audio/jfk.wav"), jfk);
        var silence = Path.Combine(box.Inbox, "silence.wav");
        GenerateSilence(silence);

        var result = box.Tag(box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        var speech = WorkerSandbox.Sidecar(jfk)!["stages"]!;
        var whisper = speech["whisper"]!;
        whisper["vad"]!.GetValue<bool>().Should().BeTrue(whisper.ToJsonString());
        var transcribed = whisper["transcribedSeconds"]!.GetValue<double>();
        transcribed.Should().BeGreaterThanOrEqualTo(speech["vad"]!["speechSeconds"]!.GetValue<double>() - 0.01, "every speech segment is transcribed");
        transcribed.Should().BeLessThan(speech["vad"]!["durationSeconds"]!.GetValue<double>(), "the silence before the first segment is not");
        var quiet = WorkerSandbox.Sidecar(silence)!["stages"]!;
        quiet["vad"]!["segments"]!.AsArray().Should().BeEmpty();
        quiet["whisper"]!["chunks"]!.GetValue<int>().Should().Be(0, "without speech whisper has nothing to do");
    }

    private static void GenerateSilence(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "5", "-c:a", "pcm_s16le", path })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, stderr);
    }
}
