using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Native.Llama;

/// <summary>
/// Process-wide llama.cpp set-up: loads the ggml backends from the llama folder, initializes llama, routes native
/// logging to an <see cref="ILogger"/>, and reports what was loaded (release, CPU variant, devices) for doctor.
/// </summary>
public static class LlamaBackend
{
    /// <summary>The llama.cpp release whose llama.h the struct layouts mirror (see .native/llama/_nlcBuildMetadata.json).</summary>
    public const string PinnedRelease = "v0.5.0";

    private const string BuildMetadataFile = "_nlcBuildMetadata.json";

    // ggml_log_level
    private const int GgmlLogDebug = 1;
    private const int GgmlLogInfo = 2;
    private const int GgmlLogWarn = 3;
    private const int GgmlLogError = 4;
    private const int GgmlLogCont = 5;

    private static readonly Lock Gate = new();
    private static volatile bool initialized;
    private static ILogger logger = NullLogger.Instance;
    private static string? nativeVersion;

    [ThreadStatic] private static StringBuilder? pendingLine;
    [ThreadStatic] private static int pendingLevel;
    [ThreadStatic] private static List<string>? capturedErrors;

    internal static ILogger Logger => Volatile.Read(ref logger);

    /// <summary>
    /// Loads and initializes llama.cpp once; later calls only attach <paramref name="log"/> when one is given.
    /// Throws <see cref="NativeLibraryMissingException"/> when the libraries are missing and
    /// <see cref="NativeEngineException"/> when they are not the pinned release or lack an expected export.
    /// </summary>
    public static void Initialize(ILogger? log = null)
    {
        if (log is not null)
        {
            Volatile.Write(ref logger, log);
        }

        if (initialized)
        {
            return;
        }

        lock (Gate)
        {
            if (initialized)
            {
                return;
            }

            InitializeCore();
            initialized = true;
        }
    }

    /// <summary>The pinned release's version string as the loaded library reports it (llama_version), e.g. "0.5.0-dev".</summary>
    public static string NativeVersion
    {
        get
        {
            Initialize();
            return nativeVersion!;
        }
    }

    /// <summary>llama_print_system_info: the instruction sets the loaded CPU backend was built for and uses.</summary>
    public static unsafe string SystemInfo
    {
        get
        {
            Initialize();
            return LlamaNative.ReadString(LlamaNative.llama_print_system_info())?.Trim() ?? "";
        }
    }

    /// <summary>Whether the loaded backends can offload layers to a GPU (false for CPU-only builds).</summary>
    public static bool SupportsGpuOffload
    {
        get
        {
            Initialize();
            return LlamaNative.llama_supports_gpu_offload();
        }
    }

    /// <summary>Every device the loaded ggml backends registered.</summary>
    public static IReadOnlyList<LlamaDevice> Devices
    {
        get
        {
            Initialize();
            return ReadDevices();
        }
    }

    /// <summary>The ggml backend libraries the loader picked from the llama folder (e.g. .../libggml-cpu-haswell.so).</summary>
    public static IReadOnlyList<string> LoadedBackendLibraries
    {
        get
        {
            Initialize();
            return FindLoadedBackendLibraries();
        }
    }

