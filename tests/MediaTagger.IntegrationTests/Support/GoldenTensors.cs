using MediaTagger.Native.Vips;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>
/// Golden preprocessing tensors computed at test time by an independent Python reference (tests/tools/*_reference.py
/// through onnx-python.sh, Pillow + numpy), and the generated images they are computed on.
/// </summary>
public static class GoldenTensors
{
    /// <summary>A seeded random-noise RGB PNG of the given size (odd sizes exercise the resize edges and crop offsets).</summary>
    public static string Noise(string folder, string name, int width, int height, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        random.NextBytes(pixels);
        var path = Path.Combine(folder, name);
        VipsImaging.Save(new RgbImage(width, height, pixels), path);
        return path;
    }

    /// <summary>A little-endian float32 file as floats.</summary>
    public static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return floats;
    }

    /// <summary>Runs tests/tools/SCRIPT [MODE] OUTPUT IMAGE... and fails with its output when it fails.</summary>
    public static void RunReference(string script, string output, IEnumerable<string> images, string? mode = null)
    {
        TestAssets.RequireTool("bash");
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(TestAssets.RepoRoot, "tests", "tools", "onnx-python.sh"));
        start.ArgumentList.Add(Path.Combine(TestAssets.RepoRoot, "tests", "tools", script));
        if (mode is not null)
        {
            start.ArgumentList.Add(mode);
        }

        start.ArgumentList.Add(output);
        foreach (var image in images)
        {
            start.ArgumentList.Add(image);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit(TimeSpan.FromMinutes(5)).Should().BeTrue("the reference takes seconds");
        process.ExitCode.Should().Be(0, $"{script} failed: {stderr}{stdout.Result}");
    }
}
