namespace MediaTagger.Native.Vips;

/// <summary>How an image is brought to an exact width x height.</summary>
public enum ImageFit
{
    /// <summary>Scale to cover, then crop the centre (classifiers, CLIP-style centre crop).</summary>
    Crop,

    /// <summary>Scale to fit inside, then pad evenly with the background colour (taggers: WD14 pads white).</summary>
    Pad,

    /// <summary>Scale each axis independently (aspect ratio not kept).</summary>
    Stretch,
}

/// <summary>What a header-only read of an image tells: no pixels are decoded.</summary>
public sealed record ImageProbe(int Width, int Height, int Bands, VipsBandFormat Format, VipsInterpretation Interpretation, int Orientation, int Pages, string Loader)
{
    /// <summary>The container format from the loader's name: "png", "jpeg", "webp", "heif", "gif", "tiff", ...</summary>
    public string FormatName
    {
        get
        {
            var name = Loader.StartsWith("VipsForeignLoad", StringComparison.Ordinal) ? Loader["VipsForeignLoad".Length..] : Loader;
            foreach (var suffix in new[] { "File", "Buffer", "Source" })
            {
                if (name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    name = name[..^suffix.Length];
                    break;
                }
            }

            return name.ToLowerInvariant();
        }
    }

    /// <summary>Width and height as displayed after EXIF orientation (5-8 swap the axes).</summary>
    public (int Width, int Height) DisplaySize => Orientation is >= 5 and <= 8 ? (Height, Width) : (Width, Height);
}

/// <summary>Packed 8-bit RGB, row-major, 3 bytes per pixel.</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels);

/// <summary>
/// The image operations the model stages need, on libvips: header probe, shrink-on-load thumbnail to an exact
/// size with EXIF autorotation, colour normalised to 8-bit sRGB without alpha, as packed RGB bytes.
/// </summary>
public static class VipsImaging
{
    public static ImageProbe Probe(string path)
    {
        using var image = Load(path);
        return ProbeOf(image, LoaderFor(path));
    }

    public static ImageProbe Probe(ReadOnlySpan<byte> encoded)
    {
        var loader = LoaderFor(encoded);
        using var blob = new VipsBlob(encoded);
        using var image = VipsOperation.CallImage(loader, ("buffer", blob));
        return ProbeOf(image, loader);
    }

    /// <summary>
    /// Decodes every pixel of the first page once, streaming (nothing is kept), and fails with the decoder's message
    /// on truncated or corrupt data, which a header-only <see cref="Probe(string)"/> cannot notice and the default
    /// loaders would paper over with grey. Call it only after checking the header's size.
    /// </summary>
    /// <exception cref="NativeEngineException">The image data is truncated or corrupt (the message is libvips').</exception>
    public static void VerifyDecodes(string path)
    {
        var loader = LoaderFor(path);
        // fail_on=error (VIPS_FAIL_ON_ERROR) also stops on truncation; access=sequential streams the decode.
        using var image = VipsOperation.CallImage(loader, ("filename", path), ("fail_on", 2), ("access", 1));
        _ = VipsOperation.CallDouble("avg", "out", ("in", image));
    }

    /// <summary>Decodes <paramref name="path"/> to exactly <paramref name="width"/> x <paramref name="height"/> RGB.</summary>
    public static RgbImage Thumbnail(string path, int width, int height, ImageFit fit, byte background = 0)
    {
        ValidateSize(width, height);
        _ = LoaderFor(path); // a clear "not an image" error before thumbnail's generic one
        using var thumb = VipsOperation.CallImage("thumbnail", ThumbnailArgs(("filename", path), width, height, fit));
        return Finish(thumb, width, height, fit, background);
    }

    public static RgbImage Thumbnail(ReadOnlySpan<byte> encoded, int width, int height, ImageFit fit, byte background = 0)
    {
        ValidateSize(width, height);
        _ = LoaderFor(encoded);
        using var blob = new VipsBlob(encoded);
        using var thumb = VipsOperation.CallImage("thumbnail_buffer", ThumbnailArgs(("buffer", blob), width, height, fit));
        return Finish(thumb, width, height, fit, background);
    }

