using MediaTagger.Media.Images;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Clip;

/// <summary>
/// CLIP's image preprocessing as OpenAI's and transformers' processors do it: RGB (an alpha band dropped, as Pillow's
/// convert("RGB")), the shortest side resized to the input size with Pillow's antialiased bicubic, the centre cropped
/// (transformers' CLIPImageProcessor offsets, floor((side - size) / 2)), /255, CLIP's mean and std, planar RGB. EXIF orientation is applied first, so a
/// rotated photo is seen upright.
/// </summary>
public static class ClipPreprocessing
{
    public const int DefaultSize = 224;

    /// <summary>OpenAI CLIP's mean and std, /255, RGB, NCHW.</summary>
    public static PixelNormalization Normalization => PixelNormalization.OpenAiClip;

    /// <summary>The size after the shortest-side resize: the short side becomes <paramref name="size"/>, the long one is truncated.</summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int size = DefaultSize)
    {
        if (width <= height)
        {
            return (size, (int)((double)size * height / width));
        }

        return ((int)((double)size * width / height), size);
    }

    /// <summary>
    /// The centre-crop offset of transformers' image processors, which the Xenova and immich exports are used with:
    /// (side - size) // 2. (torchvision's CenterCrop in OpenAI's original code rounds half to even instead, one pixel
    /// further only when side - size is odd and its floor half odd.)
    /// </summary>
    public static int CropOffset(int side, int size) => (side - size) / 2;

    /// <summary>Decoded pixels to the model's size x size RGB bytes (resize, then centre crop).</summary>
    public static byte[] Prepare(RgbImage image, int size = DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (w, h) = ResizedSize(image.Width, image.Height, size);
        // Only the centre window is computed: the same bytes as resizing the whole image and cropping it.
        return PilResize.BicubicCrop(image, w, h, CropOffset(w, size), CropOffset(h, size), size, size).Pixels;
    }

    /// <summary>Decodes an image file and prepares it.</summary>
    /// <exception cref="Native.NativeEngineException">The file is not an image libvips can decode (the message says why).</exception>
    public static byte[] Load(string path, int size = DefaultSize) => Prepare(VipsImaging.Decode(path, 0, dropAlpha: true), size);

    /// <summary>Writes prepared RGB bytes as normalized planar floats into <paramref name="destination"/> (3 x size x size).</summary>
    public static void Write(ReadOnlySpan<byte> prepared, int size, Span<float> destination) =>
        PixelTensor.Write(prepared, size, size, Normalization, destination);
}
