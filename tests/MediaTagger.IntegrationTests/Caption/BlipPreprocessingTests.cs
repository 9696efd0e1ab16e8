using MediaTagger.IntegrationTests.Support;
using MediaTagger.Media.Images;
using MediaTagger.Native.Vips;
using MediaTagger.Stages.Caption;

namespace MediaTagger.IntegrationTests.Caption;

/// <summary>
/// BLIP's input tensor against an independent Pillow + numpy reference (tests/tools/openai_clip_reference.py blip), as golden
/// tensors computed at test time from the same PNG files.
/// </summary>
public sealed class BlipPreprocessingTests
{
    /// <summary>
    /// The resized pixels must match Pillow byte for byte; the floats then differ only by float32 rounding of the
    /// same formula computed in another order (x*(1/255) in float64, then (x-mean)/std, against x*a+b): values are within
    /// +-2.2, where one float32 ulp is 2.4e-7, so a few ulps stay under 1e-5, while one 8-bit step in the resize would
    /// move a value by 1/255/0.27 = 0.0145.
    /// </summary>
    private const float Tolerance = 1e-5f;

    [SkippableFact]
    public void Resize_and_normalization_match_pillow_and_transformers_on_real_and_odd_sized_images()
    {
        TestAssets.RequireVips();
        var folder = Directory.CreateTempSubdirectory("mt-blip-golden-").FullName;
        try
        {
            var images = new List<string> { TestAssets.Media("images/chelsea.png"), TestAssets.Media("images/astronaut.png") };
            // Shrinking one axis while enlarging the other, and enlarging both: both kernel widths and the edges.
            images.Add(GoldenTensors.Noise(folder, "wide.png", 517, 203, seed: 1));
            images.Add(GoldenTensors.Noise(folder, "small.png", 37, 29, seed: 2));
            images.Add(GoldenTensors.Noise(folder, "exact.png", 384, 384, seed: 3));
            var reference = Path.Combine(folder, "reference");
            GoldenTensors.RunReference("openai_clip_reference.py", reference, images, "blip");

            foreach (var path in images)
            {
                var name = Path.GetFileName(path);
                var decoded = VipsImaging.Decode(path);
                var resized = PilResize.Bicubic(decoded, 384, 384);
                var expectedPixels = File.ReadAllBytes(Path.Combine(reference, name + ".rgb"));
                var differing = resized.Pixels.Zip(expectedPixels).Count(p => p.First != p.Second);
                differing.Should().Be(0, $"{name}: every resized byte matches Pillow's BICUBIC");

                var tensor = new float[3 * 384 * 384];
                BlipCaptioner.Preprocess(decoded, 384, tensor);
                var expected = GoldenTensors.ReadFloats(Path.Combine(reference, name + ".f32"));
                var maxAbs = tensor.Zip(expected).Max(p => Math.Abs(p.First - p.Second));
                maxAbs.Should().BeLessThan(Tolerance, $"{name}: the normalized tensor matches transformers' BlipImageProcessor");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
