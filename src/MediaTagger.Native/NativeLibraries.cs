using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace MediaTagger.Native;

/// <summary>
/// Resolves every native library the bindings import, from the native folder that eng/setup-native.sh fills
/// (or the system for libvips/GLib). One place decides where each engine comes from, so doctor can report it.
/// </summary>
public static class NativeLibraries
{
    // Names used in [DllImport]; mapped to real files below.
    internal const string OnnxRuntime = "mt_onnxruntime";
    internal const string Llama = "mt_llama";
    internal const string Ggml = "mt_ggml";
    internal const string Whisper = "mt_whisper";
    internal const string Vips = "mt_vips";
    internal const string GObject = "mt_gobject";
    internal const string GLib = "mt_glib";

    public const string SetupHint = "run eng/setup-native.sh (or ./test.sh, which runs it), or set MEDIATAGGER_NATIVE_DIR to a folder it filled";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, IntPtr> Loaded = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, string> LoadedFrom = new(StringComparer.Ordinal);
    private static int registered;
    private static string? nativeDirOverride;
    private static WhisperLibraryChoice? whisperChoice;

    [System.Runtime.CompilerServices.ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before any P/Invoke of this assembly runs.")]
    internal static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
        }
    }

    /// <summary>Overrides the native folder (tests, the model host). Must be called before the first native call.</summary>
    public static void UseNativeDirectory(string directory)
    {
        lock (Gate)
        {
            nativeDirOverride = Path.GetFullPath(directory);
            whisperChoice = null;
        }
    }

    /// <summary>
    /// The folder with onnxruntime/, llama/ and whisper/: MEDIATAGGER_NATIVE_DIR, else the nearest ".native"
    /// folder above the application (a repository checkout), else null.
    /// </summary>
    public static string? NativeDirectory
    {
        get
        {
            if (nativeDirOverride is not null)
            {
                return nativeDirOverride;
            }

            var env = Environment.GetEnvironmentVariable("MEDIATAGGER_NATIVE_DIR");
            if (!string.IsNullOrWhiteSpace(env))
            {
                return Path.GetFullPath(env);
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, ".native");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }

    /// <summary>whisper.cpp's CPU builds are per instruction set; this is the one this CPU can run.</summary>
    public static string WhisperCpuVariant => Avx2.IsSupported && Fma.IsSupported ? "avx2" : "sse42";

    /// <summary>The whisper.cpp build this process loads: cuda, or the CPU build (see <see cref="WhisperLibrary"/>).</summary>
    public static string WhisperVariant => WhisperLibrary.Variant;

    /// <summary>
    /// Which whisper.cpp build is (or will be) loaded, and why: decided once per process from the native folder, the
    /// MEDIATAGGER_WHISPER_VARIANT override and, when a CUDA build exists, the NVIDIA driver.
    /// </summary>
    public static WhisperLibraryChoice WhisperLibrary
    {
        get
        {
            lock (Gate)
            {
                return whisperChoice ??= WhisperLibraryChoice.Choose(NativeDirectory ?? "<no .native folder>",
                    Environment.GetEnvironmentVariable(WhisperLibraryChoice.VariantVariable), WhisperCpuVariant, CudaDriver.Probe);
            }
        }
    }

    public static string LlamaDirectory => Path.Combine(RequireNativeDirectory("llama.cpp"), "llama");

    /// <summary>The path a library name resolves to (without loading it), for doctor.</summary>
    public static string DescribeLocation(string engine) => engine switch
    {
        "onnxruntime" => CandidateFor(OnnxRuntime)[0],
        "llama.cpp" => CandidateFor(Llama)[0],
        "whisper.cpp" => CandidateFor(Whisper)[0],
        "libvips" => CandidateFor(Vips)[0],
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown engine"),
    };

    /// <summary>Where a library was actually loaded from (after first use), or null.</summary>
    public static string? LoadedPath(string importName)
    {
        lock (Gate)
        {
            return LoadedFrom.TryGetValue(importName, out var p) ? p : null;
        }
    }

    /// <summary>Loads the library now (or throws <see cref="NativeLibraryMissingException"/>).</summary>
    public static IntPtr Load(string importName)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(importName, out var handle))
            {
                return handle;
            }

            if (importName == Whisper && WhisperLibrary.Problem is { } problem)
            {
                throw new NativeLibraryMissingException("whisper.cpp", problem);
            }

            var candidates = CandidateFor(importName);
            var errors = new List<string>();
            foreach (var candidate in candidates)
            {
                var isPath = candidate.Contains('/', StringComparison.Ordinal);
                if (isPath && !File.Exists(candidate))
                {
                    errors.Add($"{candidate}: not found");
                    continue;
                }

                try
                {
                    handle = NativeLibrary.Load(candidate);
                    Loaded[importName] = handle;
                    LoadedFrom[importName] = candidate;
                    return handle;
                }
                catch (DllNotFoundException ex)
                {
                    errors.Add($"{candidate}: {ex.Message}");
                }
            }

            throw new NativeLibraryMissingException(EngineOf(importName), $"cannot load {importName} ({string.Join("; ", errors)}). {HintFor(importName)}");
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName.StartsWith("mt_", StringComparison.Ordinal) ? Load(libraryName) : IntPtr.Zero;

    private static string[] CandidateFor(string importName)
    {
        string Native(params string[] parts) => Path.Combine([NativeDirectory ?? "<no .native folder>", .. parts]);
        return importName switch
        {
            OnnxRuntime => [Native("onnxruntime", "libonnxruntime.so.1")],
            Llama => [Native("llama", "libllama.v0.5.0.so")],
            Ggml => [Native("llama", "libggml.v0.5.0.so")],
            Whisper => [WhisperLibrary.Path],
            Vips => ["libvips.so.42"],
            GObject => ["libgobject-2.0.so.0"],
            GLib => ["libglib-2.0.so.0"],
            _ => throw new ArgumentOutOfRangeException(nameof(importName), importName, "unknown native library"),
        };
    }

    private static string EngineOf(string importName) => importName switch
    {
        OnnxRuntime => "onnxruntime",
        Llama or Ggml => "llama.cpp",
        Whisper => "whisper.cpp",
        _ => "libvips",
    };

    private static string HintFor(string importName) => importName switch
    {
        Vips or GObject or GLib => "Install libvips: apt-get install --no-install-recommends libvips42 (as root), or " + SetupHint,
        Whisper when WhisperLibrary.IsCuda =>
            $"The CUDA build of whisper.cpp was chosen ({WhisperLibrary.Reason}). It needs the NVIDIA driver and the CUDA runtime " +
            $"libraries it was built with (libcudart, libcublas; found through its run path or LD_LIBRARY_PATH): {WhisperLibraryChoice.CudaBuildHint}. " +
            $"To run on the CPU instead, set {WhisperLibraryChoice.VariantVariable}=cpu.",
        Whisper when WhisperVariant == "sse42" =>
            "This CPU lacks AVX2/FMA, so the SSE4.2 build of whisper.cpp is needed: " + SetupHint,
        _ => SetupHint,
    };

    private static string RequireNativeDirectory(string engine) =>
        NativeDirectory ?? throw new NativeLibraryMissingException(engine, $"no native folder found. {SetupHint}");
}
