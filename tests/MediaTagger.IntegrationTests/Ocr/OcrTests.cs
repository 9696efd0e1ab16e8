using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native.Vips;
using MediaTagger.Stages.Ocr;

namespace MediaTagger.IntegrationTests.Ocr;

public sealed class OcrTests
{
    private static string Detector => TestAssets.Model("ocr/ch_PP-OCRv4_det_infer.onnx");

    private static string Recognizer => TestAssets.Model("ocr/ch_PP-OCRv4_rec_infer.onnx");

    private static string Classifier => TestAssets.Model("ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx");

    private static string Keys => TestAssets.Model("ocr/ppocr_keys_v1.txt");

    private static void Require()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
    }

    [SkippableFact]
    public void Recognizer_reads_a_single_line_exactly()
    {
        Require();
        using var recognizer = new TextRecognizer(Recognizer, Keys);
        var image = VipsImaging.Decode(TestAssets.Media("images/ocr_line.png"), background: 255);

        var result = recognizer.Recognize(image, OcrBox.Whole(image));

        result.Text.Should().Be("Region-based segmentation");
        result.Confidence.Should().BeGreaterThan(0.8f);
        recognizer.Device.Should().Be("cpu");
    }

    [SkippableFact]
    public void Crop_resize_gives_the_exact_size_and_rotating_twice_is_the_identity()
    {
        TestAssets.RequireVips();
        var image = VipsImaging.Decode(TestAssets.Media("images/page.png"));

        var crop = VipsImaging.CropResize(image, 10, 20, 101, 33, 147, 48);
        crop.Width.Should().Be(147);
        crop.Height.Should().Be(48);
        crop.Pixels.Should().HaveCount(147 * 48 * 3);
        VipsImaging.Rotate180(VipsImaging.Rotate180(image)).Pixels.Should().Equal(image.Pixels);
        var outside = () => VipsImaging.CropResize(image, image.Width - 5, 0, 10, 10, 10, 10);
        outside.Should().Throw<ArgumentOutOfRangeException>();
    }

    [SkippableFact]
    public void Orientation_classifier_tells_an_upside_down_line()
    {
        Require();
        using var orientation = new TextOrientation(Classifier);
        var image = VipsImaging.Decode(TestAssets.Media("images/ocr_line.png"), background: 255);
        var flipped = VipsImaging.Rotate180(image);

        orientation.UpsideDown(image, OcrBox.Whole(image)).Should().BeLessThan(0.5f);
        orientation.UpsideDown(flipped, OcrBox.Whole(flipped)).Should().BeGreaterThan(0.5f);
    }

    [SkippableFact]
    public void Stage_reads_the_line_image()
    {
        Require();
        using var stage = CreateStage();
        var outcome = Run(stage, TestAssets.Media("images/ocr_line.png"));

        outcome.Success.Should().BeTrue(outcome.Error);
        var text = outcome.Result!["text"]!.GetValue<string>();
        text.Should().Contain("segmentation");
        var line = outcome.Result["lines"]!.AsArray().Should().NotBeEmpty().And.Subject.First()!;
        line["box"]!["width"]!.GetValue<int>().Should().BeGreaterThan(100);
        stage.Model!.Id.Should().Be("ppocr-v4");
        stage.Model.Sha256.Should().Be("06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0");
        stage.Device.Should().Be("cpu");
    }

    [SkippableFact]
    public void Stage_reads_several_lines_of_a_scanned_page()
    {
        Require();
        using var stage = CreateStage();
        var outcome = Run(stage, TestAssets.Media("images/page.png"));

        outcome.Success.Should().BeTrue(outcome.Error);
        var lines = outcome.Result!["lines"]!.AsArray();
        var text = outcome.Result["text"]!.GetValue<string>();
        lines.Count.Should().BeGreaterThanOrEqualTo(5, text);
        text.Should().Contain(PageWord, text);
        text.Should().Contain("markers", text);
        text.Should().Contain("Region-based", text);
        var ys = lines.Select(l => l!["box"]!["y"]!.GetValue<int>()).ToArray();
        ys.Should().BeInAscendingOrder("lines come in reading order");
    }

    [SkippableFact]
    public void Stage_finds_little_or_no_text_in_a_photo_of_a_cat()
    {
        Require();
        using var stage = CreateStage();
        var outcome = Run(stage, TestAssets.Media("images/chelsea.png"));

        outcome.Success.Should().BeTrue(outcome.Error);
        outcome.Result!["lines"]!.AsArray().Count.Should().BeLessThanOrEqualTo(2, outcome.Result["text"]!.GetValue<string>());
    }

    [SkippableFact]
    public void A_corrupt_file_fails_alone_without_throwing()
    {
        Require();
        var bogus = Path.Combine(Path.GetTempPath(), $"mt-ocr-corrupt-{Guid.NewGuid():N}.png");
        File.WriteAllText(bogus, "this is text, not a PNG");
        try
        {
            using var stage = CreateStage();
            var batch = new[] { Input(bogus), Input(TestAssets.Media("images/ocr_line.png")) };
            var outcomes = stage.RunAsync(batch, CancellationToken.None).GetAwaiter().GetResult();

            outcomes.Should().HaveCount(2);
            outcomes[0].Success.Should().BeFalse();
            outcomes[0].Error.Should().NotBeNullOrEmpty();
            outcomes[1].Success.Should().BeTrue(outcomes[1].Error);
        }
        finally
        {
            File.Delete(bogus);
        }
    }

    /// <summary>A long word printed twice on page.png ("...coins and the background. These markers...").</summary>
    private const string PageWord = "background";

    private static OcrStage CreateStage()
    {
        var catalog = ModelCatalog.Load(Path.Combine(TestAssets.RepoRoot, "models", "catalog.json"));
        var files = new Dictionary<string, string>
        {
            ["detector"] = Detector,
            ["recognizer"] = Recognizer,
            ["classifier"] = Classifier,
            ["dictionary"] = Keys,
        };
        return new OcrStage(catalog["ppocr-v4"], files, new OcrStageOptions());
    }

    private static StageInput Input(string path) => new(1, path, MediaKind.Image, "png", new Dictionary<string, System.Text.Json.Nodes.JsonObject>());

    private static StageOutcome Run(OcrStage stage, string path) =>
        stage.RunAsync([Input(path)], CancellationToken.None).GetAwaiter().GetResult().Single();
}
