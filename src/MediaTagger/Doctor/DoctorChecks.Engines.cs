using MediaTagger.Native;

namespace MediaTagger.Doctor;

internal static partial class DoctorChecks
{
    private const string LlamaPinned = "v0.5.0";
    private const string WhisperPinned = "1.9.1";

    private static string LlamaDetails(Dictionary<string, string> d)
    {
        NativeLibraries.Load("mt_llama");
        d["status"] = "library loads";
        return LlamaPinned;
    }

    private static string WhisperDetails(Dictionary<string, string> d)
    {
        NativeLibraries.Load("mt_whisper");
        d["variant"] = NativeLibraries.WhisperVariant;
        return WhisperPinned;
    }
}
