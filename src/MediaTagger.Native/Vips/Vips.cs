using System.Runtime.InteropServices;

namespace MediaTagger.Native.Vips;

public enum VipsBandFormat
{
    NotSet = -1,
    UChar = 0,
    Char = 1,
    UShort = 2,
    Short = 3,
    UInt = 4,
    Int = 5,
    Float = 6,
    Complex = 7,
    Double = 8,
    DpComplex = 9,
}

public enum VipsInterpretation
{
    Error = -1,
    Multiband = 0,
    BW = 1,
    Histogram = 10,
    Xyz = 12,
    Lab = 13,
    Cmyk = 15,
    Labq = 16,
    Rgb = 17,
    Cmc = 18,
    Lch = 19,
    Labs = 21,
    Srgb = 22,
    Yxy = 23,
    Fourier = 24,
    Rgb16 = 25,
    Grey16 = 26,
    Matrix = 27,
    ScRgb = 28,
    Hsv = 29,
}

/// <summary>Resampling kernels of vips_resize (VipsKernel).</summary>
public enum VipsKernel
{
    Nearest = 0,
    Linear = 1,
    Cubic = 2,
    Mitchell = 3,
    Lanczos2 = 4,
    Lanczos3 = 5,
}

/// <summary>libvips process set-up: init once, operation cache off (batch work would otherwise grow memory).</summary>
public static class Vips
{
    private static readonly Lazy<bool> Initialized = new(Init, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The pinned Debian 12 package's version.</summary>
    public const string PinnedVersion = "8.14";

    public static string Version
    {
        get
        {
            EnsureInitialized();
            return Marshal.PtrToStringUTF8(VipsNative.vips_version_string()) ?? "?";
        }
    }

    /// <summary>File suffixes libvips can load or save (from its loaded modules).</summary>
    public static IReadOnlyList<string> Suffixes
    {
        get
        {
            EnsureInitialized();
            var list = new List<string>();
            var p = VipsNative.vips_foreign_get_suffixes();
            if (p == IntPtr.Zero)
            {
                return list;
            }

            for (var i = 0; ; i++)
            {
                var s = Marshal.ReadIntPtr(p, i * IntPtr.Size);
                if (s == IntPtr.Zero)
                {
                    break;
                }

                list.Add(Marshal.PtrToStringUTF8(s) ?? "");
                VipsNative.g_free(s);
            }

            VipsNative.g_free(p);
            return list.Distinct(StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>Worker threads per image pipeline (libvips' own pool).</summary>
    public static int Concurrency
    {
        get
        {
            EnsureInitialized();
            return VipsNative.vips_concurrency_get();
        }
        set
        {
            EnsureInitialized();
            VipsNative.vips_concurrency_set(value);
        }
    }

    public static void EnsureInitialized() => _ = Initialized.Value;

    private static bool Init()
    {
        if (VipsNative.vips_init("mediatagger") != 0)
        {
            throw Error("vips_init failed");
        }

        VipsNative.vips_cache_set_max(0);
        VipsNative.vips_cache_set_max_mem(0);
        return true;
    }

    /// <summary>
    /// Empties libvips' error buffer. It is one buffer for the whole process, and operations that succeed may still
    /// leave text in it, which the next failure's message would carry.
    /// </summary>
    public static void ClearErrors()
    {
        EnsureInitialized();
        VipsNative.vips_error_clear();
    }

    /// <summary>Takes and clears libvips' error buffer into an exception.</summary>
    internal static NativeEngineException Error(string what)
    {
        var text = Marshal.PtrToStringUTF8(VipsNative.vips_error_buffer())?.Trim() ?? "";
        VipsNative.vips_error_clear();
        return new NativeEngineException("libvips", text.Length > 0 ? $"{what}: {text}" : what);
    }
}
