using System.Globalization;
using MediaTagger.Native;
using MediaTagger.Native.Llama;
using MediaTagger.Native.Whisper;

namespace MediaTagger.Doctor;

internal static partial class DoctorChecks
{
    private const string LlamaPinned = LlamaBackend.PinnedRelease;
    private const string WhisperPinned = WhisperModel.PinnedVersion;

    /// <summary>Loads llama.cpp's backends as the LLM stage would and reports the release, CPU variant and devices.</summary>
    private static string LlamaDetails(Dictionary<string, string> d)
    {
        LlamaBackend.Initialize();
        d["native version"] = LlamaBackend.NativeVersion;
        d["cpu variant"] = LlamaBackend.CpuVariant ?? "(none loaded)";
        d["backend libraries"] = string.Join(" ", LlamaBackend.LoadedBackendLibraries.Select(Path.GetFileName));
        d["devices"] = string.Join("; ", LlamaBackend.Devices.Select(dev =>
            string.Create(CultureInfo.InvariantCulture, $"{dev.Name} ({dev.Kind}, {dev.Description}, {dev.FreeMemoryBytes / 1048576} MiB free)")));
        d["gpu offload"] = LlamaBackend.SupportsGpuOffload ? "supported" : "not in this build (CPU-only libraries)";
        return LlamaBackend.BuildInfo?.Release ?? "unknown";
    }

    /// <summary>
    /// Loads whisper.cpp (the build chosen: CUDA when built and a GPU is usable, else this CPU's) and reports which build
    /// and why, its version and system info. The choice is listed before loading, so a failing CUDA load still says it.
    /// </summary>
    private static string WhisperDetails(Dictionary<string, string> d)
    {
        var library = NativeLibraries.WhisperLibrary;
        d["variant"] = library.Variant;
        d["variant reason"] = library.Problem ?? library.Reason;
        d["gpu"] = library.IsCuda
            ? "CUDA build: the device whisper.cpp uses is logged at each model load and recorded in the sidecar"
            : "not used: the CPU build runs (the variant reason says why)";
        var version = WhisperModel.Version;
        d["system info"] = WhisperModel.SystemInfo.Trim();
        return version;
    }
}
