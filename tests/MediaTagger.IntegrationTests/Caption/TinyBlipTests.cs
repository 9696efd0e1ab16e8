using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native.Vips;
using MediaTagger.Stages.Caption;

namespace MediaTagger.IntegrationTests.Caption;

/// <summary>
/// The caption stage on a synthetic model with BLIP's ONNX interface (tests/tools/make_tiny_blip.py): the image's
/// colour picks the word after "a", and its transition table makes greedy and beam search disagree by design.
/// </summary>
public sealed class TinyBlipTests
{
    private const string CaptionPipeline = """[ { "stage": "probe" }, { "stage": "caption", "with": { "model": "blip-synthetic", "writeCaption": "true" } } ]""";

    internal static string Generated() => SyntheticModels.Generate("make_tiny_blip.py", "tiny-blip");

    internal static SyntheticModels.Entry Entry(string models) => new("blip-synthetic", "caption", new Dictionary<string, string>
    {
        ["vision"] = Path.Combine(models, "vision_model.onnx"),
        ["decoder"] = Path.Combine(models, "text_decoder_model.onnx"),
        ["vocab"] = Path.Combine(models, "vocab.txt"),
    }, Heavy: true);

    [SkippableTheory]
    [InlineData("text_decoder_model.onnx")]
    [InlineData("text_decoder_model_merged.onnx")]
    public void Beam_search_finds_the_likelier_caption_and_greedy_the_locally_best_one(string decoderFile)
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var models = Generated();
        var folder = Directory.CreateTempSubdirectory("mt-blip-").FullName;
        try
        {
            var red = SolidImages.Write(folder, "red.png", 230, 20, 20, width: 64, height: 48);
            var blue = SolidImages.Write(folder, "blue.jpg", 10, 30, 220, width: 64, height: 48);
            using var captioner = new BlipCaptioner(Path.Combine(models, "vision_model.onnx"), Path.Combine(models, decoderFile), Path.Combine(models, "vocab.txt"));

            var beam = captioner.Caption([red, blue], "a picture of", keepPrompt: false, new CaptionSearchOptions { NumBeams = 3 });
            var greedy = captioner.Caption([red, blue], "a picture of", keepPrompt: true, new CaptionSearchOptions { NumBeams = 1 });

            beam.Select(r => r.Caption).Should().Equal("a red cat", "a blue cat");
            beam.Should().OnlyContain(r => r.Ended && r.Tokens == 3 && r.Error == null);
            greedy.Select(r => r.Caption).Should().Equal("a picture of a red fluffy bird", "a picture of a blue fluffy bird");
            captioner.Device.Should().Be("cpu");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableFact]
    public void Min_and_max_length_bound_the_caption_in_tokens_counting_the_prompt()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var models = Generated();
        var folder = Directory.CreateTempSubdirectory("mt-blip-").FullName;
        try
        {
            var red = SolidImages.Write(folder, "red.png", 230, 20, 20, width: 64, height: 48);
            using var captioner = new BlipCaptioner(Path.Combine(models, "vision_model.onnx"), Path.Combine(models, "text_decoder_model.onnx"), Path.Combine(models, "vocab.txt"));

            // [DEC] a picture of a red = 6 tokens: the search stops there, without [SEP].
            var cut = captioner.Caption([red], "a picture of", keepPrompt: true, new CaptionSearchOptions { NumBeams = 1, MaxLength = 6 })[0];
            // [SEP] after "a red cat" would make 7 tokens: below a minimum of 8, beam search takes the longer caption.
            var longer = captioner.Caption([red], "a picture of", keepPrompt: false, new CaptionSearchOptions { NumBeams = 3, MinLength = 8 })[0];
            // Without a prompt the caption starts at [DEC]: "a", then the colour; [DEC] a red cat is 4 tokens, so the
            // default minimum of 5 would rule it out.
            var unconditional = captioner.Caption([red], "", keepPrompt: false, new CaptionSearchOptions { NumBeams = 3, MinLength = 0 })[0];
            var unconditionalMin5 = captioner.Caption([red], "", keepPrompt: false, new CaptionSearchOptions { NumBeams = 3 })[0];

            cut.Caption.Should().Be("a picture of a red");
            cut.Ended.Should().BeFalse();
            longer.Caption.Should().Be("a red fluffy bird");
            longer.Ended.Should().BeTrue();
            unconditional.Caption.Should().Be("a red cat");
            unconditionalMin5.Caption.Should().Be("a red fluffy bird");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableFact]
    public void Tag_captions_a_red_and_a_blue_image_writes_caption_files_and_fails_a_corrupt_one_alone()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        var models = Generated();
        using var home = new SyntheticModels.Home(Entry(models));
        using var box = new WorkerSandbox(CaptionPipeline);
        var red = SolidImages.Write(box.Inbox, "red.png", 230, 20, 20, width: 64, height: 48);
        var blue = SolidImages.Write(box.Inbox, "blue.png", 10, 30, 220, width: 64, height: 48);
        var green = SolidImages.Write(box.Inbox, "green.png", 20, 200, 30, width: 64, height: 48);
        // A caption the user wrote by hand is theirs: kept, and never recorded as the worker's.
        var handWritten = Path.ChangeExtension(green, ".caption");
        File.WriteAllText(handWritten, "my own words\n");
        var corrupt = Path.Combine(box.Inbox, "broken.png");
        var bytes = File.ReadAllBytes(red);
        File.WriteAllBytes(corrupt, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var result = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(3), "tag", "--config", box.ConfigPath, box.Inbox);

        result.ExitCode.Should().Be(2, "one file failed: " + result.Stdout + result.Stderr);
        foreach (var (path, colour) in new[] { (red, "red"), (blue, "blue") })
        {
            var sidecar = WorkerSandbox.Sidecar(path)!;
            sidecar["status"]!.GetValue<string>().Should().Be("complete", sidecar.ToJsonString());
            var caption = sidecar["stages"]!["caption"]!;
            caption["caption"]!.GetValue<string>().Should().Be($"a {colour} cat");
            caption["tokens"]!.GetValue<int>().Should().Be(3);
            caption["search"]!["numBeams"]!.GetValue<int>().Should().Be(3);
            caption["model"]!["id"]!.GetValue<string>().Should().Be("blip-synthetic");
            caption["model"]!["sha256"]!.GetValue<string>().Should().Be(Core.Models.ModelStore.Sha256Of(Path.Combine(models, "text_decoder_model.onnx")));
            caption["device"]!.GetValue<string>().Should().Be("cpu");
            File.ReadAllText(Path.ChangeExtension(path, ".caption")).Should().Be($"a {colour} cat\n");
            sidecar["outputs"]!["caption"]!.GetValue<string>().Should().Be(Path.GetFileName(Path.ChangeExtension(path, ".caption")),
                "the worker's own caption file is recorded, so it is replaced on a rerun and deleted with the image");
        }

        File.ReadAllText(handWritten).Should().Be("my own words\n");
        WorkerSandbox.Sidecar(green)!["outputs"]?["caption"].Should().BeNull("a kept user file is not the worker's");

        var failed = WorkerSandbox.Sidecar(corrupt);
        failed.Should().NotBeNull("a corrupt file gets a sidecar that says why");
        failed!.ToJsonString().Should().MatchRegex("(?i)(truncat|corrupt|premature|read|decode|png)");
        File.Exists(Path.ChangeExtension(corrupt, ".caption")).Should().BeFalse();
    }
}
