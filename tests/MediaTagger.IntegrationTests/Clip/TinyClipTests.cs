using System.Text.Json.Nodes;
using MediaTagger.IntegrationTests.Caption;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Clip;

namespace MediaTagger.IntegrationTests.Clip;

/// <summary>
/// The clip stage and `search` on synthetic towers with the Xenova and immich ONNX interfaces
/// (tests/tools/make_tiny_clip.py): an image's embedding is its mean colour, a text's the colour words it names, so
/// "a red image" finds the red picture and zero-shot over red/green/blue names each picture's colour.
/// </summary>
public sealed class TinyClipTests
{
    private const string ClipPipeline =
        """[ { "stage": "probe" }, { "stage": "clip", "with": { "model": "clip-synthetic", "labels": "red, green, blue", "topK": "2" } } ]""";

    private static string Merges => TestAssets.Model("clip/bpe_simple_vocab_16e6.txt.gz");

    internal static string Generated() => SyntheticModels.Generate("make_tiny_clip.py", "tiny-clip", Merges);

    internal static SyntheticModels.Entry Entry(string models) => new("clip-synthetic", "clip", new Dictionary<string, string>
    {
        ["visual"] = Path.Combine(models, "xenova", "vision_model.onnx"),
        ["textual"] = Path.Combine(models, "xenova", "text_model.onnx"),
        ["merges"] = Merges,
    }, Heavy: true);