    /// <summary>
    /// Full decode with EXIF autorotation, then an exact resize with a chosen kernel (the double-valued scale
    /// goes through the operation API). Used where a model's published preprocessing names the kernel.
    /// </summary>
    public static RgbImage Resize(string path, double hscale, double vscale, VipsKernel kernel, byte background = 0)
    {
        using var loaded = Load(path);
        using var rotated = VipsOperation.CallImage("autorot", ("in", loaded));
        using var srgb = ToRgb8(rotated, background);
        using var resized = VipsOperation.CallImage("resize", ("in", srgb), ("scale", hscale), ("vscale", vscale), ("kernel", (int)kernel));
        return ToBytes(resized);
    }

    /// <summary>Full-resolution decode to RGB with EXIF autorotation (keyframes, OCR crops).</summary>
    public static RgbImage Decode(string path, byte background = 0) => Decode(path, background, dropAlpha: false);

    /// <summary>
    /// Full-resolution decode to RGB with EXIF autorotation; with <paramref name="dropAlpha"/> an alpha band is
    /// dropped instead of flattened, keeping the colour stored under it, as Pillow's convert("RGB") does (the
    /// preprocessing CLIP-style models were trained with).
    /// </summary>
    public static RgbImage Decode(string path, byte background, bool dropAlpha)
    {
        using var loaded = Load(path);
        using var rotated = VipsOperation.CallImage("autorot", ("in", loaded));
        using var srgb = ToRgb8(rotated, background, dropAlpha);
        return ToBytes(srgb);
    }

    /// <summary>
    /// Cuts <paramref name="width"/> x <paramref name="height"/> at (left, top) out of decoded pixels and resamples it to
    /// exactly <paramref name="targetWidth"/> x <paramref name="targetHeight"/> (OCR text-line crops, detector input).
    /// </summary>
    public static RgbImage CropResize(RgbImage image, int left, int top, int width, int height, int targetWidth, int targetHeight, VipsKernel kernel = VipsKernel.Linear)
    {
        ValidateSize(targetWidth, targetHeight);
        if (left < 0 || top < 0 || width <= 0 || height <= 0 || left + width > image.Width || top + height > image.Height)
        {
            throw new ArgumentOutOfRangeException(nameof(left), $"crop {left},{top} {width}x{height} is outside the {image.Width}x{image.Height} image");
        }

        using var source = Wrap(image);
        using var area = VipsOperation.CallImage("extract_area", ("input", source), ("left", left), ("top", top), ("width", width), ("height", height));
        using var resized = VipsOperation.CallImage("resize", ("in", area), ("scale", (double)targetWidth / width),
            ("vscale", (double)targetHeight / height), ("kernel", (int)kernel));
        if (resized.Width == targetWidth && resized.Height == targetHeight)
        {
            return ToBytes(resized);
        }

        // resize rounds the output size; trim or edge-extend the last pixel so callers get the exact shape.
        using var trimmed = VipsOperation.CallImage("extract_area", ("input", resized), ("left", 0), ("top", 0),
            ("width", Math.Min(targetWidth, resized.Width)), ("height", Math.Min(targetHeight, resized.Height)));
        using var exact = VipsOperation.CallImage("embed", ("in", trimmed), ("x", 0), ("y", 0), ("width", targetWidth), ("height", targetHeight), ("extend", 1));
        return ToBytes(exact);
    }

    /// <summary>Rotates decoded pixels by 180 degrees (an upside-down text line).</summary>
    public static RgbImage Rotate180(RgbImage image)
    {
        using var source = Wrap(image);
        using var rotated = VipsOperation.CallImage("rot", ("in", source), ("angle", 2)); // VIPS_ANGLE_D180
        return ToBytes(rotated);
    }

