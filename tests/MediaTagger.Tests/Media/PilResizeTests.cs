using FluentAssertions;
using MediaTagger.Media.Images;
using MediaTagger.Native.Vips;
using Xunit;

namespace MediaTagger.Tests.Media;

public sealed class PilResizeTests
{
    private static RgbImage Noise(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    private static byte[] Window(RgbImage image, int left, int top, int width, int height)
    {
        var window = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            image.Pixels.AsSpan((((top + y) * image.Width) + left) * 3, width * 3).CopyTo(window.AsSpan(y * width * 3));
        }

        return window;
    }

    [Theory]
    [InlineData(451, 300, 336, 224)] // chelsea-shaped: shrink, wide
    [InlineData(300, 451, 224, 336)] // shrink, tall
    [InlineData(120, 80, 336, 224)] // enlarge
    [InlineData(224, 500, 224, 511)] // width unchanged, height enlarged
    [InlineData(700, 224, 400, 224)] // height unchanged
    public void A_cropped_resize_gives_the_same_bytes_as_resizing_everything_and_cropping(int inWidth, int inHeight, int width, int height)
    {
        var image = Noise(inWidth, inHeight, inWidth * 31 + inHeight);
        var full = PilResize.Bicubic(image, width, height);
        var (left, top) = ((width - 224) / 2, (height - 224) / 2);

        var window = PilResize.BicubicCrop(image, width, height, left, top, 224, 224);

        window.Width.Should().Be(224);
        window.Height.Should().Be(224);
        window.Pixels.Should().Equal(Window(full, left, top, 224, 224));
    }

    [Fact]
    public void A_resize_that_changes_nothing_copies_the_image()
    {
        var image = Noise(40, 30, 7);

        var same = PilResize.Bicubic(image, 40, 30);

        same.Pixels.Should().Equal(image.Pixels);
        same.Pixels.Should().NotBeSameAs(image.Pixels);
    }

    [Fact]
    public void A_window_outside_the_result_is_refused()
    {
        var act = () => PilResize.BicubicCrop(Noise(10, 10, 1), 20, 20, 15, 0, 10, 10);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*outside 20x20*");
    }
}
