using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native.Vips;
using MediaTagger.Stages.Clip;

namespace MediaTagger.IntegrationTests.Clip;

/// <summary>
/// CLIP's input tensor against an independent Pillow + numpy reference (tests/tools/clip_preprocess_reference.py),
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
            images.Add(Noise(folder, "wide.png", 517, 203, seed: 1));
            images.Add(Noise(folder, "tall.png", 150, 401, seed: 2));
            images.Add(Noise(folder, "small.png", 37, 29, seed: 3));
            images.Add(Noise(folder, "exact.png", 224, 224, seed: 4));
            var reference = Path.Combine(folder, "reference");
            RunReference(reference, images);

            foreach (var path in images)
            {
                var name = Path.GetFileName(path);
                var tensor = new float[3 * 224 * 224];
                ClipPreprocessing.Write(ClipPreprocessing.Load(path), 224, tensor);
                var expected = ReadFloats(Path.Combine(reference, name + ".f32"));
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

    internal static string Noise(string folder, string name, int width, int height, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        random.NextBytes(pixels);
        var path = Path.Combine(folder, name);
        VipsImaging.Save(new RgbImage(width, height, pixels), path);
        return path;
    }

    private static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return floats;
    }

    private static void RunReference(string output, IEnumerable<string> images)
    {
        TestAssets.RequireTool("bash");
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(TestAssets.RepoRoot, "tests", "tools", "onnx-python.sh"));
        start.ArgumentList.Add(Path.Combine(TestAssets.RepoRoot, "tests", "tools", "clip_preprocess_reference.py"));
        start.ArgumentList.Add(output);
        foreach (var image in images)
        {
            start.ArgumentList.Add(image);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit(TimeSpan.FromMinutes(5)).Should().BeTrue("the reference takes seconds");
        process.ExitCode.Should().Be(0, $"clip_preprocess_reference.py failed: {stderr}{stdout.Result}");
    }
}
