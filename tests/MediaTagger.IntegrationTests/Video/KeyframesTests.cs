using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Keyframes;

namespace MediaTagger.IntegrationTests.Video;

/// <summary>Keyframes of real videos made with ffmpeg, and `mediatagger tag` running imagenet on them.</summary>
public sealed class KeyframesTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mt-keyframes-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [SkippableFact]
    public async Task A_ten_second_video_gets_a_frame_every_two_seconds_at_those_times_and_a_second_run_replaces_them()
    {
        TestAssets.RequireTool("ffmpeg");
        var video = CatVideo(Path.Combine(folder, "cat.mp4"));
        var stage = new KeyframesStageHandle(new KeyframesStageOptions { PerMinute = 30, MaxSide = 200, CacheDirectory = Path.Combine(folder, "frames") });

        var first = await stage.RunAsync(video);
        var again = await stage.RunAsync(video);

        first.Success.Should().BeTrue(first.Error);
        var frames = first.Result!["frames"]!.AsArray();
        first.Result["count"]!.GetValue<int>().Should().Be(5);
        first.Result["mode"]!.GetValue<string>().Should().Be("interval");
        var times = frames.Select(f => f!["t"]!.GetValue<double>()).ToArray();
        times.Should().BeInAscendingOrder().And.OnlyContain(t => t >= 0 && t < 10);
        times.Should().Equal([0, 2, 4, 6, 8], (a, b) => Math.Abs(a - b) < 0.05);
        frames.Select(f => f!["path"]!.GetValue<string>()).Should().OnlyContain(p => File.Exists(p) && p.EndsWith(".jpg", StringComparison.Ordinal));
        again.Result!["count"]!.GetValue<int>().Should().Be(5);
        Directory.GetFiles(Path.GetDirectoryName(frames[0]!["path"]!.GetValue<string>())!).Should().HaveCount(5, "a video processed again gets a fresh folder");
    }

    [SkippableFact]
    public async Task Scene_mode_is_capped_and_a_file_without_a_video_stream_fails_permanently_with_a_clear_message()
    {
        TestAssets.RequireTool("ffmpeg");
        // testsrc's moving pattern over a colour change every second: cuts to find, more than the cap.
        var cuts = FfmpegTool.Make(Path.Combine(folder, "cuts.mp4"), "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=10,hue=h=t*180", "-c:v", "mpeg4");
        var audioOnly = FfmpegTool.Make(Path.Combine(folder, "tone.mp4"), "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac");
        var stage = new KeyframesStageHandle(new KeyframesStageOptions { Mode = "scene", SceneThreshold = 0.01, MaxFrames = 3, CacheDirectory = Path.Combine(folder, "frames") });

        var scene = await stage.RunAsync(cuts);
        var failed = await stage.RunAsync(audioOnly);

        scene.Success.Should().BeTrue(scene.Error);
        scene.Result!["count"]!.GetValue<int>().Should().Be(3, "maxFrames caps the frames");
        failed.Success.Should().BeFalse();
        failed.Transient.Should().BeFalse();
        failed.Error.Should().Be("the file has no video stream to take keyframes from");
    }

    [SkippableFact]
    public void Tag_runs_imagenet_on_the_keyframes_of_a_video_and_writes_each_frame_s_labels_with_its_time()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
        _ = TestAssets.Model("imagenet/mobilenetv2-12-int8.onnx");
        const string video = """[ { "stage": "probe" }, { "stage": "keyframes", "with": { "perMinute": "20" } }, { "stage": "imagenet", "with": { "model": "mobilenetv2-int8", "topK": "3" } } ]""";
        using var box = new WorkerSandbox(pipelineVideoStages: video);
        var cat = CatVideo(Path.Combine(box.Inbox, "cat.mp4"));

        var result = box.Tag(box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        var sidecar = WorkerSandbox.Sidecar(cat)!;
        sidecar["status"]!.GetValue<string>().Should().Be("complete", sidecar.ToJsonString());
        var keyframes = sidecar["stages"]!["keyframes"]!;
        keyframes["count"]!.GetValue<int>().Should().Be(4);
        keyframes["frames"]![0]!["path"]!.GetValue<string>().Should().StartWith(Path.Combine(box.Root, "frames"), "frames are kept beside the journal");
        var imagenet = sidecar["stages"]!["imagenet"]!;
        var frames = imagenet["frames"]!.AsArray();
        frames.Select(f => f!["t"]!.GetValue<double>()).Should().Equal([0, 3, 6, 9], (a, b) => Math.Abs(a - b) < 0.05);
        frames.Should().OnlyContain(f => f!["labels"]!.AsArray().Any(l => l!["label"]!.GetValue<string>().EndsWith(" cat", StringComparison.Ordinal)), imagenet.ToJsonString());
        // The video's labels: each label's best score over the frames; chelsea is a tabby, which mobilenet also calls an Egyptian Mau.
        imagenet["labels"]![0]!["label"]!.GetValue<string>().Should().BeOneOf("tabby cat", "tiger cat", "Egyptian Mau");
        imagenet["labels"]!.AsArray().Select(l => l!["t"]!.GetValue<double>()).Should().OnlyContain(t => t >= 0 && t < 10);
    }

    [SkippableFact]
    public void Frames_go_with_a_video_deleted_while_the_worker_runs_and_with_one_deleted_while_it_was_down_at_the_next_start()
    {
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
        const string video = """[ { "stage": "probe" }, { "stage": "keyframes", "with": { "perMinute": "20" } } ]""";
        using var box = new WorkerSandbox(pipelineVideoStages: video, stableWindowSeconds: 0.3);
        var deletedLive = Path.Combine(box.Inbox, "live.mp4");
        var deletedWhileDown = Path.Combine(box.Inbox, "down.mp4");
        var made = CatVideo(Path.Combine(folder, "cat.mp4"));
        var frameRoot = Path.Combine(box.Root, "frames");
        string[] liveFrames, downFrames;

        using (var worker = box.StartRun())
        {
            File.Copy(made, deletedLive);
            File.Copy(made, deletedWhileDown);
            Poll.Until(() => WorkerSandbox.Sidecar(deletedLive) is not null && WorkerSandbox.Sidecar(deletedWhileDown) is not null, TimeSpan.FromMinutes(2), () => worker.Output);
            liveFrames = FramesIn(WorkerSandbox.Sidecar(deletedLive)!);
            downFrames = FramesIn(WorkerSandbox.Sidecar(deletedWhileDown)!);
            liveFrames.Should().HaveCount(4).And.OnlyContain(f => File.Exists(f) && f.StartsWith(frameRoot, StringComparison.Ordinal));
            downFrames.Should().HaveCount(4).And.NotIntersectWith(liveFrames, "each video has frames of its own, even with the same content");

            File.Delete(deletedLive);

            Poll.Until(() => liveFrames.All(f => !File.Exists(f)) && !File.Exists(WorkerSandbox.SidecarPathOf(deletedLive)), TimeSpan.FromSeconds(60), () => worker.Output);
            Directory.Exists(Path.GetDirectoryName(liveFrames[0])).Should().BeFalse("the video's frame folder goes with its frames");
            downFrames.Should().OnlyContain(f => File.Exists(f), "the other video's frames stay");
            worker.Terminate(TimeSpan.FromSeconds(30)).Should().BeTrue(worker.Output);
        }

        File.Delete(deletedWhileDown);
        downFrames.Should().OnlyContain(f => File.Exists(f), "nothing runs while the worker is down");

        using (var worker = box.StartRun())
        {
            // The sweep deletes the files before its log line reaches the worker's output: wait for both.
            Poll.Until(() => downFrames.All(f => !File.Exists(f)) && worker.Output.Contains("Start-up sweep deleted", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => worker.Output);
            Directory.EnumerateFileSystemEntries(frameRoot).Should().BeEmpty("the start-up sweep leaves no folder of a gone video");
            worker.Output.Should().Contain("Start-up sweep deleted 4 file(s) of stage keyframes");
            worker.Terminate(TimeSpan.FromSeconds(30)).Should().BeTrue(worker.Output);
        }
    }

    private static string[] FramesIn(JsonObject sidecar) =>
        sidecar["stages"]!["keyframes"]!["frames"]!.AsArray().Select(f => f!["path"]!.GetValue<string>()).ToArray();

    /// <summary>Ten seconds of chelsea.png (a tabby cat) with a tone, as MPEG-4 video in MP4.</summary>
    private static string CatVideo(string path) => FfmpegTool.Make(path,
        "-loop", "1", "-framerate", "25", "-i", TestAssets.Media("images/chelsea.png"),
        "-f", "lavfi", "-i", "sine=frequency=440:duration=10",
        "-t", "10", "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p", "-c:v", "mpeg4", "-q:v", "4", "-c:a", "aac", "-shortest");

    /// <summary>A keyframes stage run on one file at a time, as the worker hands it a video after probe.</summary>
    private sealed class KeyframesStageHandle(KeyframesStageOptions options)
    {
        private readonly KeyframesStage stage = new(options);

        public async Task<StageOutcome> RunAsync(string path) =>
            (await stage.RunAsync([new StageInput(1, path, MediaKind.Video, "mp4", new Dictionary<string, JsonObject>())], CancellationToken.None)).Single();
    }
}