    /// <summary>
    /// Writes RGB pixels to a file whose suffix picks the format (.jpg, .png, .webp, .tif), optionally tagging an
    /// EXIF orientation. For fixtures, benchmarks and debugging output.
    /// </summary>
    public static unsafe void Save(RgbImage image, string path, int? orientation = null)
    {
        Vips.EnsureInitialized();
        IntPtr raw;
        fixed (byte* p = image.Pixels)
        {
            raw = VipsNative.vips_image_new_from_memory_copy(p, (nuint)image.Pixels.Length, image.Width, image.Height, 3, (int)VipsBandFormat.UChar);
        }

        if (raw == IntPtr.Zero)
        {
            throw Vips.Error("cannot wrap pixels");
        }

        using var handle = new VipsImageHandle(raw);
        if (orientation is { } o)
        {
            VipsNative.vips_image_set_int(raw, "orientation", o);
        }

        var saver = VipsNative.vips_foreign_find_save(path);
        if (saver == IntPtr.Zero)
        {
            throw Vips.Error($"no libvips saver for {path}");
        }

        VipsOperation.Call(System.Runtime.InteropServices.Marshal.PtrToStringUTF8(saver)!, ("in", handle), ("filename", path));
    }

    private static unsafe VipsImageHandle Wrap(RgbImage image)
    {
        Vips.EnsureInitialized();
        IntPtr raw;
        fixed (byte* p = image.Pixels)
        {
            // A copy, so the handle does not depend on the managed array staying pinned.
            raw = VipsNative.vips_image_new_from_memory_copy(p, (nuint)image.Pixels.Length, image.Width, image.Height, 3, (int)VipsBandFormat.UChar);
        }

        if (raw == IntPtr.Zero)
        {
            throw Vips.Error("cannot wrap pixels");
        }

        return new VipsImageHandle(raw);
    }

    private static (string, object)[] ThumbnailArgs((string, object) source, int width, int height, ImageFit fit) =>
    [
        source,
        ("width", width),
        ("height", height),
        ("size", fit == ImageFit.Stretch ? 3 : 0), // VIPS_SIZE_FORCE : VIPS_SIZE_BOTH
        ("crop", fit == ImageFit.Crop ? 1 : 0),     // VIPS_INTERESTING_CENTRE : NONE
    ];

    private static RgbImage Finish(VipsImageHandle thumb, int width, int height, ImageFit fit, byte background)
    {
        using var rgb = ToRgb8(thumb, background);
        if (rgb.Width == width && rgb.Height == height)
        {
            return ToBytes(rgb);
        }

        if (fit == ImageFit.Crop && rgb.Width >= width && rgb.Height >= height)
        {
            // thumbnail can be off by a pixel from rounding; crop the centre to the exact size.
            using var cropped = VipsOperation.CallImage("extract_area", ("input", rgb), ("left", (rgb.Width - width) / 2),
                ("top", (rgb.Height - height) / 2), ("width", width), ("height", height));
            return ToBytes(cropped);
        }

        // Pad (or a too-small crop result): centre on a background canvas of exactly width x height.
        using var fitted = rgb.Width > width || rgb.Height > height
            ? VipsOperation.CallImage("extract_area", ("input", rgb), ("left", Math.Max(0, (rgb.Width - width) / 2)),
                ("top", Math.Max(0, (rgb.Height - height) / 2)), ("width", Math.Min(width, rgb.Width)), ("height", Math.Min(height, rgb.Height)))
            : VipsOperation.CallImage("copy", ("in", rgb));
        using var padded = VipsOperation.CallImage("embed", ("in", fitted), ("x", (width - fitted.Width) / 2), ("y", (height - fitted.Height) / 2),
            ("width", width), ("height", height), ("extend", 5), ("background", new double[] { background, background, background }));
        return ToBytes(padded);
    }

