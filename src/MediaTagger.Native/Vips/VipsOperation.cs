using System.Runtime.InteropServices;

namespace MediaTagger.Native.Vips;

/// <summary>
/// Calls any libvips operation by name with named arguments, through GObject properties. Argument types are
/// read from the operation's own GParamSpecs, so ints, enums, booleans, doubles, double arrays, strings,
/// blobs and images all travel with their real C types.
/// </summary>
internal static unsafe class VipsOperation
{
    /// <summary>Runs <paramref name="name"/> and returns its "out" image (caller owns it).</summary>
    public static VipsImageHandle CallImage(string name, params (string Key, object Value)[] args)
    {
        var op = Build(name, args);
        try
        {
            return new VipsImageHandle(GetObject(op, "out"));
        }
        finally
        {
            VipsNative.vips_object_unref_outputs(op);
            VipsNative.g_object_unref(op);
        }
    }

    /// <summary>Runs an operation for its side effect (savers).</summary>
    public static void Call(string name, params (string Key, object Value)[] args)
    {
        var op = Build(name, args);
        VipsNative.vips_object_unref_outputs(op);
        VipsNative.g_object_unref(op);
    }

    /// <summary>Runs an operation whose result is an int output (for example "find_trim" or "max").</summary>
    public static int CallInt(string name, string output, params (string Key, object Value)[] args)
    {
        var op = Build(name, args);
        try
        {
            GValue v = default;
            VipsNative.g_value_init(&v, ArgumentType(op, output));
            VipsNative.g_object_get_property(op, output, &v);
            var result = VipsNative.g_value_get_int(&v);
            VipsNative.g_value_unset(&v);
            return result;
        }
        finally
        {
            VipsNative.vips_object_unref_outputs(op);
            VipsNative.g_object_unref(op);
        }
    }

    /// <summary>Runs an operation whose result is a double output (for example "avg").</summary>
    public static double CallDouble(string name, string output, params (string Key, object Value)[] args)
    {
        var op = Build(name, args);
        try
        {
            GValue v = default;
            VipsNative.g_value_init(&v, ArgumentType(op, output));
            VipsNative.g_object_get_property(op, output, &v);
            var result = VipsNative.g_value_get_double(&v);
            VipsNative.g_value_unset(&v);
            return result;
        }
        finally
        {
            VipsNative.vips_object_unref_outputs(op);
            VipsNative.g_object_unref(op);
        }
    }

    private static IntPtr Build(string name, (string Key, object Value)[] args)
    {
        Vips.EnsureInitialized();
        var op = VipsNative.vips_operation_new(name);
        if (op == IntPtr.Zero)
        {
            throw Vips.Error($"unknown operation '{name}'");
        }

        try
        {
            foreach (var (key, value) in args)
            {
                Set(op, key, value);
            }

            var built = VipsNative.vips_cache_operation_build(op);
            if (built == IntPtr.Zero)
            {
                VipsNative.vips_object_unref_outputs(op);
                throw Vips.Error($"{name} failed");
            }

            return built;
        }
        finally
        {
            VipsNative.g_object_unref(op);
        }
    }

    private static nuint ArgumentType(IntPtr op, string key)
    {
        if (VipsNative.vips_object_get_argument(op, key, out var pspec, out _, out _) != 0)
        {
            VipsNative.vips_error_clear();
            throw new ArgumentException($"libvips operation has no argument '{key}'", nameof(key));
        }

        return *(nuint*)((byte*)pspec + VipsNative.ParamSpecValueTypeOffset);
    }

    private static void Set(IntPtr op, string key, object value)
    {
        var type = ArgumentType(op, key);
        var fundamental = VipsNative.g_type_fundamental(type);
        GValue v = default;
        VipsNative.g_value_init(&v, type);
        var toFree = IntPtr.Zero;
        try
        {
            switch (value)
            {
                case VipsImageHandle image:
                    VipsNative.g_value_set_object(&v, image.DangerousGetHandle());
                    break;
                case bool b:
                    VipsNative.g_value_set_boolean(&v, b ? 1 : 0);
                    break;
                case double d when fundamental == VipsNative.GTypeDouble:
                    VipsNative.g_value_set_double(&v, d);
                    break;
                case double[] array:
                    fixed (double* p = array)
                    {
                        VipsNative.vips_value_set_array_double(&v, p, array.Length);
                    }

                    break;
                case string s:
                    toFree = Marshal.StringToCoTaskMemUTF8(s);
                    VipsNative.g_value_set_string(&v, toFree);
                    break;
                case VipsBlob blob:
                    VipsNative.g_value_set_boxed(&v, blob.Area);
                    break;
                case Enum or int when fundamental == VipsNative.GTypeEnum:
                    VipsNative.g_value_set_enum(&v, Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case Enum or int when fundamental == VipsNative.GTypeFlags:
                    VipsNative.g_value_set_flags(&v, Convert.ToUInt32(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case int i when fundamental == VipsNative.GTypeDouble:
                    VipsNative.g_value_set_double(&v, i);
                    break;
                case int i:
                    VipsNative.g_value_set_int(&v, i);
                    break;
                default:
                    throw new ArgumentException($"cannot pass {value.GetType().Name} as libvips argument '{key}' ({Marshal.PtrToStringUTF8(VipsNative.g_type_name(type))})", nameof(value));
            }

            VipsNative.g_object_set_property(op, key, &v);
        }
        finally
        {
            VipsNative.g_value_unset(&v);
            if (toFree != IntPtr.Zero)
            {
                Marshal.FreeCoTaskMem(toFree);
            }
        }
    }

    private static IntPtr GetObject(IntPtr op, string key)
    {
        GValue v = default;
        VipsNative.g_value_init(&v, ArgumentType(op, key));
        VipsNative.g_object_get_property(op, key, &v);
        var obj = VipsNative.g_object_ref(VipsNative.g_value_get_object(&v));
        VipsNative.g_value_unset(&v);
        return obj;
    }
}

/// <summary>A libvips blob holding its own copy of some bytes (for loaders that read from memory).</summary>
internal sealed unsafe class VipsBlob : IDisposable
{
    public VipsBlob(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new ArgumentException("image buffer is empty", nameof(data));
        }

        fixed (byte* p = data)
        {
            Area = VipsNative.vips_blob_copy(p, (nuint)data.Length);
        }
    }

    public IntPtr Area { get; private set; }

    public void Dispose()
    {
        if (Area != IntPtr.Zero)
        {
            VipsNative.vips_area_unref(Area);
            Area = IntPtr.Zero;
        }
    }
}

/// <summary>A reference to a VipsImage (a GObject), released with g_object_unref.</summary>
internal sealed class VipsImageHandle : SafeHandle
{
    public VipsImageHandle(IntPtr image) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(image);

    public override bool IsInvalid => handle == IntPtr.Zero;

    public int Width => VipsNative.vips_image_get_width(handle);

    public int Height => VipsNative.vips_image_get_height(handle);

    public int Bands => VipsNative.vips_image_get_bands(handle);

    public VipsBandFormat Format => (VipsBandFormat)VipsNative.vips_image_get_format(handle);

    public VipsInterpretation Interpretation => (VipsInterpretation)VipsNative.vips_image_get_interpretation(handle);

    public int? GetInt(string field) =>
        VipsNative.vips_image_get_typeof(handle, field) != 0 && VipsNative.vips_image_get_int(handle, field, out var v) == 0 ? v : null;

    protected override bool ReleaseHandle()
    {
        VipsNative.g_object_unref(handle);
        return true;
    }
}
