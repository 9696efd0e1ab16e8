using System.Diagnostics;
using System.Text.Json.Nodes;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Worker;

/// <summary>
/// The "done when" for audio, as a user does it: an mp3 dropped into a watched folder gets a sidecar with
/// VAD segments and a Whisper transcript (empty: whisper.cpp's weightless test model, configured explicitly) plus
/// .srt, .vtt and .txt beside it, each model in its own model host.
/// </summary>
public sealed class TranscriptionRunTests
{
    private const string AudioPipeline = """
        [ { "stage": "probe" }, { "stage": "vad" }, { "stage": "whisper", "with": { "model": "whisper-tiny.en-empty", "threads": "2" } } ]
        """;

    [SkippableFact]
    public void An_mp3_dropped_into_a_watched_folder_gets_vad_segments_a_transcript_and_subtitle_files()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireNative("whisper");
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
        _ = TestAssets.Model("vad/silero_vad.onnx");
        _ = TestAssets.Model("whisper/for-tests-ggml-tiny.en.bin");
        using var box = new WorkerSandbox(pipelineAudioStages: AudioPipeline, stableWindowSeconds: 0.3);
        using var worker = box.StartRun();
        var mp3 = Path.Combine(box.Inbox, "speech.mp3");

        // Dropped as a user's file manager does: written under a temporary name, then renamed into place.
        File.Copy(TestAssets.Media("audio/jfk.mp3"), mp3 + ".part");
        File.Move(mp3 + ".part", mp3);

        Poll.Until(() => File.Exists(mp3 + ".json") && File.Exists(mp3 + ".vtt"), TimeSpan.FromMinutes(3), () => worker.Output);
        var sidecar = WorkerSandbox.Sidecar(mp3)!;
        sidecar["status"]!.GetValue<string>().Should().Be("complete", sidecar.ToJsonString());
        var stages = sidecar["stages"]!;
        stages["vad"]!["segments"]!.AsArray().Should().NotBeEmpty("jfk.mp3 is speech");
        var whisper = stages["whisper"]!;
        whisper["language"]!.GetValue<string>().Should().Be("en");
        whisper["text"]!.GetValue<string>().Should().BeEmpty("the test model has no weights");
        whisper["model"]!["id"]!.GetValue<string>().Should().Be("whisper-tiny.en-empty");
        whisper["device"]!.GetValue<string>().Should().Be("cpu");
        sidecar["outputs"]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo(["srt", "vtt", "txt"]);
        File.ReadAllText(mp3 + ".vtt").Should().StartWith("WEBVTT");
        File.Exists(mp3 + ".srt").Should().BeTrue();
        File.Exists(mp3 + ".txt").Should().BeTrue();

        var status = CliRunner.Run(null, "status", "--config", box.ConfigPath, "--json");
        var notes = JsonNode.Parse(status.Stdout)!["recentModelEvents"]!.AsArray()
            .Where(e => e!["kind"]!.GetValue<string>() == "Load").Select(e => e!["note"]!.GetValue<string>()).ToArray();
        notes.Should().Contain(n => n.Contains("stage vad, host pid", StringComparison.Ordinal))
            .And.Contain(n => n.Contains("stage whisper, host pid", StringComparison.Ordinal), "each model ran in a model host");
        worker.Terminate(TimeSpan.FromSeconds(30)).Should().BeTrue("SIGTERM stops the worker gracefully");
    }
}
