using System.Runtime.InteropServices;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Media.Images;
using MediaTagger.Stages.Booru;

namespace MediaTagger.IntegrationTests.Booru;

/// <summary>
/// The booru stage's input tensors against golden tensors computed independently with PIL and numpy
/// (tests/tools/booru_preprocess_reference.py): WD14's white square pad, bicubic resize and BGR 0-255; DeepDanbooru's
/// aspect-preserving fit with edge padding and RGB 0-1.
/// </summary>
public sealed class BooruPreprocessingTests
{
    public static TheoryData<string> Images => new() { "alpha-300x200", "wide-1000x600", "tall-300x448" };

    [SkippableTheory]
    [MemberData(nameof(Images))]
    public void Wd14_input_matches_the_PIL_reference(string name)
    {
        var (ours, reference) = Compare(name, 448, BooruPreprocess.Wd14, "wd14");

        // The alpha composite, square pad and channel order are exact (the 448-high image, only padded, matches to the
        // level); the downscale differs from PIL's bicubic by a few levels at most. Upscaling (images under 448) goes
        // through libvips' affine cubic, whose sampling grid sits a fraction of a pixel from PIL's: sharp edges move,
        // so there the bound is on the mean and on how many values stray more than 8 levels.
        var (max, mean, stray) = Differences(ours, reference, 8);
        switch (name)
        {
            case "tall-300x448":
                max.Should().BeLessThan(0.5, "a 448-high image is only padded");
                break;
            case "wide-1000x600":
                max.Should().BeLessThanOrEqualTo(6, "downscaling matches PIL's bicubic within a few levels of 255");
                mean.Should().BeLessThan(0.2);
                break;
            default:
                mean.Should().BeLessThan(1.0, $"{name}: mean abs difference on the 0-255 scale");
                stray.Should().BeLessThan(0.015, $"{name}: share of values more than 8 levels from PIL's");
                break;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Images))]
    public void DeepDanbooru_input_matches_the_PIL_reference(string name)
    {
        var (ours, reference) = Compare(name, 512, BooruPreprocess.DeepDanbooru, "dd");

        // Fit, centring and edge padding are exact (the 448-high image, scaled 512/448, differs only by resampling);
        // libvips' linear kernel stands in for TensorFlow AREA (PIL BOX), which differ on hard edges only.
        var (_, mean, stray) = Differences(ours, reference, 8 / 255.0);
        mean.Should().BeLessThan(0.006, $"{name}: mean abs difference on the 0-1 scale");
        stray.Should().BeLessThan(0.03, $"{name}: share of values more than 8 levels from the reference");
    }

    private static readonly string[] PhotoFiles = ["chelsea.png", "astronaut.png", "camera.png"];

    public static TheoryData<string> Photos => new(PhotoFiles);

    /// <summary>Photos from the shared media (colour, and camera.png in grey): what a user's pictures look like.</summary>
    [SkippableTheory]
    [MemberData(nameof(Photos))]
    public void Wd14_input_of_a_photo_matches_the_PIL_reference(string file)
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var paths = PhotoFiles.Select(p => TestAssets.Media("images/" + p)).ToArray();
        var folder = SyntheticModels.Generate("booru_preprocess_reference.py", "booru-preprocess-photos", paths);
        var (ours, reference) = Compare(TestAssets.Media("images/" + file), folder, Path.GetFileNameWithoutExtension(file), 448, BooruPreprocess.Wd14, "wd14");

        // Every photo here is a little larger than 448 once padded to its square (451 to 512): a mild bicubic downscale.
        var (_, mean, stray) = Differences(ours, reference, 8);
        mean.Should().BeLessThan(1.0, $"{file}: mean abs difference on the 0-255 scale");
        stray.Should().BeLessThan(0.02, $"{file}: share of values more than 8 levels from PIL's");
    }

    [SkippableFact]
    public void Wd14_pads_with_white_centred_and_writes_bgr()
    {
        TestAssets.RequireVips();
        var image = new Native.Vips.RgbImage(2, 1, [255, 0, 0, 0, 0, 255]); // red, blue
        var square = BooruImages.Wd14(image, 2);
        // 2x1 becomes 2x2: the image on row 0 (offset (2-1)/2 = 0), white below.
        square.Pixels.Should().Equal(255, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255);
        var tensor = new float[12];
        PixelTensor.Write(square.Pixels, 2, 2, BooruImages.Wd14Normalization, tensor);
        tensor[..3].Should().Equal(0f, 0f, 255f); // red pixel as B, G, R
    }

    private static (float[] Ours, float[] Reference) Compare(string name, int side, BooruPreprocess preprocess, string suffix)
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var folder = SyntheticModels.Generate("booru_preprocess_reference.py", "booru-preprocess");
        return Compare(Path.Combine(folder, name + ".png"), folder, name, side, preprocess, suffix);
    }

    private static (float[] Ours, float[] Reference) Compare(string image, string folder, string name, int side, BooruPreprocess preprocess, string suffix)
    {
        var prepared = BooruImages.Prepare(image, side, preprocess);
        prepared.Width.Should().Be(side);
        prepared.Height.Should().Be(side);
        var ours = new float[side * side * 3];
        PixelTensor.Write(prepared.Pixels, side, side, BooruImages.Normalization(preprocess), ours);
        var reference = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(folder, $"{name}.{suffix}.f32"))).ToArray();
        reference.Should().HaveCount(ours.Length);
        return (ours, reference);
    }

    /// <summary>Max and mean absolute difference, and the share of values further apart than <paramref name="tolerance"/>.</summary>
    private static (double Max, double Mean, double Stray) Differences(float[] a, float[] b, double tolerance)
    {
        double max = 0, sum = 0;
        var stray = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = Math.Abs(a[i] - b[i]);
            max = Math.Max(max, d);
            sum += d;
            stray += d > tolerance ? 1 : 0;
        }

        return (max, sum / a.Length, (double)stray / a.Length);
    }
}
