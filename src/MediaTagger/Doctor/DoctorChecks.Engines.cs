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

    /// <summary>Loads whisper.cpp (the ISA build chosen for this CPU) and reports its version and system info.</summary>
    private static string WhisperDetails(Dictionary<string, string> d)
    {
        d["variant"] = NativeLibraries.WhisperVariant + (NativeLibraries.WhisperVariant == "avx2" ? " (AVX2/FMA/F16C build)" : " (SSE4.2 build for CPUs without AVX2)");
        var version = WhisperModel.Version;
        d["system info"] = WhisperModel.SystemInfo.Trim();
        d["gpu"] = "not in this build (CPU-only)";
        return version;
    }
}
