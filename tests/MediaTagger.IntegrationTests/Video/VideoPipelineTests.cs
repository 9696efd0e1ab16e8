using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Video;

/// <summary>
/// The "done when" for video, through `mediatagger tag` with every real engine: an mp4 whose picture is first
/// the astronaut portrait, then the line "Region-based segmentation", over jfk.wav's speech, gets VAD segments, a
/// (weightless test model's, so empty) transcript with .srt/.vtt/.txt, and keyframes tagged by imagenet, faces and
/// ocr, each frame's result at its time in the part of the video it shows.
/// </summary>
public sealed class VideoPipelineTests : IDisposable
{
    /// <summary>The astronaut is shown for the first part of the video, the text for the rest.</summary>
    private const double PartSeconds = 5.5;

    private const string VideoPipeline = """
        [ { "stage": "probe" }, { "stage": "vad" }, { "stage": "whisper", "with": { "model": "whisper-tiny.en-empty", "threads": "2" } },
          { "stage": "keyframes", "with": { "perMinute": "30" } },
          { "stage": "imagenet" }, { "stage": "faces" }, { "stage": "ocr" } ]
        """;

    private readonly string folder = Directory.CreateTempSubdirectory("mt-video-pipeline-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [SkippableFact]
    public void An_mp4_gets_speech_a_transcript_subtitles_and_a_face_and_text_in_frames_of_the_parts_that_show_them()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireNative("whisper");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
        _ = TestAssets.Model("vad/silero_vad.onnx");
        _ = TestAssets.Model("whisper/for-tests-ggml-tiny.en.bin");
        _ = TestAssets.Model("imagenet/mobilenetv2-12-int8.onnx");
        _ = TestAssets.Model("face/version-RFB-320.onnx");
        _ = TestAssets.Model("ocr/ch_PP-OCRv4_det_infer.onnx");
        using var box = new WorkerSandbox(pipelineVideoStages: VideoPipeline);
        var video = Path.Combine(box.Inbox, "talk.mp4");
        File.Move(AstronautThenTextOverSpeech(Path.Combine(folder, "talk.mp4")), video);

        var result = CliRunner.Run(null, TimeSpan.FromMinutes(5), "tag", "--config", box.ConfigPath, box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        var sidecar = WorkerSandbox.Sidecar(video)!;
        sidecar["status"]!.GetValue<string>().Should().Be("complete", sidecar.ToJsonString());
        var stages = sidecar["stages"]!;
        stages["vad"]!["segments"]!.AsArray().Should().NotBeEmpty("the audio track is jfk.wav's speech");
        stages["whisper"]!["status"]!.GetValue<string>().Should().Be("done");
        stages["whisper"]!["model"]!["id"]!.GetValue<string>().Should().Be("whisper-tiny.en-empty");

        var keyframes = stages["keyframes"]!["frames"]!.AsArray().Select(f => f!["t"]!.GetValue<double>()).ToArray();
        keyframes.Should().Contain(t => t < PartSeconds).And.Contain(t => t >= PartSeconds, "frames are taken from both parts");
        var faces = Frames(stages["faces"]!);
        faces.Should().Contain(f => f.T < PartSeconds && f.Result["count"]!.GetValue<int>() >= 1, "the astronaut's face is in the first part: " + stages["faces"]!.ToJsonString());
        faces.Where(f => f.T >= PartSeconds + 0.5).Should().OnlyContain(f => f.Result["count"]!.GetValue<int>() == 0, "a line of text has no face");
        var ocr = Frames(stages["ocr"]!);
        ocr.Should().Contain(f => f.T >= PartSeconds && Text(f.Result).Contains("segmentation", StringComparison.OrdinalIgnoreCase),
            "the second part shows \"Region-based segmentation\": " + stages["ocr"]!.ToJsonString());
        ocr.Where(f => f.T < PartSeconds - 0.5).Should().OnlyContain(f => !Text(f.Result).Contains("segmentation", StringComparison.OrdinalIgnoreCase));
        Frames(stages["imagenet"]!).Should().HaveCount(keyframes.Length);

        sidecar["outputs"]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo(["srt", "vtt", "txt"]);
        File.ReadAllText(video + ".vtt").Should().StartWith("WEBVTT");
        File.Exists(video + ".srt").Should().BeTrue();
    }

    private static (double T, JsonObject Result)[] Frames(JsonNode stage) =>
        stage["frames"]!.AsArray().Select(f => (f!["t"]!.GetValue<double>(), f.AsObject())).ToArray();

    private static string Text(JsonObject frame) =>
        string.Join('\n', frame["lines"]?.AsArray().Select(l => l!["text"]!.GetValue<string>()) ?? []);

    /// <summary>
    /// astronaut.png (512x512) for <see cref="PartSeconds"/>, then ocr_line.png centred on white at the same size for as
    /// long, H.264 in MP4 with jfk.wav (11 s) as AAC.
    /// </summary>
    private static string AstronautThenTextOverSpeech(string path)
    {
        var part = PartSeconds.ToString(CultureInfo.InvariantCulture);
        return FfmpegTool.Make(path,
            "-loop", "1", "-framerate", "25", "-t", part, "-i", TestAssets.Media("images/astronaut.png"),
            "-loop", "1", "-framerate", "25", "-t", part, "-i", TestAssets.Media("images/ocr_line.png"),
            "-i", TestAssets.Media("audio/jfk.wav"),
            "-filter_complex", "[0:v]scale=512:512,setsar=1,format=yuv420p[a];[1:v]pad=512:512:(ow-iw)/2:(oh-ih)/2:white,setsar=1,format=yuv420p[b];[a][b]concat=n=2:v=1:a=0[v]",
            "-map", "[v]", "-map", "2:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest");
    }
}
