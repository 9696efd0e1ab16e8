using MediaTagger.Media.Images;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Booru;

/// <summary>The two published preprocessings of booru taggers; which one a catalog model uses follows from its tag file.</summary>
public enum BooruPreprocess
{
    /// <summary>
    /// SmilingWolf's WD14 taggers, v2 and v3 alike (the reference is the author's own demo, the Hugging Face space
    /// SmilingWolf/wd-tagger, app.py prepare_image): alpha composited onto white, padded to a square with white
    /// (the image centred, the odd pixel right/bottom: offset = (side - w) / 2 rounded down), resized to the model's
    /// input side with PIL's BICUBIC, then float32 0-255 in BGR order, NHWC [N, side, side, 3].
    /// kohya's tag_images_by_wd14_tagger.py resizes with cv2 INTER_AREA (down) / LANCZOS4 (up) instead; we follow the
    /// author's demo, with libvips' cubic kernel (Catmull-Rom, a = -0.5, the kernel PIL's BICUBIC uses, widened on
    /// downscale as PIL does). The golden test holds the result to an independent PIL reference.
    /// </summary>
    Wd14,

    /// <summary>
    /// KichangKim's DeepDanbooru (deepdanbooru/data load_image_for_evaluate and image/transform_and_pad_image): the
    /// image resized to fit inside side x side keeping its aspect ratio (TensorFlow AREA, sizes rounded), centred, and
    /// padded by repeating its edge pixels, then float32 RGB divided by 255, NHWC [N, 512, 512, 3]. We resize with
    /// libvips' linear kernel widened on downscale (an area-like average; TensorFlow's AREA has no libvips twin), and
    /// centre at the rounded-down offset.
    /// </summary>
    DeepDanbooru,
}

/// <summary>Booru taggers' image preparation: decoded once, made square, resized to the model's side.</summary>
internal static class BooruImages
{
    /// <summary>float32 0-255, BGR, NHWC: the WD14 input.</summary>
    public static PixelNormalization Wd14Normalization => PixelNormalization.Raw255Bgr;

    /// <summary>float32 0-1, RGB, NHWC: the DeepDanbooru input.</summary>
    public static PixelNormalization DeepDanbooruNormalization { get; } = new(1f / 255f, [0, 0, 0], [1, 1, 1], ChannelOrder.Rgb, PixelLayout.Nhwc);

    public static PixelNormalization Normalization(BooruPreprocess preprocess) =>
        preprocess == BooruPreprocess.Wd14 ? Wd14Normalization : DeepDanbooruNormalization;

    /// <summary>Decodes <paramref name="path"/> (EXIF-rotated, alpha over white) and prepares it for <paramref name="preprocess"/>.</summary>
    public static RgbImage Prepare(string path, int side, BooruPreprocess preprocess)
    {
        var decoded = VipsImaging.Decode(path, background: 255);
        return preprocess == BooruPreprocess.Wd14 ? Wd14(decoded, side) : DeepDanbooru(decoded, side);
    }

    /// <summary>WD14: white square pad, centred, then a bicubic resize to side x side.</summary>
    public static RgbImage Wd14(RgbImage image, int side)
    {
        var square = Math.Max(image.Width, image.Height);
        var padded = Place(image, square, (square - image.Width) / 2, (square - image.Height) / 2, fill: 255);
        return square == side ? padded : VipsImaging.CropResize(padded, 0, 0, square, square, side, side, VipsKernel.Cubic);
    }

    /// <summary>DeepDanbooru: fit inside side x side keeping the aspect ratio, centred, edges repeated into the padding.</summary>
    public static RgbImage DeepDanbooru(RgbImage image, int side)
    {
        var scale = Math.Min((double)side / image.Width, (double)side / image.Height);
        var width = Math.Clamp((int)Math.Round(image.Width * scale), 1, side);
        var height = Math.Clamp((int)Math.Round(image.Height * scale), 1, side);
        var resized = width == image.Width && height == image.Height ? image
            : VipsImaging.CropResize(image, 0, 0, image.Width, image.Height, width, height, VipsKernel.Linear);
        var left = (side - width) / 2;
        var top = (side - height) / 2;
        var canvas = Place(resized, side, left, top, fill: 0);
        RepeatEdges(canvas, left, top, width, height);
        return canvas;
    }

    /// <summary>A side x side canvas of <paramref name="fill"/> with <paramref name="image"/> at (left, top).</summary>
    private static RgbImage Place(RgbImage image, int side, int left, int top, byte fill)
    {
        if (image.Width == side && image.Height == side)
        {
            return image;
        }

        var pixels = new byte[side * side * 3];
        Array.Fill(pixels, fill);
        var row = image.Width * 3;
        for (var y = 0; y < image.Height; y++)
        {
            Buffer.BlockCopy(image.Pixels, y * row, pixels, (((top + y) * side) + left) * 3, row);
        }

        return new RgbImage(side, side, pixels);
    }

    /// <summary>Fills the canvas outside the placed rectangle with the nearest pixel of its edge (numpy/skimage "edge").</summary>
    private static void RepeatEdges(RgbImage canvas, int left, int top, int width, int height)
    {
        var side = canvas.Width;
        var p = canvas.Pixels;
        for (var y = top; y < top + height; y++)
        {
            var first = ((y * side) + left) * 3;
            var last = ((y * side) + left + width - 1) * 3;
            for (var x = 0; x < left; x++)
            {
                Buffer.BlockCopy(p, first, p, ((y * side) + x) * 3, 3);
            }

            for (var x = left + width; x < side; x++)
            {
                Buffer.BlockCopy(p, last, p, ((y * side) + x) * 3, 3);
            }
        }

        var stride = side * 3;
        for (var y = 0; y < top; y++)
        {
            Buffer.BlockCopy(p, top * stride, p, y * stride, stride);
        }

        for (var y = top + height; y < side; y++)
        {
            Buffer.BlockCopy(p, (top + height - 1) * stride, p, y * stride, stride);
        }
    }
}