    [SkippableTheory]
    [InlineData("xenova/vision_model.onnx", "xenova/text_model.onnx")]
    [InlineData("xenova/vision_model_fp16.onnx", "xenova/text_model.onnx")]
    [InlineData("immich/visual/model.onnx", "immich/textual/model.onnx")]
    public void Both_export_layouts_give_unit_embeddings_and_zero_shot_names_the_colour(string visual, string textual)
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var models = Generated();
        var folder = Directory.CreateTempSubdirectory("mt-clip-").FullName;
        try
        {
            var red = SolidImages.Write(folder, "red.png", 230, 20, 20, width: 64, height: 48);
            var green = SolidImages.Write(folder, "green.jpg", 20, 200, 30, width: 300, height: 120);
            var blue = SolidImages.Write(folder, "blue.png", 10, 30, 220, width: 40, height: 90);
            var broken = Path.Combine(folder, "broken.png");
            File.WriteAllBytes(broken, File.ReadAllBytes(red).AsSpan(0, 40).ToArray());
            using var images = new ClipImageEncoder(Path.Combine(models, visual));
            using var text = new ClipTextEncoder(Path.Combine(models, textual), ClipTokenizer.FromMergesFile(Merges));

            var embedded = images.Embed([red, broken, green, blue]);
            var zeroShot = ClipZeroShot.For(text, textual, ["red", "green", "blue"], ClipZeroShot.DefaultTemplates);

            embedded[1].Vector.Should().BeNull("a truncated file cannot be decoded");
            embedded[1].Error.Should().NotBeNullOrEmpty();
            foreach (var (e, colour) in new[] { (embedded[0], "red"), (embedded[2], "green"), (embedded[3], "blue") })
            {
                e.Vector.Should().NotBeNull(e.Error);
                Math.Sqrt(e.Vector!.Sum(v => (double)v * v)).Should().BeApproximately(1.0, 1e-3, "embeddings are L2-normalized");
                var labels = zeroShot.Classify(e.Vector, 100, 3, 0);
                labels[0].Label.Should().Be(colour);
                labels[0].Score.Should().BeGreaterThan(0.9f, "the logit scale of 100 makes the softmax decisive");
                labels.Sum(l => l.Score).Should().BeApproximately(1f, 1e-4f);
            }

            var query = text.Embed(["a red image"])[0];
            var ranked = new[] { embedded[0], embedded[2], embedded[3] }.OrderByDescending(e => ClipEmbeddings.Dot(query, e.Vector!)).ToArray();
            ranked[0].Path.Should().Be(red);
            images.Device.Should().Be("cpu");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableFact]
    public void A_label_set_is_embedded_once_and_then_served_from_the_cache_in_memory_and_on_disk()
    {
        TestAssets.RequireNative("onnxruntime");
        var models = Generated();
        var folder = Directory.CreateTempSubdirectory("mt-clip-labels-").FullName;
        try
        {
            using var text = new ClipTextEncoder(Path.Combine(models, "xenova", "text_model.onnx"), ClipTokenizer.FromMergesFile(Merges));
            string[] labels = ["green", "blue", "red", "cache-test"];

            var first = ClipZeroShot.For(text, "cache-test-sha", labels, ["a photo of a {}."], cacheDirectory: folder);
            var second = ClipZeroShot.For(text, "cache-test-sha", labels, ["a photo of a {}."], cacheDirectory: folder);
            var otherTemplates = ClipZeroShot.For(text, "cache-test-sha", labels, ["{}"]);
            ClipZeroShot.ForgetInMemory(); // as a new model host process starts
            var nextProcess = ClipZeroShot.For(text, "cache-test-sha", labels, ["a photo of a {}."], cacheDirectory: folder);

            first.Source.Should().Be("computed");
            second.Source.Should().Be("memory");
            otherTemplates.Source.Should().Be("computed", "the templates are part of the key");
            nextProcess.Source.Should().Be("disk");
            second.Embeddings.Should().BeEquivalentTo(first.Embeddings);
            nextProcess.Embeddings.Should().BeEquivalentTo(first.Embeddings);
            var written = Directory.GetFiles(folder).Should().ContainSingle().Subject;
            new FileInfo(written).Length.Should().Be(4 * 4 * sizeof(float), "four labels of four dimensions, float32");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableFact]
    public void Tag_labels_and_stores_embeddings_search_ranks_the_red_image_first_and_a_corrupt_file_fails_alone()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        var models = Generated();
        using var home = new SyntheticModels.Home(Entry(models));
        using var box = new WorkerSandbox(ClipPipeline);
        var red = SolidImages.Write(box.Inbox, "red.png", 230, 20, 20, width: 64, height: 48);
        var green = SolidImages.Write(box.Inbox, "green.png", 20, 200, 30, width: 64, height: 48);
        Directory.CreateDirectory(Path.Combine(box.Inbox, "sea"));
        var blue = SolidImages.Write(Path.Combine(box.Inbox, "sea"), "blue.png", 10, 30, 220, width: 500, height: 300);
        var corrupt = Path.Combine(box.Inbox, "broken.png");
        var bytes = File.ReadAllBytes(red);
        File.WriteAllBytes(corrupt, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var result = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(3), "tag", "--config", box.ConfigPath, box.Inbox);

        result.ExitCode.Should().Be(2, "one file failed: " + result.Stdout + result.Stderr);
        var sha = Core.Models.ModelStore.Sha256Of(Path.Combine(models, "xenova", "vision_model.onnx"));
        foreach (var (path, colour) in new[] { (red, "red"), (green, "green"), (blue, "blue") })
        {
            var sidecar = WorkerSandbox.Sidecar(path)!;
            sidecar["status"]!.GetValue<string>().Should().Be("complete", sidecar.ToJsonString());
            var clip = sidecar["stages"]!["clip"]!;
            var labels = clip["labels"]!.AsArray();
            labels.Should().HaveCount(2, "topK is 2");
            labels[0]!["label"]!.GetValue<string>().Should().Be(colour);
            labels[0]!["score"]!.GetValue<double>().Should().BeGreaterThan(0.9);
            clip["model"]!["id"]!.GetValue<string>().Should().Be("clip-synthetic");
            clip["model"]!["sha256"]!.GetValue<string>().Should().Be(sha);
            clip["device"]!.GetValue<string>().Should().Be("cpu");
            var embedding = clip["embedding"]!;
            embedding["dim"]!.GetValue<int>().Should().Be(4);
            embedding["stored"]!.GetValue<string>().Should().Be("journal");
            embedding["vector"].Should().BeNull("the vector goes to the journal, not the sidecar, unless keepVector is set");
        }

        var failed = WorkerSandbox.Sidecar(corrupt);
        failed.Should().NotBeNull("a corrupt file gets a sidecar that says why");
        failed!.ToJsonString().Should().MatchRegex("(?i)(truncat|corrupt|premature|read|decode|png)");

        var search = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(1), "search", "--config", box.ConfigPath, "a red image", "--json");
        search.ExitCode.Should().Be(0, search.Stdout + search.Stderr);
        var hits = JsonNode.Parse(search.Stdout)!.AsArray();
        var paths = hits.Select(h => h!["path"]!.GetValue<string>()).ToArray();
        paths[0].Should().Be(red, "the red picture matches \"a red image\" best");
        paths.Should().BeEquivalentTo([red, green, blue], "every processed image is ranked, the corrupt one has no embedding");
        hits[0]!["score"]!.GetValue<double>().Should().BeGreaterThan(hits[1]!["score"]!.GetValue<double>());
        hits[0]!["model"]!.GetValue<string>().Should().Be("clip-synthetic");

