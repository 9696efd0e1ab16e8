using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Clip;

namespace MediaTagger.IntegrationTests.Clip;

/// <summary>
/// CLIP's input tensor against an independent Pillow + numpy reference (tests/tools/openai_clip_reference.py clip),
/// golden tensors computed at test time from ../shared/media and generated odd-sized images.
/// </summary>
public sealed class ClipPreprocessingTests
{
    /// <summary>
    /// The resize is Pillow's bit for bit (PilResize), so the floats differ only by float32 rounding of the same formula
    /// computed in another order: a few ulps of values within +-2.2 (one ulp 2.4e-7) stay under 1e-5, while one 8-bit
    /// step of a resized pixel, or a crop one pixel off, would move values by 1/255/0.27 = 0.0145 or more.
    /// </summary>
    private const float Tolerance = 1e-5f;

    [SkippableFact]
    public void Shortest_side_resize_centre_crop_and_clip_normalization_match_pillow()
    {
        TestAssets.RequireVips();
        var folder = Directory.CreateTempSubdirectory("mt-clip-golden-").FullName;
        try
        {
            var images = new List<string>
            {
                TestAssets.Media("images/chelsea.png"), TestAssets.Media("images/astronaut.png"), TestAssets.Media("images/camera.png"),
            };
            // Landscape with an odd crop margin, portrait, smaller than 224 (enlarged), exactly 224.
            images.Add(GoldenTensors.Noise(folder, "wide.png", 517, 203, seed: 1));
            images.Add(GoldenTensors.Noise(folder, "tall.png", 150, 401, seed: 2));
            images.Add(GoldenTensors.Noise(folder, "small.png", 37, 29, seed: 3));
            images.Add(GoldenTensors.Noise(folder, "exact.png", 224, 224, seed: 4));
            var reference = Path.Combine(folder, "reference");
            GoldenTensors.RunReference("openai_clip_reference.py", reference, images, "clip");

            foreach (var path in images)
            {
                var name = Path.GetFileName(path);
                var tensor = new float[3 * 224 * 224];
                ClipPreprocessing.Write(ClipPreprocessing.Load(path), 224, tensor);
                var expected = GoldenTensors.ReadFloats(Path.Combine(reference, name + ".f32"));
                expected.Length.Should().Be(tensor.Length);
                var maxAbs = tensor.Zip(expected).Max(p => Math.Abs(p.First - p.Second));
                maxAbs.Should().BeLessThan(Tolerance, $"{name}: the tensor matches transformers' CLIPImageProcessor (Pillow BICUBIC, centre crop)");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(451, 300, 336, 224)]
    [InlineData(300, 451, 224, 336)]
    [InlineData(512, 512, 224, 224)]
    [InlineData(37, 29, 285, 224)]
    public void The_shortest_side_becomes_224_and_the_long_side_is_truncated(int width, int height, int expectedWidth, int expectedHeight) =>
        ClipPreprocessing.ResizedSize(width, height).Should().Be((expectedWidth, expectedHeight));
}
