using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native;
using MediaTagger.Native.Vips;

namespace MediaTagger.IntegrationTests.Vips;

public sealed class VipsTests : IDisposable
{
    private readonly string temp = Directory.CreateTempSubdirectory("mt-vips-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    [SkippableFact]
    public void Version_is_the_pinned_debian_release()
    {
        TestAssets.RequireVips();
        Native.Vips.Vips.Version.Should().StartWith(Native.Vips.Vips.PinnedVersion);
        Native.Vips.Vips.Suffixes.Should().Contain([".jpg", ".png", ".webp"]);
    }

    [SkippableTheory]
    [InlineData(ImageFit.Crop)]
    [InlineData(ImageFit.Pad)]
    [InlineData(ImageFit.Stretch)]
    public void A_png_becomes_exactly_224_square_rgb(ImageFit fit)
    {
        TestAssets.RequireVips();
        var rgb = VipsImaging.Thumbnail(TestAssets.Media("images/chelsea.png"), 224, 224, fit);
        rgb.Width.Should().Be(224);
        rgb.Height.Should().Be(224);
        rgb.Pixels.Should().HaveCount(224 * 224 * 3);
    }

    [SkippableFact]
    public void A_jpeg_becomes_exactly_224_square_rgb_from_file_and_from_memory()
    {
        TestAssets.RequireVips();
        var jpeg = Path.Combine(temp, "chelsea.jpg");
        VipsImaging.Save(VipsImaging.Decode(TestAssets.Media("images/chelsea.png")), jpeg);

        var fromFile = VipsImaging.Thumbnail(jpeg, 224, 224, ImageFit.Crop);
        var fromMemory = VipsImaging.Thumbnail(File.ReadAllBytes(jpeg), 224, 224, ImageFit.Crop);

        VipsImaging.Probe(jpeg).FormatName.Should().Be("jpeg");
        fromFile.Pixels.Should().HaveCount(224 * 224 * 3);
        fromMemory.Pixels.Should().Equal(fromFile.Pixels);
    }

    [SkippableFact]
    public void Padding_keeps_the_aspect_ratio_and_fills_with_the_background()
    {
        TestAssets.RequireVips();
        // chelsea is 451x300: fitted into 224x224 it is 224x149, so 37 rows of white above and below.
        var rgb = VipsImaging.Thumbnail(TestAssets.Media("images/chelsea.png"), 224, 224, ImageFit.Pad, background: 255);
        rgb.Pixels.AsSpan(0, 224 * 3 * 30).ToArray().Should().OnlyContain(b => b == 255);
        var middleRow = rgb.Pixels.AsSpan(112 * 224 * 3, 224 * 3).ToArray();
        middleRow.Should().Contain(b => b < 200);
    }

    [SkippableFact]
    public void Probe_reads_the_header_and_exif_orientation()
    {
        TestAssets.RequireVips();
        var probe = VipsImaging.Probe(TestAssets.Media("images/chelsea.png"));
        probe.Should().Match<ImageProbe>(p => p.Width == 451 && p.Height == 300 && p.Bands == 3 && p.Orientation == 1);
        probe.FormatName.Should().Be("png");

        var gray = VipsImaging.Probe(TestAssets.Media("images/camera.png"));
        gray.Bands.Should().Be(1);

        // A landscape picture stored with orientation 6 (rotate 90 clockwise) displays as portrait.
        var rotated = Path.Combine(temp, "rotated.jpg");
        VipsImaging.Save(VipsImaging.Decode(TestAssets.Media("images/chelsea.png")), rotated, orientation: 6);
        var rp = VipsImaging.Probe(rotated);
        rp.Orientation.Should().Be(6);
        rp.DisplaySize.Should().Be((300, 451));
        var decoded = VipsImaging.Decode(rotated);
        (decoded.Width, decoded.Height).Should().Be((300, 451), "decoding applies the EXIF rotation");
    }

    [SkippableFact]
    public void Grayscale_becomes_three_equal_channels()
    {
        TestAssets.RequireVips();
        var rgb = VipsImaging.Thumbnail(TestAssets.Media("images/camera.png"), 64, 64, ImageFit.Crop);
        for (var i = 0; i < rgb.Pixels.Length; i += 3)
        {
            rgb.Pixels[i].Should().Be(rgb.Pixels[i + 1]);
            rgb.Pixels[i + 1].Should().Be(rgb.Pixels[i + 2]);
        }
    }

    [SkippableFact]
    public void Resize_passes_double_scales_through_the_operation_api()
    {
        TestAssets.RequireVips();
        var rgb = VipsImaging.Resize(TestAssets.Media("images/chelsea.png"), 0.5, 0.25, VipsKernel.Cubic);
        rgb.Width.Should().Be(226); // round(451 * 0.5)
        rgb.Height.Should().Be(75);
    }

    [SkippableFact]
    public void Not_an_image_truncated_and_empty_files_are_clear_errors()
    {
        TestAssets.RequireVips();
        var text = Path.Combine(temp, "note.png");
        File.WriteAllText(text, "plain text");
        var truncated = Path.Combine(temp, "truncated.png");
        File.WriteAllBytes(truncated, File.ReadAllBytes(TestAssets.Media("images/chelsea.png")).AsSpan(0, 5000).ToArray());
        var empty = Path.Combine(temp, "empty.jpg");
        File.WriteAllBytes(empty, []);

        foreach (var path in new[] { text, truncated, empty })
        {
            var act = () => VipsImaging.Thumbnail(path, 224, 224, ImageFit.Crop);
            act.Should().Throw<NativeEngineException>().Which.Engine.Should().Be("libvips");
        }
    }
}
