using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using MediaTagger.Media.Video;
using MediaTagger.Stages;
using MediaTagger.Stages.Keyframes;
using Microsoft.Extensions.DependencyInjection;
using static MediaTagger.Tests.Stages.StageTestServices;

namespace MediaTagger.Tests.Stages;

/// <summary>The keyframes stage's "with", the frame times read from ffmpeg's showinfo, and how image stages find a video's frames.</summary>
public sealed class KeyframesStageTests
{
    // Saved from ffmpeg 5.1 with -vf select=...,scale=...,showinfo: frame lines, side-data lines, and ffmpeg's own output.
    private const string ShowInfoOutput = """
        Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'v.mp4':
          Duration: 00:00:10.00, start: 0.000000, bitrate: 60 kb/s
        [Parsed_showinfo_2 @ 0x5583bbca5780] config in time_base: 1/12800, frame_rate: 25/1
        [Parsed_showinfo_2 @ 0x5583bbca5780] config out time_base: 0/0, frame_rate: 0/0
        [Parsed_showinfo_2 @ 0x5583bbca5780] n:   0 pts:      0 pts_time:0       pos:       48 fmt:yuvj444p sar:1/1 s:320x240 i:P iskey:1 type:I checksum:2300B717 plane_checksum:[996B3ABA 40767ABA E22701A3] mean:[128 128 124] stdev:[83.1 80.3 81.8]
        [Parsed_showinfo_2 @ 0x5583bbca5780]   side data - User Data Unregistered:
        [Parsed_showinfo_2 @ 0x5583bbca5780] UUID=dc45e9bd-e6d9-48b7-962c-d820d923eeef
        [Parsed_showinfo_2 @ 0x5583bbca5780] n:   1 pts: 128000 pts_time:10      pos:   161345 fmt:yuvj444p sar:1/1 s:320x240 i:P iskey:0 type:P checksum:1 plane_checksum:[1 1 1] mean:[1 1 1] stdev:[1 1 1]
        [Parsed_showinfo_2 @ 0x5583bbca5780] n:   2 pts: 259456 pts_time:20.27   pos:   171345 fmt:yuvj444p sar:1/1 s:320x240 i:P iskey:0 type:P checksum:1 plane_checksum:[1 1 1] mean:[1 1 1] stdev:[1 1 1]
        frame=    3 fps=0.0 q=3.0 Lsize=N/A time=00:00:20.27 bitrate=N/A speed= 150x
        """;

    [Fact]
    public void Frame_times_are_the_pts_times_of_showinfo_frame_lines_only()
    {
        KeyframeExtractor.ParseFrameTimes(ShowInfoOutput).Should().Equal(0, 10, 20.27);
        KeyframeExtractor.ParseFrameTimes("Stream map '0:v:0' matches no streams.").Should().BeEmpty();
    }

    [Fact]
    public void Frame_files_are_named_by_their_time_so_they_sort_in_order()
    {
        KeyframeExtractor.FrameFileName(12.3456).Should().Be("t000012.346.jpg");
        KeyframeExtractor.FrameFileName(0).Should().Be("t000000.000.jpg");
        string.CompareOrdinal(KeyframeExtractor.FrameFileName(9.5), KeyframeExtractor.FrameFileName(100)).Should().BeNegative();
    }

    [Fact]
    public void The_filter_selects_by_interval_or_scene_and_scales_down_only()
    {
        var interval = KeyframeExtractor.FilterGraph(new KeyframeRequest(KeyframeMode.Interval, 6, 0.3, 60, 1280, TimeSpan.FromMinutes(1)));
        var scene = KeyframeExtractor.FilterGraph(new KeyframeRequest(KeyframeMode.Scene, 6, 0.25, 60, 640, TimeSpan.FromMinutes(1)));

        interval.Should().StartWith("select='isnan(prev_selected_t)+gte(t-prev_selected_t,10)'").And.Contain("min(1280,iw)").And.EndWith("showinfo");
        scene.Should().StartWith("select='eq(n,0)+gt(scene,0.25)'").And.Contain("min(640,ih)");
    }

