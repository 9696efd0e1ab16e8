using MediaTagger.Media.Images;

namespace MediaTagger.Tests.Media;

public sealed class PixelTensorTests
{
    // A 2x1 image: one red pixel, one (10, 20, 30) pixel.
    private static readonly byte[] Rgb = [255, 0, 0, 10, 20, 30];

    [Fact]
    public void ImageNet_normalisation_writes_planar_rgb_with_mean_and_std()
    {
        var output = new float[6];
        PixelTensor.Write(Rgb, 2, 1, PixelNormalization.ImageNet, output);

        // Independently computed: (v / 255 - mean[c]) / std[c], planes R, G, B.
        float N(int v, float mean, float std) => ((v / 255f) - mean) / std;
        output.Should().BeEquivalentTo(
            new[] { N(255, .485f, .229f), N(10, .485f, .229f), N(0, .456f, .224f), N(20, .456f, .224f), N(0, .406f, .225f), N(30, .406f, .225f) },
            o => o.WithStrictOrdering().Using<float>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-5f)).WhenTypeIs<float>());
    }

    [Fact]
    public void Raw_bgr_nhwc_keeps_0_to_255_and_swaps_channels_per_pixel()
    {
        var output = new float[6];
        PixelTensor.Write(Rgb, 2, 1, PixelNormalization.Raw255Bgr, output);
        output.Should().Equal(0f, 0f, 255f, 30f, 20f, 10f);
    }

    [Fact]
    public void A_buffer_of_the_wrong_size_is_refused()
    {
        var act = () => PixelTensor.Write(Rgb, 3, 1, PixelNormalization.ImageNet, new float[9]);
        act.Should().Throw<ArgumentException>().WithMessage("*9 RGB bytes*");
    }
}
