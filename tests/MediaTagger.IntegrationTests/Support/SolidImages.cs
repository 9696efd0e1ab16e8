using MediaTagger.Native.Vips;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>One-colour images, whose mean colour drives the synthetic taggers' scores (tests/tools/make_tiny_wd14.py, make_tiny_clip.py, make_tiny_blip.py).</summary>
internal static class SolidImages
{
    /// <summary>Writes a <paramref name="width"/>x<paramref name="height"/> image of one colour to folder/name (format by extension).</summary>
    public static string Write(string folder, string name, byte r, byte g, byte b, int width = 48, int height = 48)
    {
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i += 3)
        {
            (pixels[i], pixels[i + 1], pixels[i + 2]) = (r, g, b);
        }

        var path = Path.Combine(folder, name);
        VipsImaging.Save(new RgbImage(width, height, pixels), path);
        return path;
    }
}