    /// <summary>Any band layout (grey, grey+alpha, RGBA, CMYK, 16-bit) to 3-band 8-bit sRGB, alpha flattened onto the background.</summary>
    private static VipsImageHandle ToRgb8(VipsImageHandle image, byte background, bool dropAlpha = false)
    {
        var current = VipsOperation.CallImage("copy", ("in", image));
        try
        {
            if (current.Interpretation != VipsInterpretation.Srgb)
            {
                Replace(ref current, VipsOperation.CallImage("colourspace", ("in", current), ("space", (int)VipsInterpretation.Srgb)));
            }

            if (dropAlpha && (current.Bands == 4 || current.Bands == 2))
            {
                Replace(ref current, VipsOperation.CallImage("extract_band", ("in", current), ("band", 0), ("n", current.Bands - 1)));
            }
            else if (current.Bands == 4 || current.Bands == 2)
            {
                Replace(ref current, VipsOperation.CallImage("flatten", ("in", current), ("background", new double[] { background, background, background })));
            }

            if (current.Format != VipsBandFormat.UChar)
            {
                Replace(ref current, VipsOperation.CallImage("cast", ("in", current), ("format", (int)VipsBandFormat.UChar)));
            }

            if (current.Bands < 3)
            {
                throw new NativeEngineException("libvips", $"image has {current.Bands} band(s) after sRGB conversion");
            }

            if (current.Bands > 3)
            {
                Replace(ref current, VipsOperation.CallImage("extract_band", ("in", current), ("band", 0), ("n", 3)));
            }

            return current;
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    private static void Replace(ref VipsImageHandle current, VipsImageHandle next)
    {
        current.Dispose();
        current = next;
    }

    private static unsafe RgbImage ToBytes(VipsImageHandle image)
    {
        var width = image.Width;
        var height = image.Height;
        var memory = VipsNative.vips_image_write_to_memory(image.DangerousGetHandle(), out var size);
        if (memory == IntPtr.Zero)
        {
            throw Vips.Error("decoding pixels failed");
        }

        try
        {
            var expected = (long)width * height * 3;
            if ((long)size != expected)
            {
                throw new NativeEngineException("libvips", $"expected {expected} bytes of RGB, got {size}");
            }

            var pixels = new byte[expected];
            new ReadOnlySpan<byte>((void*)memory, (int)expected).CopyTo(pixels);
            return new RgbImage(width, height, pixels);
        }
        finally
        {
            VipsNative.g_free(memory);
        }
    }

    private static VipsImageHandle Load(string path) =>
        VipsOperation.CallImage(LoaderFor(path), ("filename", path));

    private static string LoaderFor(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"image not found: {path}", path);
        }

        Vips.EnsureInitialized();
        var loader = VipsNative.vips_foreign_find_load(path);
        if (loader == IntPtr.Zero)
        {
            throw Vips.Error($"{path} is not an image libvips can read");
        }

        // The loader's type name ("VipsForeignLoadPngFile"); vips_operation_new accepts it as it is.
        return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(loader) ?? "";
    }

    private static unsafe string LoaderFor(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            throw new ArgumentException("image buffer is empty", nameof(encoded));
        }

        Vips.EnsureInitialized();
        IntPtr loader;
        fixed (byte* p = encoded)
        {
            loader = VipsNative.vips_foreign_find_load_buffer(p, (nuint)encoded.Length);
        }

        if (loader == IntPtr.Zero)
        {
            throw Vips.Error("buffer is not an image libvips can read");
        }

        // The loader's type name ("VipsForeignLoadPngFile"); vips_operation_new accepts it as it is.
        return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(loader) ?? "";
    }

    private static ImageProbe ProbeOf(VipsImageHandle image, string loader) => new(
        image.Width,
        image.Height,
        image.Bands,
        image.Format,
        image.Interpretation,
        image.GetInt("orientation") ?? 1,
        Math.Max(1, image.GetInt("n-pages") ?? 1),
        loader);

    private static void ValidateSize(int width, int height)
    {
        if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"target size {width}x{height} is out of range");
        }
    }
}
