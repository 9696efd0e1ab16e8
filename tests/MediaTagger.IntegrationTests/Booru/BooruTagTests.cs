using System.Diagnostics;
using System.Text.Json.Nodes;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Booru;

/// <summary>
/// `mediatagger tag` with [probe, booru] on a synthetic same-interface WD14 model installed in a product home:
/// through the scheduler and the model host, as a pulled model would run. Tags and rating in the sidecar, the kohya
/// caption beside the image, a user's caption left alone, a corrupt image failed with its reason, videos by keyframes.
/// </summary>
public sealed class BooruTagTests
{
    // One definition per stage name and worker: images and videos share it.
    private static string Booru(string model) =>
        $$"""{ "stage": "booru", "with": { "model": "{{model}}", "writeTxt": "true", "ratingTag": "true", "alwaysFirst": "long hair" } }""";

    private static string Pipeline(string model) => $$"""[ { "stage": "probe" }, {{Booru(model)}} ]""";

    private static SyntheticModels.Home Home() => new(Entry());

    /// <summary>The synthetic WD14 v3 tagger (tests/tools/make_tiny_wd14.py) as the catalog entry wd14-synthetic.</summary>
    internal static SyntheticModels.Entry Entry()
    {
        var dir = SyntheticModels.Generate("make_tiny_wd14.py", "tiny-wd14-v3");
        return new SyntheticModels.Entry("wd14-synthetic", "booru",
            new Dictionary<string, string> { ["model"] = Path.Combine(dir, "model.onnx"), ["tags"] = Path.Combine(dir, "selected_tags.csv") }, Heavy: true);
    }

