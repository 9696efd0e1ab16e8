namespace MediaTagger.Media.Images;

public enum ChannelOrder
{
    Rgb,
    Bgr,
}

public enum PixelLayout
{
    /// <summary>[N, C, H, W]: torchvision-style models (ImageNet classifiers, CLIP, BLIP).</summary>
    Nchw,

    /// <summary>[N, H, W, C]: Keras-style models (WD14 taggers).</summary>
    Nhwc,
}

/// <summary>
/// How a model wants its pixels: value = (pixel * Scale - Mean[c]) / Std[c], in the given channel order and layout.
/// Every published preprocessing in the catalog is one of these.
/// </summary>
public sealed record PixelNormalization(float Scale, float[] Mean, float[] Std, ChannelOrder Order, PixelLayout Layout)
{
    /// <summary>torchvision ImageNet: /255, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225), RGB, NCHW.</summary>
    public static PixelNormalization ImageNet { get; } = new(1f / 255f, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], ChannelOrder.Rgb, PixelLayout.Nchw);

    /// <summary>
    /// OpenAI CLIP's OPENAI_CLIP_MEAN and OPENAI_CLIP_STD: /255, mean (0.48145466, 0.4578275, 0.40821073), std
    /// (0.26862954, 0.26130258, 0.27577711), RGB, NCHW; CLIP and BLIP (transformers' BlipImageProcessor) both use it.
    /// </summary>
    public static PixelNormalization OpenAiClip { get; } = new(1f / 255f,
        [0.48145466f, 0.4578275f, 0.40821073f], [0.26862954f, 0.26130258f, 0.27577711f], ChannelOrder.Rgb, PixelLayout.Nchw);

    /// <summary>(pixel - 127) / 128, RGB, NCHW: the UltraFace face detectors' published preprocessing.</summary>
    public static PixelNormalization Centered127 { get; } = new(1f, [127f, 127f, 127f], [128f, 128f, 128f], ChannelOrder.Rgb, PixelLayout.Nchw);

    /// <summary>Raw 0-255 floats (WD14 taggers: BGR, NHWC).</summary>
    public static PixelNormalization Raw255Bgr { get; } = new(1f, [0, 0, 0], [1, 1, 1], ChannelOrder.Bgr, PixelLayout.Nhwc);
}

/// <summary>Packed RGB bytes to model input floats, written into a caller-provided (pooled) span.</summary>
public static class PixelTensor
{
    public static void Write(ReadOnlySpan<byte> rgb, int width, int height, PixelNormalization norm, Span<float> destination)
    {
        var pixels = width * height;
        if (rgb.Length != pixels * 3)
        {
            throw new ArgumentException($"expected {pixels * 3} RGB bytes for {width}x{height}, got {rgb.Length}", nameof(rgb));
        }

        if (destination.Length < pixels * 3)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats, {pixels * 3} needed", nameof(destination));
        }

        // Precomputed per-channel a*x+b keeps the inner loop to one multiply-add.
        Span<float> a = stackalloc float[3];
        Span<float> b = stackalloc float[3];
        for (var c = 0; c < 3; c++)
        {
            a[c] = norm.Scale / norm.Std[c];
            b[c] = -norm.Mean[c] / norm.Std[c];
        }

        for (var c = 0; c < 3; c++)
        {
            var source = norm.Order == ChannelOrder.Rgb ? c : 2 - c;
            var ac = a[c];
            var bc = b[c];
            if (norm.Layout == PixelLayout.Nchw)
            {
                var plane = destination.Slice(c * pixels, pixels);
                for (var i = 0; i < pixels; i++)
                {
                    plane[i] = rgb[(i * 3) + source] * ac + bc;
                }
            }
            else
            {
                for (var i = 0; i < pixels; i++)
                {
                    destination[(i * 3) + c] = rgb[(i * 3) + source] * ac + bc;
                }
            }
        }
    }
}
