using System.Runtime.InteropServices;

namespace MediaTagger.Native.Vips;

/// <summary>GLib's GValue: a type tag and two 8-byte data words (24 bytes on 64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GValue
{
    public nuint GType;
    public long Data0;
    public long Data1;
}

/// <summary>
/// Raw libvips/GObject imports. Only non-variadic functions are bound: operations are called through the
/// operation API (vips_operation_new + GValue properties), which passes doubles correctly, unlike calling the
/// variadic convenience functions from .NET.
/// </summary>
internal static unsafe class VipsNative
{
    public const nuint GTypeBoolean = 5 << 2;
    public const nuint GTypeInt = 6 << 2;
    public const nuint GTypeEnum = 12 << 2;
    public const nuint GTypeFlags = 13 << 2;
    public const nuint GTypeDouble = 15 << 2;
    public const nuint GTypeString = 16 << 2;
    public const nuint GTypeBoxed = 18 << 2;
    public const nuint GTypeObject = 20 << 2;

    /// <summary>Offset of value_type inside GParamSpec (GTypeInstance*, name*, flags+pad).</summary>
    public const int ParamSpecValueTypeOffset = 24;

    [DllImport(NativeLibraries.Vips)] public static extern int vips_init(string argv0);
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_version_string();
    [DllImport(NativeLibraries.Vips)] public static extern int vips_version(int flag);
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_error_buffer();
    [DllImport(NativeLibraries.Vips)] public static extern void vips_error_clear();
    [DllImport(NativeLibraries.Vips)] public static extern void vips_cache_set_max(int max);
    [DllImport(NativeLibraries.Vips)] public static extern void vips_cache_set_max_mem(nuint max);
    [DllImport(NativeLibraries.Vips)] public static extern void vips_concurrency_set(int concurrency);
    [DllImport(NativeLibraries.Vips)] public static extern int vips_concurrency_get();
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_operation_new(string name);
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_cache_operation_build(IntPtr operation);
    [DllImport(NativeLibraries.Vips)] public static extern void vips_object_unref_outputs(IntPtr operation);
    [DllImport(NativeLibraries.Vips)] public static extern int vips_object_get_argument(IntPtr obj, string name, out IntPtr pspec, out IntPtr argumentClass, out IntPtr argumentInstance);
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_foreign_find_load(string filename);
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_foreign_find_load_buffer(byte* data, nuint size);
    [DllImport(NativeLibraries.Vips)] public static extern int vips_image_get_width(IntPtr image);
    [DllImport(NativeLibraries.Vips)] public static extern int vips_image_get_height(IntPtr image);
    [DllImport(NativeLibraries.Vips)] public static extern int vips_image_get_bands(IntPtr image);
    [DllImport(NativeLibraries.Vips)] public static extern int vips_image_get_format(IntPtr image);
    [DllImport(NativeLibraries.Vips)] public static extern int vips_image_get_interpretation(IntPtr image);
    [DllImport(NativeLibraries.Vips)] public static extern nuint vips_image_get_typeof(IntPtr image, string name);
    [DllImport(NativeLibraries.Vips)] public static extern int vips_image_get_int(IntPtr image, string name, out int value);
    [DllImport(NativeLibraries.Vips)] public static extern int vips_image_get_n_pages(IntPtr image);
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_image_write_to_memory(IntPtr image, out nuint size);
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_blob_copy(byte* data, nuint length);
    [DllImport(NativeLibraries.Vips)] public static extern void vips_area_unref(IntPtr area);
    [DllImport(NativeLibraries.Vips)] public static extern void vips_value_set_array_double(GValue* value, double* array, int n);
    [DllImport(NativeLibraries.Vips)] public static extern nuint vips_array_double_get_type();
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_foreign_get_suffixes();
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_foreign_find_save(string filename);
    [DllImport(NativeLibraries.Vips)] public static extern IntPtr vips_image_new_from_memory_copy(byte* data, nuint size, int width, int height, int bands, int format);
    [DllImport(NativeLibraries.Vips)] public static extern void vips_image_set_int(IntPtr image, string name, int value);

    [DllImport(NativeLibraries.GObject)] public static extern void g_object_unref(IntPtr obj);
    [DllImport(NativeLibraries.GObject)] public static extern IntPtr g_object_ref(IntPtr obj);
    [DllImport(NativeLibraries.GObject)] public static extern void g_object_set_property(IntPtr obj, string name, GValue* value);
    [DllImport(NativeLibraries.GObject)] public static extern void g_object_get_property(IntPtr obj, string name, GValue* value);
    [DllImport(NativeLibraries.GObject)] public static extern GValue* g_value_init(GValue* value, nuint type);
    [DllImport(NativeLibraries.GObject)] public static extern void g_value_unset(GValue* value);
    [DllImport(NativeLibraries.GObject)] public static extern void g_value_set_int(GValue* value, int v);
    [DllImport(NativeLibraries.GObject)] public static extern void g_value_set_boolean(GValue* value, int v);
    [DllImport(NativeLibraries.GObject)] public static extern void g_value_set_enum(GValue* value, int v);
    [DllImport(NativeLibraries.GObject)] public static extern void g_value_set_flags(GValue* value, uint v);
    [DllImport(NativeLibraries.GObject)] public static extern void g_value_set_double(GValue* value, double v);
    [DllImport(NativeLibraries.GObject)] public static extern void g_value_set_string(GValue* value, IntPtr utf8);
    [DllImport(NativeLibraries.GObject)] public static extern void g_value_set_object(GValue* value, IntPtr obj);
    [DllImport(NativeLibraries.GObject)] public static extern void g_value_set_boxed(GValue* value, IntPtr boxed);
    [DllImport(NativeLibraries.GObject)] public static extern IntPtr g_value_get_object(GValue* value);
    [DllImport(NativeLibraries.GObject)] public static extern int g_value_get_int(GValue* value);
    [DllImport(NativeLibraries.GObject)] public static extern int g_value_get_enum(GValue* value);
    [DllImport(NativeLibraries.GObject)] public static extern double g_value_get_double(GValue* value);
    [DllImport(NativeLibraries.GObject)] public static extern nuint g_type_fundamental(nuint type);
    [DllImport(NativeLibraries.GObject)] public static extern IntPtr g_type_name(nuint type);

    [DllImport(NativeLibraries.GLib)] public static extern void g_free(IntPtr mem);
}