    [SkippableFact]
    public void Tag_writes_booru_tags_and_a_kohya_caption_beside_each_image_and_fails_a_corrupt_one_alone()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        using var home = Home();
        using var box = new WorkerSandbox(Pipeline("wd14-synthetic"));
        var blue = SolidImages.Write(box.Inbox, "blue.png", 0, 0, 255);
        var red = SolidImages.Write(box.Inbox, "red.jpg", 255, 0, 0);
        var kept = SolidImages.Write(box.Inbox, "kept.png", 0, 255, 0);
        File.WriteAllText(Path.Combine(box.Inbox, "kept.txt"), "my own caption\n");
        var broken = Path.Combine(box.Inbox, "broken.png");
        File.WriteAllBytes(broken, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 1, 2, 3]);

        var result = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(3), "tag", "--config", box.ConfigPath, box.Inbox);

        result.ExitCode.Should().Be(2, "one file failed; " + result.Stdout + result.Stderr);
        var sidecar = WorkerSandbox.Sidecar(blue)!;
        sidecar["status"]!.GetValue<string>().Should().Be("complete", sidecar.ToJsonString());
        var booru = sidecar["stages"]!["booru"]!;
        Tags(booru).Should().Contain(["blue background", "long hair", "rating:general"]);
        booru["rating"]!["label"]!.GetValue<string>().Should().Be("general");
        booru["model"]!["id"]!.GetValue<string>().Should().Be("wd14-synthetic");
        booru["model"]!["sha256"]!.GetValue<string>().Should().Be(home.Catalog["wd14-synthetic"].File("model").Checksum);
        booru["device"]!.GetValue<string>().Should().Be("cpu");
        sidecar["outputs"]!["booru"]!.GetValue<string>().Should().Be("blue.txt");

        // kohya's naming (the extension replaced), always-first tag, then by group: general by score, then the rating.
        var caption = File.ReadAllText(Path.Combine(box.Inbox, "blue.txt"));
        caption.Should().StartWith("long hair, blue background").And.EndWith("rating:general\n");
        File.ReadAllText(Path.Combine(box.Inbox, "red.txt")).Should().Contain("red theme").And.Contain("rating:explicit");
        File.ReadAllText(Path.Combine(box.Inbox, "kept.txt")).Should().Be("my own caption\n", "a caption the worker did not write is kept");
        Tags(WorkerSandbox.Sidecar(kept)!["stages"]!["booru"]!).Should().Contain("hatsune miku (vocaloid)");

        var failed = WorkerSandbox.Sidecar(broken)!;
        failed["status"]!.GetValue<string>().Should().Be("failed");
        failed["errors"]![0]!["message"]!.GetValue<string>().Should().Contain("cannot read this png", "the probe stage names the reason");
        File.Exists(Path.Combine(box.Inbox, "broken.txt")).Should().BeFalse();
    }

    [SkippableFact]
    public void The_caption_follows_the_configured_order_names_clean_up_and_thresholds()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        using var home = Home();
        const string booru = """
            { "stage": "booru", "with": { "model": "wd14-synthetic", "writeTxt": "true", "underscores": "false",
              "undesired": "long_hair", "replace": "blue_background,azure_background", "generalThreshold": "0.2",
              "characterMcut": "true", "txtOrder": "general,character", "separator": " | ", "txtName": "append" } }
            """;
        using var box = new WorkerSandbox($"[ {{ \"stage\": \"probe\" }}, {booru} ]");
        var blue = SolidImages.Write(box.Inbox, "blue.png", 0, 0, 255);
        var red = SolidImages.Write(box.Inbox, "red.png", 255, 0, 0);

        var result = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(3), "tag", "--config", box.ConfigPath, box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        // Underscores kept, the replacement applied, the undesired tag gone, no rating in the tags; "photo.png.txt".
        var blueTags = Tags(WorkerSandbox.Sidecar(blue)!["stages"]!["booru"]!).ToArray();
        blueTags.Should().Contain("azure_background").And.NotContain(["blue_background", "long_hair", "long hair", "rating:general"]);
        File.ReadAllText(blue + ".txt").Should().Be("azure_background\n");
        File.Exists(Path.Combine(box.Inbox, "blue.txt")).Should().BeFalse();

        // The character scores about 0.6 on red: under the 0.85 threshold, kept by MCut; general before character.
        var redBooru = WorkerSandbox.Sidecar(red)!["stages"]!["booru"]!;
        redBooru["characters"]!.AsArray().Select(c => c!["tag"]!.GetValue<string>()).Should().Equal("kirisame_marisa");
        File.ReadAllText(red + ".txt").Should().Be("red_theme | kirisame_marisa\n");
    }

    [SkippableFact]
    public void A_video_is_tagged_through_its_keyframes_without_a_caption_file()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
        using var home = Home();
        using var box = new WorkerSandbox(Pipeline("wd14-synthetic"),
            pipelineVideoStages: $$"""[ { "stage": "probe" }, { "stage": "keyframes", "with": { "perMinute": "30", "maxFrames": "3" } }, {{Booru("wd14-synthetic")}} ]""");
        var clip = Path.Combine(box.Inbox, "clip.mp4");
        using (var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=64x48:r=10:d=4", "-c:v", "mpeg4", clip]) { RedirectStandardError = true })!)
        {
            ffmpeg.WaitForExit(60_000).Should().BeTrue();
            ffmpeg.ExitCode.Should().Be(0, ffmpeg.StandardError.ReadToEnd());
        }

        var result = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(3), "tag", "--config", box.ConfigPath, box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        var booru = WorkerSandbox.Sidecar(clip)!["stages"]!["booru"]!;
        Tags(booru).Should().Contain("blue background", booru.ToJsonString());
        booru["frames"]!.AsArray().Should().NotBeEmpty();
        File.Exists(Path.Combine(box.Inbox, "clip.txt")).Should().BeFalse("captions are for images; a video's .txt is its transcript");
    }

    private static IEnumerable<string> Tags(JsonNode booru) => booru["tags"]!.AsArray().Select(t => t!["tag"]!.GetValue<string>());
}