    [Fact]
    public void The_defaults_take_six_frames_a_minute_at_most_60_into_a_frames_folder_beside_the_journal()
    {
        using var provider = Provider(s => s.AddKeyframesStage());

        var options = OptionsOf<KeyframesStageOptions>(provider, new StageDefinition { Stage = "keyframes" });

        options.Should().BeEquivalentTo(new { Mode = "interval", PerMinute = 6.0, SceneThreshold = 0.3, MaxFrames = 60, MaxSide = 1280 });
        Path.GetFileName(options.CacheDirectory).Should().Be("frames");
        Path.IsPathRooted(options.CacheDirectory).Should().BeTrue();
    }

    [Fact]
    public void The_family_declares_its_frame_files_so_the_worker_deletes_them_with_the_video()
    {
        using var provider = Provider(s => s.AddKeyframesStage());
        var options = OptionsOf<KeyframesStageOptions>(provider, new StageDefinition { Stage = "keyframes" });
        var result = new JsonObject
        {
            ["count"] = 2,
            ["frames"] = new JsonArray(new JsonObject { ["t"] = 0.0, ["path"] = "/f/a/t000000.000.jpg" }, new JsonObject { ["t"] = 10.0, ["path"] = "/f/a/t000010.000.jpg" }),
        };

        var content = provider.GetRequiredService<StageCatalog>().Contents.Should().ContainSingle().Subject;

        content.Stage.Should().Be("keyframes");
        content.Root.Should().Be(options.CacheDirectory);
        content.FilesOf(result).Should().Equal("/f/a/t000000.000.jpg", "/f/a/t000010.000.jpg");
        content.FilesOf(new JsonObject()).Should().BeEmpty();
    }

    [Fact]
    public void Every_key_is_read_and_every_bad_value_is_named()
    {
        using var provider = Provider(s => s.AddKeyframesStage());
        var family = Families(s => s.AddKeyframesStage()).Single();

        var options = OptionsOf<KeyframesStageOptions>(provider, new StageDefinition
        {
            Stage = "keyframes",
            With = { ["mode"] = "Scene", ["sceneThreshold"] = "0.4", ["maxFrames"] = "12", ["maxSide"] = "640", ["perMinute"] = "2", ["timeoutSeconds"] = "30" },
        });
        var problems = family.Check(new StageDefinition
        {
            Stage = "keyframes",
            With = { ["mode"] = "shots", ["perMinute"] = "0", ["sceneThreshold"] = "2", ["maxFrames"] = "many", ["maxSide"] = "8", ["fps"] = "1" },
        }, new WorkerOptions());

        options.Should().BeEquivalentTo(new { Mode = "scene", SceneThreshold = 0.4, MaxFrames = 12, MaxSide = 640, PerMinute = 2.0, Timeout = TimeSpan.FromSeconds(30) });
        problems.Select(p => p.Key).Should().BeEquivalentTo("mode", "perMinute", "sceneThreshold", "maxFrames", "maxSide", "fps");
        problems.Single(p => p.Key == "mode").Message.Should().Contain("interval or scene");
        problems.Single(p => p.Key == "maxFrames").Message.Should().Contain("'many' is not a whole number");
    }

    [Fact]
    public void A_video_without_a_keyframes_result_is_told_to_add_the_stage_and_one_with_frames_lists_them()
    {
        var without = new StageInput(1, "/v.mp4", MediaKind.Video, "mp4", new Dictionary<string, JsonObject>());
        var with = without with
        {
            EarlierResults = new Dictionary<string, JsonObject>
            {
                ["keyframes"] = JsonNode.Parse("""{ "frames": [ { "t": 0, "path": "/f/a.jpg" }, { "t": 10.5, "path": "/f/b.jpg" } ] }""")!.AsObject(),
            },
        };

        ImageModelStage.FramesOf(without).Error.Should().Contain("keyframes stage");
        var frames = ImageModelStage.FramesOf(with);
        frames.Error.Should().BeNull();
        frames.Times.Should().Equal(0, 10.5);
        frames.Paths.Should().Equal("/f/a.jpg", "/f/b.jpg");
    }
}
