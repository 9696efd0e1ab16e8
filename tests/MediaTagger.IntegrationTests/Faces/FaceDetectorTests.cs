using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;
using MediaTagger.Stages.Faces;
using Xunit.Abstractions;

namespace MediaTagger.IntegrationTests.Faces;

/// <summary>The real UltraFace RFB-320 model on real pictures.</summary>
public sealed class FaceDetectorTests : IDisposable
{
    private readonly ITestOutputHelper output;
    private readonly string temp = Directory.CreateTempSubdirectory("mt-faces-").FullName;

    public FaceDetectorTests(ITestOutputHelper output) => this.output = output;

    private static string UltraFace => TestAssets.Model("face/version-RFB-320.onnx");

    public void Dispose() => Directory.Delete(temp, recursive: true);

    private static void RequireEngines()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
    }

    [SkippableFact]
    public void The_model_has_a_fixed_batch_of_one_at_320x240()
    {
        RequireEngines();
        using var session = OnnxSession.FromFile(UltraFace);
        session.Inputs[0].Shape.Should().Equal(1, 3, 240, 320);
        using var detector = new FaceDetector(UltraFace);
        (detector.InputWidth, detector.InputHeight).Should().Be((320, 240));
        detector.Device.Should().Be("cpu");
    }

    [SkippableFact]
    public void Astronaut_has_one_confident_face_on_the_face_region()
    {
        RequireEngines();
        using var detector = new FaceDetector(UltraFace);

        var result = detector.Detect([TestAssets.Media("images/astronaut.png")]).Single();

        Log(result);
        result.Error.Should().BeNull();
        (result.ImageWidth, result.ImageHeight).Should().Be((512, 512));
        var face = result.Faces.Should().ContainSingle().Subject;
        face.Score.Should().BeGreaterThan(0.9f);
        AssertOnAstronautFace(face.Box, 512, 512);
    }

    [SkippableFact]
    public void Chelsea_the_cat_has_no_face_at_a_strict_threshold_while_the_astronaut_keeps_hers()
    {
        RequireEngines();
        using var detector = new FaceDetector(UltraFace);
        var strict = new FaceDetectorSettings(ScoreThreshold: 0.97f);

        var results = detector.Detect([TestAssets.Media("images/chelsea.png"), TestAssets.Media("images/astronaut.png")], strict);

        results.ToList().ForEach(Log);
        results[0].Error.Should().BeNull();
        (results[0].ImageWidth, results[0].ImageHeight).Should().Be((451, 300));
        results[0].Faces.Should().BeEmpty();
        results[1].Faces.Should().ContainSingle();
    }

    [SkippableFact]
    public void Chelsea_the_cat_is_a_known_near_miss_at_the_default_threshold()
    {
        RequireEngines();
        using var detector = new FaceDetector(UltraFace);

        var result = detector.Detect([TestAssets.Media("images/chelsea.png")]).Single();

        // UltraFace rates the cat's face about 0.93 with the published RGB preprocessing (0.99 with a bilinear
        // resize; only swapping to BGR pushes it under 0.7), so the default threshold keeps it. Pinned so a change
        // in preprocessing, model or default is noticed, not to bless the false positive.
        Log(result);
        result.Faces.Should().HaveCountLessThanOrEqualTo(1);
        result.Faces.Should().OnlyContain(f => f.Score < 0.97f);
    }

    [SkippableFact]
    public void A_document_page_has_no_face_at_the_default_threshold()
    {
        RequireEngines();
        using var detector = new FaceDetector(UltraFace);

        var result = detector.Detect([TestAssets.Media("images/page.png")]).Single();

        Log(result);
        result.Error.Should().BeNull();
        result.Faces.Should().BeEmpty();
    }

    [SkippableFact]
    public void The_grayscale_cameraman_has_one_face()
    {
        RequireEngines();
        using var detector = new FaceDetector(UltraFace);

        var result = detector.Detect([TestAssets.Media("images/camera.png")]).Single();

        Log(result);
        var face = result.Faces.Should().ContainSingle().Subject;
        face.Score.Should().BeGreaterThan(0.9f);

        // His head is in the upper middle of the 512x512 frame, left of the camera on its tripod.
        (face.Box.X + face.Box.Width / 2).Should().BeInRange(150, 300);
        (face.Box.Y + face.Box.Height / 2).Should().BeInRange(80, 220);
    }

    [SkippableFact]
    public void A_rotated_astronaut_still_has_one_face_in_display_coordinates()
    {
        RequireEngines();
        var source = VipsImaging.Decode(TestAssets.Media("images/astronaut.png"));

        // A 512x384 crop makes the rotation visible in the size: stored landscape, displayed portrait 384x512.
        var cropped = new RgbImage(512, 384, source.Pixels.AsSpan(0, 512 * 384 * 3).ToArray());
        var upright = Path.Combine(temp, "upright.png");
        var rotated = Path.Combine(temp, "rotated.jpg");
        VipsImaging.Save(cropped, upright);
        VipsImaging.Save(cropped, rotated, orientation: 6);
        using var detector = new FaceDetector(UltraFace);

        var results = detector.Detect([upright, rotated]);

        results.ToList().ForEach(Log);
        var plain = results[0].Faces.Should().ContainSingle().Subject;
        var turned = results[1];
        turned.Error.Should().BeNull();
        (turned.ImageWidth, turned.ImageHeight).Should().Be((384, 512), "orientation 6 displays the 512x384 pixels as 384x512");
        var face = turned.Faces.Should().ContainSingle().Subject;
        face.Score.Should().BeGreaterThan(0.9f);

        // Orientation 6 turns the stored image 90 degrees clockwise: stored (x, y) displays at (H - y, x) with H = 384.
        // The two runs see differently stretched pixels, so compare by overlap rather than exact coordinates.
        var expected = new FaceBox(384 - (plain.Box.Y + plain.Box.Height), plain.Box.X, plain.Box.Height, plain.Box.Width);
        IoU(face.Box, expected).Should().BeGreaterThan(0.5, "the rotated face box {0} should overlap the turned upright box {1}", face.Box, expected);
        IoU(face.Box, plain.Box).Should().BeLessThan(0.1, "a box left in stored coordinates would sit elsewhere");
    }

    [SkippableFact]
    public async Task A_corrupt_file_is_a_failed_outcome_and_the_rest_of_the_batch_goes_on()
    {
        RequireEngines();
        var text = Path.Combine(temp, "not-an-image.png");
        File.WriteAllText(text, "this is text, not a PNG");
        var garbage = Path.Combine(temp, "garbage.png");
        File.WriteAllBytes(garbage, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. Enumerable.Repeat((byte)0x5A, 200)]);
        var catalog = ModelCatalog.Load(Path.Combine(TestAssets.RepoRoot, "models", "catalog.json"));
        var model = catalog["ultraface-rfb-320"];
        using var stage = new FacesStage(model, new Dictionary<string, string> { ["model"] = UltraFace }, new FacesStageOptions());
        string[] paths = [text, TestAssets.Media("images/astronaut.png"), garbage, Path.Combine(temp, "missing.png")];

        var outcomes = await stage.RunAsync(paths.Select((p, i) => new StageInput(i, p, MediaKind.Image, "png", new Dictionary<string, JsonObject>())).ToArray(), CancellationToken.None);

        outcomes.Select(o => o.Error ?? "ok").ToList().ForEach(output.WriteLine);
        outcomes.Should().HaveCount(4);
        outcomes[0].Success.Should().BeFalse();
        outcomes[0].Transient.Should().BeFalse("a corrupt file will not get better");
        outcomes[2].Success.Should().BeFalse();
        outcomes[3].Success.Should().BeFalse();
        var good = outcomes[1];
        good.Success.Should().BeTrue();
        good.Result!["count"]!.GetValue<int>().Should().Be(1);
        good.Result["faces"]![0]!["score"]!.GetValue<double>().Should().BeGreaterThan(0.9);
        good.Result["faces"]![0]!["box"]!["width"]!.GetValue<double>().Should().BeGreaterThan(40);
        good.Result["ms"]!.GetValue<double>().Should().BeGreaterThanOrEqualTo(0);
        stage.Model.Should().Be(new StageModelInfo("ultraface-rfb-320", "34cd7e60aeff28744c657de7a3dc64e872d506741de66987f3426f2b79f88017"));
        stage.Device.Should().Be("cpu");
        stage.Parameters.Should().Contain("threshold", "0.7").And.Contain("iou", "0.3").And.Contain("maxFaces", "200");
    }

    /// <summary>The astronaut's face sits in the upper middle of the 512x512 portrait.</summary>
    private static void AssertOnAstronautFace(FaceBox box, int width, int height)
    {
        var cx = box.X + box.Width / 2;
        var cy = box.Y + box.Height / 2;
        cx.Should().BeInRange(150, 350);
        cy.Should().BeInRange(50, 300);
        box.Width.Should().BeInRange(40, 250, "a head-and-shoulders portrait's face is a sizeable part of the frame");
        box.Height.Should().BeInRange(40, 300);
        (box.X + box.Width).Should().BeLessThanOrEqualTo(width);
        (box.Y + box.Height).Should().BeLessThanOrEqualTo(height);
    }

    private static double IoU(FaceBox a, FaceBox b)
    {
        var iw = Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X);
        var ih = Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y);
        return iw <= 0 || ih <= 0 ? 0 : iw * ih / (a.Area + b.Area - (iw * ih));
    }

    private void Log(FaceDetectionResult r) => output.WriteLine($"{Path.GetFileName(r.Path)} {r.ImageWidth}x{r.ImageHeight} err={r.Error} faces=" +
        string.Join("; ", r.Faces.Select(f => $"({f.Box.X:F1},{f.Box.Y:F1},{f.Box.Width:F1},{f.Box.Height:F1}) {f.Score:F4}")));
}
