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
        return BicubicCrop(image, width, height, 0, 0, width, height);
    }

    /// <summary>
    /// The <paramref name="cropWidth"/> x <paramref name="cropHeight"/> window at (<paramref name="left"/>,
    /// <paramref name="top"/>) of <see cref="Bicubic"/>'s width x height result, the same bytes, computing only the
    /// window (and only the input rows it reads): a resize followed by a centre crop at a fraction of the cost.
    /// </summary>
    public static RgbImage BicubicCrop(RgbImage image, int width, int height, int left, int top, int cropWidth, int cropHeight)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cropWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cropHeight, 1);
        if (left < 0 || top < 0 || left + cropWidth > width || top + cropHeight > height)
        {
            throw new ArgumentOutOfRangeException(nameof(left), $"window {cropWidth}x{cropHeight} at ({left}, {top}) is outside {width}x{height}");
        }

        // The input rows the window's output rows read (all of the window's rows when the height does not change).
        var vertical = height != image.Height ? Coefficients(image.Height, height) : default;
        int firstRow, rowCount;
        if (height != image.Height)
        {
            firstRow = vertical.Bounds[top * 2];
            var last = top + cropHeight - 1;
            rowCount = vertical.Bounds[last * 2] + vertical.Bounds[(last * 2) + 1] - firstRow;
        }
        else
        {
            (firstRow, rowCount) = (top, cropHeight);
        }

        // Horizontal pass over those rows, the window's columns only; rows of ints 0..255 for the vertical pass.
        var rowWidth = cropWidth * 3;
        var rows = new int[rowCount * rowWidth];
        if (width != image.Width)
        {
            Horizontal(image.Pixels, image.Width, firstRow, rowCount, Coefficients(image.Width, width), left, cropWidth, rows);
        }
        else
        {
            for (var y = 0; y < rowCount; y++)
            {
                var source = image.Pixels.AsSpan((((firstRow + y) * image.Width) + left) * 3, rowWidth);
                var target = rows.AsSpan(y * rowWidth, rowWidth);
                for (var x = 0; x < rowWidth; x++)
                {
                    target[x] = source[x];
                }
            }
        }

        var output = new byte[cropHeight * rowWidth];
        if (height != image.Height)
        {
            Vertical(rows, rowWidth, firstRow, vertical, top, cropHeight, output);
        }
        else
        {
            for (var i = 0; i < output.Length; i++)
            {
                output[i] = (byte)rows[i];
            }
        }

        return new RgbImage(cropWidth, cropHeight, output);
    }

    private static void Horizontal(byte[] source, int inWidth, int firstRow, int rowCount, (int[] Bounds, int[] Weights, int KernelSize) filter, int left, int cropWidth, int[] output)
    {
        var (bounds, weights, kernelSize) = filter;
        var half = 1 << (PrecisionBits - 1);
        for (var y = 0; y < rowCount; y++)
        {
            var inRow = source.AsSpan((firstRow + y) * inWidth * 3, inWidth * 3);
            var outRow = output.AsSpan(y * cropWidth * 3, cropWidth * 3);
            for (var x = 0; x < cropWidth; x++)
            {
                var min = bounds[(left + x) * 2];
                var count = bounds[((left + x) * 2) + 1];
                var w = weights.AsSpan((left + x) * kernelSize, count);
                var taps = inRow.Slice(min * 3, count * 3);
                int r = half, g = half, b = half;
                for (var i = 0; i < w.Length; i++)
                {
                    var k = w[i];
                    r += taps[i * 3] * k;
                    g += taps[(i * 3) + 1] * k;
                    b += taps[(i * 3) + 2] * k;
                }

                outRow[x * 3] = Clip8(r);
                outRow[(x * 3) + 1] = Clip8(g);
                outRow[(x * 3) + 2] = Clip8(b);
            }
        }
    }

    /// <summary>Each output row is a weighted sum of whole input rows: vectorised over the row, cache friendly.</summary>
    private static void Vertical(int[] rows, int rowWidth, int firstRow, (int[] Bounds, int[] Weights, int KernelSize) filter, int top, int cropHeight, byte[] output)
    {
        var (bounds, weights, kernelSize) = filter;
        var sums = new int[rowWidth];
        var lanes = System.Numerics.Vector<int>.Count;
        for (var y = 0; y < cropHeight; y++)
        {
            var min = bounds[(top + y) * 2] - firstRow;
            var count = bounds[((top + y) * 2) + 1];
            Array.Fill(sums, 1 << (PrecisionBits - 1));
            for (var i = 0; i < count; i++)
            {
                var k = weights[((top + y) * kernelSize) + i];
                var row = rows.AsSpan((min + i) * rowWidth, rowWidth);
                var x = 0;
                for (; x <= rowWidth - lanes; x += lanes)
                {
                    var acc = new System.Numerics.Vector<int>(sums, x) + (new System.Numerics.Vector<int>(row[x..]) * k);
                    acc.CopyTo(sums, x);
                }

                for (; x < rowWidth; x++)
                {
                    sums[x] += row[x] * k;
                }
            }

            var target = output.AsSpan(y * rowWidth, rowWidth);
            for (var x = 0; x < rowWidth; x++)
            {
                target[x] = (byte)Clip8(sums[x]);
            }
        }
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

    private static int Clip8(int sum)
    {
        var v = sum >> PrecisionBits;
        return v < 0 ? 0 : v > 255 ? 255 : v;
    }
}