    /// <summary>
    /// Which CPU build ggml chose for this machine ("haswell", "zen4", "sse42", ...), from the loaded
    /// libggml-cpu-*.so; null when it cannot be told (not Linux, or a statically linked CPU backend).
    /// </summary>
    public static string? CpuVariant
    {
        get
        {
            const string prefix = "libggml-cpu-";
            var lib = LoadedBackendLibraries.Select(Path.GetFileName)
                .FirstOrDefault(n => n!.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".so", StringComparison.Ordinal));
            return lib?[prefix.Length..^".so".Length];
        }
    }

    /// <summary>The build metadata shipped with the native libraries (release tag, GPU flavour); null when the file is absent.</summary>
    public static LlamaBuildInfo? BuildInfo => ReadBuildInfo(Path.Combine(NativeLibraries.LlamaDirectory, BuildMetadataFile));

    /// <summary>Imports of <see cref="LlamaNative"/> that the loaded libraries do not export (empty when all resolve).</summary>
    internal static IReadOnlyList<string> FindMissingExports()
    {
        var missing = new List<string>();
        foreach (var method in typeof(LlamaNative).GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        {
            var import = method.GetCustomAttribute<DllImportAttribute>();
            if (import is null)
            {
                continue;
            }

            var library = NativeLibraries.Load(import.Value);
            var entry = import.EntryPoint ?? method.Name;
            if (!NativeLibrary.TryGetExport(library, entry, out _))
            {
                missing.Add($"{entry} (in {NativeLibraries.LoadedPath(import.Value) ?? import.Value})");
            }
        }

        return missing;
    }

    internal static LlamaBuildInfo? ReadBuildInfo(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var doc = ParseBuildMetadata(path);
        var options = doc.RootElement.TryGetProperty("buildOptions", out var o) ? o : default;
        string? Text(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v)
                ? v.ValueKind switch
                {
                    JsonValueKind.String => v.GetString(),
                    JsonValueKind.False => null,
                    JsonValueKind.Null => null,
                    _ => v.GetRawText(),
                }
                : null;
        var llama = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("llamaCpp", out var l) ? l : default;
        return new LlamaBuildInfo(Text(llama, "release"), Text(llama, "repo"), Text(options, "gpu"), Text(options, "platform"), Text(options, "arch"), path);
    }

    private static JsonDocument ParseBuildMetadata(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new NativeEngineException("llama.cpp", $"build metadata {path} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static unsafe void InitializeCore()
    {
        // Load both libraries up front so a missing file is reported with the setup hint, not as an EntryPointNotFound.
        NativeLibraries.Load(NativeLibraries.Llama);
        NativeLibraries.Load(NativeLibraries.Ggml);

        var missing = FindMissingExports();
        if (missing.Count > 0)
        {
            throw new NativeEngineException("llama.cpp",
                $"the loaded libraries lack {missing.Count} function(s) this binding needs ({string.Join(", ", missing)}); they are not release {PinnedRelease}. {NativeLibraries.SetupHint}");
        }

        var directory = NativeLibraries.LlamaDirectory;
        var metadataPath = Path.Combine(directory, BuildMetadataFile);
        var build = ReadBuildInfo(metadataPath);
        if (build is null)
        {
            LlamaLog.BuildMetadataMissing(Logger, metadataPath, PinnedRelease);
        }
        else if (!string.Equals(build.Release, PinnedRelease, StringComparison.Ordinal))
        {
            // The struct layouts are only valid for the pinned release; a different one would corrupt memory.
            throw new NativeEngineException("llama.cpp",
                $"{directory} holds release {build.Release ?? "(unknown)"} but this binding mirrors {PinnedRelease}. {NativeLibraries.SetupHint}");
        }

        var version = LlamaNative.ReadString(LlamaNative.llama_version()) ?? "";
        if (!version.StartsWith(PinnedRelease[1..], StringComparison.Ordinal))
        {
            throw new NativeEngineException("llama.cpp",
                $"the loaded libllama reports version '{version}', expected {PinnedRelease}. {NativeLibraries.SetupHint}");
        }

        nativeVersion = version;

        // A static UnmanagedCallersOnly function has no delegate the GC could collect while native code holds it.
        LlamaNative.llama_log_set(&OnNativeLog, IntPtr.Zero);

        // The no-argument form would search beside the dotnet executable, not our native folder.
        LlamaNative.ggml_backend_load_all_from_path(directory);
        LlamaNative.llama_backend_init();

        var devices = ReadDevices();
        if (!devices.Any(d => d.Kind == LlamaDeviceKind.Cpu))
        {
            throw new NativeEngineException("llama.cpp",
                $"no CPU backend could be loaded from {directory} (none of its libggml-cpu-*.so variants runs on this CPU, or they are missing). {NativeLibraries.SetupHint}");
        }

        var log = Logger;
        if (log.IsEnabled(LogLevel.Information))
        {
            var cpuVariant = FindLoadedBackendLibraries().Select(Path.GetFileName).FirstOrDefault(n => n!.StartsWith("libggml-cpu-", StringComparison.Ordinal)) ?? "unknown";
            var deviceList = string.Join(", ", devices.Select(d => d.ToString()));
            var gpuOffload = LlamaNative.llama_supports_gpu_offload();
            LlamaLog.BackendInitialized(log, build?.Release ?? PinnedRelease, version, directory, cpuVariant, deviceList, gpuOffload);
        }
    }

    private static unsafe List<LlamaDevice> ReadDevices()
    {
        var count = (int)LlamaNative.ggml_backend_dev_count();
        var devices = new List<LlamaDevice>(count);
        for (var i = 0; i < count; i++)
        {
            var dev = LlamaNative.ggml_backend_dev_get((nuint)i);
            LlamaNative.ggml_backend_dev_memory(dev, out var free, out var total);
            var kind = LlamaNative.ggml_backend_dev_type(dev) switch
            {
                0 => LlamaDeviceKind.Cpu,
                1 => LlamaDeviceKind.Gpu,
                2 => LlamaDeviceKind.IntegratedGpu,
                3 => LlamaDeviceKind.Accelerator,
                4 => LlamaDeviceKind.Meta,
                _ => LlamaDeviceKind.Unknown,
            };
            var reg = LlamaNative.ggml_backend_dev_backend_reg(dev);
            devices.Add(new LlamaDevice(
                LlamaNative.ReadString(LlamaNative.ggml_backend_dev_name(dev)) ?? "",
                LlamaNative.ReadString(LlamaNative.ggml_backend_dev_description(dev)) ?? "",
                kind,
                reg == IntPtr.Zero ? "" : LlamaNative.ReadString(LlamaNative.ggml_backend_reg_name(reg)) ?? "",
                (ulong)free,
                (ulong)total));
        }

        return devices;
    }

    // The backend loader dlopens the variant it scored best; the process map is the ground truth of which one.
    private static List<string> FindLoadedBackendLibraries()
    {
        var found = new List<string>();
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/maps"))
        {
            return found;
        }

        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..];
            var name = Path.GetFileName(path);
            if (name.StartsWith("libggml-", StringComparison.Ordinal) && name.EndsWith(".so", StringComparison.Ordinal)
                && name != "libggml-base.so" && !found.Contains(path))
            {
                found.Add(path);
            }
        }

        return found;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void OnNativeLog(int level, byte* text, IntPtr userData)
    {
        // An exception must never unwind into native code.
        try
        {
            var piece = LlamaNative.ReadString(text);
            if (string.IsNullOrEmpty(piece))
            {
                return;
            }

            // ggml sends some lines in pieces (GGML_LOG_LEVEL_CONT); assemble them per thread up to the newline.
            var line = pendingLine ??= new StringBuilder();
            if (level != GgmlLogCont)
            {
                if (line.Length > 0)
                {
                    Emit(pendingLevel, line);
                }

                pendingLevel = level;
            }

            line.Append(piece);
            if (piece.EndsWith('\n'))
            {
                Emit(pendingLevel, line);
            }
        }
        catch
        {
            // Logging is best effort.
        }
    }

    private static void Emit(int level, StringBuilder line)
    {
        var message = line.ToString().TrimEnd('\r', '\n');
        line.Clear();
        if (message.Length == 0)
        {
            return;
        }

        if (level == GgmlLogError)
        {
            capturedErrors?.Add(message);
        }

        // llama.cpp logs every GGUF key and tensor at INFO; that is debugging detail for a worker's log.
        var mapped = level switch
        {
            GgmlLogDebug => LogLevel.Trace,
            GgmlLogInfo => LogLevel.Debug,
            GgmlLogWarn => LogLevel.Warning,
            GgmlLogError => LogLevel.Error,
            _ => LogLevel.Debug,
        };
        var log = Logger;
        if (log.IsEnabled(mapped))
        {
            LlamaLog.Native(log, mapped, message);
        }
    }

    /// <summary>
    /// Collects the errors llama.cpp logs on this thread while a native call runs, so an exception can carry
    /// llama's own reason (e.g. "failed to read magic") instead of just "returned NULL".
    /// </summary>
    internal sealed class ErrorCapture : IDisposable
    {
        private readonly List<string>? previous;
        private readonly List<string> errors = [];

        private ErrorCapture()
        {
            previous = capturedErrors;
            capturedErrors = errors;
        }

        public static ErrorCapture Begin() => new();

        public IReadOnlyList<string> Errors => errors;

        /// <summary>The captured errors joined, or <paramref name="fallback"/> when llama logged none.</summary>
        public string Describe(string fallback) => errors.Count == 0 ? fallback : string.Join("; ", errors);

        public void Dispose() => capturedErrors = previous;
    }
}

/// <summary>What kind of device a ggml backend exposes.</summary>
public enum LlamaDeviceKind
{
    Cpu,
    Gpu,
    IntegratedGpu,
    Accelerator,
    Meta,
    Unknown,
}

/// <summary>A device registered by a loaded ggml backend (for doctor and for choosing GPU offload).</summary>
/// <param name="Name">ggml device name, e.g. "CPU" or "CUDA0".</param>
/// <param name="Description">e.g. the CPU model or GPU name.</param>
/// <param name="Backend">Name of the backend registry that owns it, e.g. "CPU", "CUDA".</param>
public sealed record LlamaDevice(string Name, string Description, LlamaDeviceKind Kind, string Backend, ulong FreeMemoryBytes, ulong TotalMemoryBytes)
{
    public override string ToString() =>
        $"{Name} [{Kind}, {Backend}] {Description} ({FreeMemoryBytes / (1024 * 1024)} MiB free of {TotalMemoryBytes / (1024 * 1024)} MiB)";
}

/// <summary>The contents of _nlcBuildMetadata.json next to the llama libraries.</summary>
/// <param name="Release">The llama.cpp release tag the libraries were built from, e.g. "v0.5.0".</param>
/// <param name="Gpu">The GPU flavour of the build ("cuda", "vulkan"), null for CPU-only builds.</param>
public sealed record LlamaBuildInfo(string? Release, string? Repository, string? Gpu, string? Platform, string? Arch, string MetadataPath);
