using MediaTagger.Media.Images;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Ocr;

/// <summary>Preprocessing shared by the PaddleOCR models.</summary>
internal static class OcrTensors
{
    /// <summary>
    /// (pixel/255 - 0.5) / 0.5 in BGR order: PaddleOCR trains on OpenCV-decoded (BGR) images, so the recognizer and
    /// orientation classifier see channels in that order.
    /// </summary>
    public static PixelNormalization Symmetric { get; } = new(1f / 255f, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], ChannelOrder.Bgr, PixelLayout.Nchw);

    /// <summary>ImageNet mean/std, also applied to BGR pixels as PaddleOCR's detector does.</summary>
    public static PixelNormalization ImageNetBgr { get; } = new(1f / 255f, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], ChannelOrder.Bgr, PixelLayout.Nchw);

    /// <summary>
    /// Writes <paramref name="image"/> into the left of a zeroed [3, H, paddedWidth] tensor; the zeros are the
    /// normalised mid-grey PaddleOCR pads text lines with.
    /// </summary>
    public static float[] LeftAligned(RgbImage image, int paddedWidth, PixelNormalization norm)
    {
        var h = image.Height;
        var w = image.Width;
        var packed = new float[3 * h * w];
        PixelTensor.Write(image.Pixels, w, h, norm, packed);
        var tensor = new float[3 * h * paddedWidth];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < h; y++)
            {
                packed.AsSpan((c * h * w) + (y * w), w).CopyTo(tensor.AsSpan((c * h * paddedWidth) + (y * paddedWidth), w));
            }
        }

        return tensor;
    }

    /// <summary>A crop resized to <paramref name="height"/> keeping aspect, at most <paramref name="maxWidth"/> wide.</summary>
    public static RgbImage LineCrop(RgbImage image, OcrBox box, int height, int maxWidth)
    {
        var ratio = (double)box.Width / box.Height;
        var width = Math.Clamp((int)Math.Ceiling(height * ratio), 1, maxWidth);
        return VipsImaging.CropResize(image, box.X, box.Y, box.Width, box.Height, width, height);
    }
}

/// <summary>An axis-aligned box in image pixel coordinates.</summary>
public readonly record struct OcrBox(int X, int Y, int Width, int Height)
{
    public static OcrBox Whole(RgbImage image) => new(0, 0, image.Width, image.Height);
}
