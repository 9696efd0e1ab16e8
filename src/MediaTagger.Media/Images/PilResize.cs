using MediaTagger.Native.Vips;

namespace MediaTagger.Media.Images;

/// <summary>
/// Pillow's Image.resize(size, BICUBIC) on 8-bit RGB, bit for bit (Pillow's libImaging/Resample.c, read not copied):
/// a separable convolution whose support widens with the downscale factor (antialiasing), the cubic kernel with
/// a = -0.5, weights normalised per output pixel and rounded to 22-bit fixed point, the horizontal pass first with
/// each pass rounded and clamped to 8 bits. transformers' image processors (BLIP, CLIP) resize through Pillow, so a
/// model sees exactly these pixels. An axis whose size does not change is not resampled, as in Pillow.
/// </summary>
public static class PilResize
{
    // Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2.
    private const int PrecisionBits = 22;
    private const double CubicA = -0.5;
    private const double CubicSupport = 2.0;

    public static RgbImage Bicubic(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var pixels = image.Pixels;
        var currentWidth = image.Width;
        if (width != image.Width)
        {
            pixels = Horizontal(pixels, image.Width, image.Height, width);
            currentWidth = width;
        }

        if (height != image.Height)
        {
            pixels = Vertical(pixels, currentWidth, image.Height, height);
        }

        return new RgbImage(width, height, pixels == image.Pixels ? (byte[])pixels.Clone() : pixels);
    }

    private static byte[] Horizontal(byte[] source, int inWidth, int rows, int outWidth)
    {
        var (bounds, weights, kernelSize) = Coefficients(inWidth, outWidth);
        var output = new byte[outWidth * rows * 3];
        for (var y = 0; y < rows; y++)
        {
            var inRow = y * inWidth * 3;
            var outRow = y * outWidth * 3;
            for (var x = 0; x < outWidth; x++)
            {
                var min = bounds[x * 2];
                var count = bounds[(x * 2) + 1];
                var k = x * kernelSize;
                for (var c = 0; c < 3; c++)
                {
                    var sum = 1 << (PrecisionBits - 1);
                    for (var i = 0; i < count; i++)
                    {
                        sum += source[inRow + ((min + i) * 3) + c] * weights[k + i];
                    }

                    output[outRow + (x * 3) + c] = Clip8(sum);
                }
            }
        }

        return output;
    }

    private static byte[] Vertical(byte[] source, int width, int inHeight, int outHeight)
    {
        var (bounds, weights, kernelSize) = Coefficients(inHeight, outHeight);
        var stride = width * 3;
        var output = new byte[stride * outHeight];
        for (var y = 0; y < outHeight; y++)
        {
            var min = bounds[y * 2];
            var count = bounds[(y * 2) + 1];
            var k = y * kernelSize;
            for (var x = 0; x < stride; x++)
            {
                var sum = 1 << (PrecisionBits - 1);
                for (var i = 0; i < count; i++)
                {
                    sum += source[((min + i) * stride) + x] * weights[k + i];
                }

                output[(y * stride) + x] = Clip8(sum);
            }
        }

        return output;
    }

    /// <summary>
    /// Per output pixel: the first input index, how many inputs it reads, and their fixed-point weights. The filter is
    /// stretched by the scale when shrinking; an input's weight is the kernel at its centre's distance.
    /// </summary>
    private static (int[] Bounds, int[] Weights, int KernelSize) Coefficients(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = CubicSupport * filterScale;
        var kernelSize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[outSize * 2];
        var weights = new int[outSize * kernelSize];
        var k = new double[kernelSize];
        for (var x = 0; x < outSize; x++)
        {
            var center = (x + 0.5) * scale;
            var inverse = 1.0 / filterScale;
            // C's (int) truncates toward zero, as Pillow's cast does; both ends are clamped to the input.
            var min = Math.Max((int)(center - support + 0.5), 0);
            var max = Math.Min((int)(center + support + 0.5), inSize) - min;
            double total = 0;
            for (var i = 0; i < max; i++)
            {
                var w = Cubic((i + min - center + 0.5) * inverse);
                k[i] = w;
                total += w;
            }

            for (var i = 0; i < max; i++)
            {
                var w = total != 0 ? k[i] / total : k[i];
                // Pillow rounds half away from zero into fixed point.
                weights[(x * kernelSize) + i] = (int)(w < 0 ? -0.5 + (w * (1 << PrecisionBits)) : 0.5 + (w * (1 << PrecisionBits)));
            }

            bounds[x * 2] = min;
            bounds[(x * 2) + 1] = max;
        }

        return (bounds, weights, kernelSize);
    }

    private static double Cubic(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? (((CubicA + 2.0) * x) - (CubicA + 3.0)) * x * x + 1
            : x < 2.0 ? ((((x - 5) * x) + 8) * x - 4) * CubicA
            : 0.0;
    }

    private static byte Clip8(int sum)
    {
        var v = sum >> PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }
}