        var blueSearch = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(1), "search", "--config", box.ConfigPath, "blue", "--top", "1");
        blueSearch.ExitCode.Should().Be(0, blueSearch.Stderr);
        blueSearch.Stdout.Trim().Should().EndWith(blue);

        var folder = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(1), "search", "--config", box.ConfigPath, "a red image", "--folder", Path.Combine(box.Inbox, "sea"), "--json");
        JsonNode.Parse(folder.Stdout)!.AsArray().Select(h => h!["path"]!.GetValue<string>()).Should().Equal(blue);
    }

    [SkippableFact]
    public void A_video_gets_each_colour_at_the_time_it_shows_and_one_embedding_that_search_finds()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffmpeg");
        TestAssets.RequireTool("ffprobe");
        var models = Generated();
        using var home = new SyntheticModels.Home(Entry(models));
        using var box = new WorkerSandbox(ClipPipeline, pipelineVideoStages:
            """[ { "stage": "probe" }, { "stage": "keyframes", "with": { "perMinute": "60" } }, { "stage": "clip", "with": { "model": "clip-synthetic", "labels": "red, green, blue", "topK": "2" } } ]""");
        var video = Path.Combine(box.Inbox, "red-then-blue.mp4");
        var ffmpeg = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ffmpeg",
            ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=0xE61414:s=128x96:d=3:r=10", "-f", "lavfi", "-i", "color=c=0x0A1EDC:s=128x96:d=3:r=10",
             "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-pix_fmt", "yuv420p", "-c:v", "libx264", video]) { UseShellExecute = false })!;
        ffmpeg.WaitForExit(TimeSpan.FromMinutes(1)).Should().BeTrue();
        ffmpeg.ExitCode.Should().Be(0);

        var result = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(3), "tag", "--config", box.ConfigPath, box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        var clip = WorkerSandbox.Sidecar(video)!["stages"]!["clip"]!;
        var frames = clip["frames"]!.AsArray();
        frames.Should().NotBeEmpty();
        foreach (var frame in frames)
        {
            var t = frame!["t"]!.GetValue<double>();
            if (t < 2.5 || t > 3.5)
            {
                frame["labels"]![0]!["label"]!.GetValue<string>().Should().Be(t < 3 ? "red" : "blue", $"the frame at {t} s");
            }

            frame["embedding"].Should().BeNull("the video has one embedding, not one per frame");
        }

        var labels = clip["labels"]!.AsArray().ToDictionary(l => l!["label"]!.GetValue<string>(), l => l!["t"]!.GetValue<double>());
        labels["red"].Should().BeLessThan(3);
        labels["blue"].Should().BeGreaterThanOrEqualTo(3);
        clip["embedding"]!["stored"]!.GetValue<string>().Should().Be("journal");

        var search = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(1), "search", "--config", box.ConfigPath, "a blue image", "--json");
        JsonNode.Parse(search.Stdout)!.AsArray().Select(h => h!["path"]!.GetValue<string>()).Should().Equal(video);
    }

    [SkippableFact]
    public void Search_before_anything_was_tagged_says_what_to_do()
    {
        using var box = new WorkerSandbox();

        var search = CliRunner.Run(null, TimeSpan.FromMinutes(1), "search", "--config", box.ConfigPath, "a cat");

        search.ExitCode.Should().Be(1);
        search.Stderr.Should().Contain("no image embeddings").And.Contain("clip stage");
    }
}
