using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Vad;
using Xunit.Abstractions;

namespace MediaTagger.IntegrationTests.Vad;

/// <summary>The vad stage with the real Silero VAD v5 model on real speech, generated silence and broken files.</summary>
public sealed class VadStageTests : IDisposable
{
    private readonly ITestOutputHelper output;
    private readonly string temp = Directory.CreateTempSubdirectory("mt-vad-").FullName;

    public VadStageTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    [SkippableFact]
    public async Task Jfk_is_mostly_speech_from_the_first_second_and_the_mp3_agrees_with_the_wav()
    {
        using var stage = CreateStage();

        var outcomes = await RunAsync(stage, TestAssets.Media("audio/jfk.wav"), TestAssets.Media("audio/jfk.mp3"));

        var wav = Succeeded(outcomes[0]);
        var segments = Segments(wav);
        segments.Should().NotBeEmpty();
        segments[0].Start.Should().BeLessThan(1.0, "JFK starts speaking within the first second");
        wav["durationSeconds"]!.GetValue<double>().Should().BeApproximately(11.0, 0.05);
        wav["speechRatio"]!.GetValue<double>().Should().BeGreaterThan(0.6);
        wav["speechSeconds"]!.GetValue<double>().Should().BeApproximately(segments.Sum(s => s.End - s.Start), 0.01);
        segments.Should().BeInAscendingOrder(s => s.Start);
        segments.Zip(segments.Skip(1)).Should().OnlyContain(p => p.First.End <= p.Second.Start, "segments do not overlap");
        segments[^1].End.Should().BeLessThanOrEqualTo(wav["durationSeconds"]!.GetValue<double>());

        var mp3 = Succeeded(outcomes[1]);
        mp3["speechRatio"]!.GetValue<double>().Should().BeApproximately(wav["speechRatio"]!.GetValue<double>(), 0.05, "the same speech, another codec");
    }

    [SkippableFact]
    public async Task Five_seconds_of_silence_hold_no_speech()
    {
        using var stage = CreateStage();
        var silence = Ffmpeg("silence.wav", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "5", "-c:a", "pcm_s16le");

        var result = Succeeded((await RunAsync(stage, silence))[0]);

        Segments(result).Should().BeEmpty();
        result["speechSeconds"]!.GetValue<double>().Should().Be(0);
        result["speechRatio"]!.GetValue<double>().Should().Be(0);
        result["durationSeconds"]!.GetValue<double>().Should().BeApproximately(5.0, 0.01);
    }

    [SkippableFact]
    public async Task Long_speech_is_streamed_and_split_into_segments_of_at_most_the_maximum()
    {
        var options = new VadStageOptions { MaxSpeechSeconds = 5, MinSilenceMs = 2000 };
        using var stage = CreateStage(options);
        // JFK four times over (44 s), with long minimum silence so that speech runs on past the maximum.
        var jfk = TestAssets.Media("audio/jfk.wav");
        var looped = Ffmpeg("jfk-x4.flac", "-stream_loop", "3", "-i", jfk, "-c:a", "flac");

        var result = Succeeded((await RunAsync(stage, looped))[0]);

        var segments = Segments(result);
        result["durationSeconds"]!.GetValue<double>().Should().BeApproximately(44.0, 0.1);
        segments.Should().HaveCountGreaterThan(8);
        segments.Should().OnlyContain(s => s.End - s.Start <= 5.0 + 0.001, "padding included, no segment is longer than maxSpeechSeconds");
        result["speechRatio"]!.GetValue<double>().Should().BeGreaterThan(0.6);
    }

    [SkippableFact]
    public async Task Corrupt_empty_and_silent_video_inputs_fail_with_their_reason_and_the_batch_goes_on()
    {
        using var stage = CreateStage();
        var corrupt = Path.Combine(temp, "corrupt.mp3");
        await File.WriteAllTextAsync(corrupt, "this is text, not an MP3 file");
        var empty = Ffmpeg("empty.wav", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-frames:a", "0", "-c:a", "pcm_s16le");
        var video = Ffmpeg("no-audio.mp4", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-an");

        var outcomes = await RunAsync(stage, corrupt, empty, video, TestAssets.Media("audio/jfk.wav"));

        outcomes.Select(o => o.Error ?? "ok").ToList().ForEach(output.WriteLine);
        outcomes[0].Error.Should().StartWith("cannot decode the audio: ").And.Contain("could not read");
        outcomes[1].Error.Should().Contain("zero-length audio");
        outcomes[2].Error.Should().StartWith("the file has no audio track").And.Contain("streams: video");
        outcomes.Take(3).Should().OnlyContain(o => !o.Transient, "none of them will get better by trying again");
        Succeeded(outcomes[3])["speechRatio"]!.GetValue<double>().Should().BeGreaterThan(0.6, "a bad file costs only its own outcome");
    }

    [SkippableFact]
    public async Task A_video_the_probe_stage_found_without_audio_fails_without_running_ffmpeg_again()
    {
        using var stage = CreateStage();
        var probe = new JsonObject { ["streams"] = new JsonArray(new JsonObject { ["index"] = 0, ["type"] = "video" }) };
        var input = new StageInput(1, TestAssets.Media("audio/jfk.wav"), MediaKind.Video, "mp4", new Dictionary<string, JsonObject> { ["probe"] = probe });

        var outcome = (await stage.RunAsync([input], CancellationToken.None))[0];

        outcome.Error.Should().Be("the file has no audio track, so there is no speech to detect (streams: video)",
            "the probe stage's stream list is trusted, so ffprobe does not run a second time");
    }

    private static VadStage CreateStage(VadStageOptions? options = null)
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
        var modelPath = TestAssets.Model("vad/silero_vad.onnx");
        var catalog = ModelCatalog.Load(Path.Combine(TestAssets.RepoRoot, "models", "catalog.json"));
        return new VadStage(catalog["silero-vad-v5"], new Dictionary<string, string> { ["model"] = modelPath }, options ?? new VadStageOptions());
    }

    private static async Task<IReadOnlyList<StageOutcome>> RunAsync(VadStage stage, params string[] paths) =>
        await stage.RunAsync(paths.Select((p, i) => new StageInput(i, p, MediaKind.Audio, Path.GetExtension(p).TrimStart('.'), new Dictionary<string, JsonObject>())).ToArray(),
            CancellationToken.None);

    private JsonObject Succeeded(StageOutcome outcome)
    {
        outcome.Error.Should().BeNull();
        output.WriteLine(outcome.Result!.ToJsonString());
        return outcome.Result!;
    }

    private static (double Start, double End)[] Segments(JsonObject result) =>
        result["segments"]!.AsArray().Select(s => (s!["start"]!.GetValue<double>(), s["end"]!.GetValue<double>())).ToArray();

    private string Ffmpeg(string name, params string[] arguments) => FfmpegTool.Make(Path.Combine(temp, name), arguments);
}
