namespace MediaTagger.Native;

/// <summary>
/// Which whisper.cpp build this process loads and why: the CUDA build (whisper/cuda) when it exists and a CUDA GPU
/// can be used, else the CPU build for this CPU (avx2 or sse42), or the one MEDIATAGGER_WHISPER_VARIANT names. Decided
/// once, before the first whisper call; the model load logs it and `doctor` shows it, so a CPU run is never a
/// silent fallback.
/// </summary>
/// <param name="Variant">cuda, avx2 or sse42.</param>
/// <param name="Path">The libwhisper.so it loads.</param>
/// <param name="Reason">Why this one, in the user's words.</param>
/// <param name="Problem">Set when no build can be chosen (an unknown MEDIATAGGER_WHISPER_VARIANT): loading fails with it.</param>
public sealed record WhisperLibraryChoice(string Variant, string Path, string Reason, string? Problem = null)
{
    public const string CudaVariant = "cuda";

    /// <summary>The environment variable that forces a variant: cuda, avx2, sse42, or cpu (this CPU's build).</summary>
    public const string VariantVariable = "MEDIATAGGER_WHISPER_VARIANT";

    public const string CudaBuildHint = "MEDIATAGGER_WHISPER_CUDA=1 eng/setup-native.sh builds it (needs nvcc)";

    public bool IsCuda => Variant == CudaVariant;

    public override string ToString() => $"{Variant} ({Path}): {Reason}";

    /// <summary>
    /// The choice for a native folder: <paramref name="requested"/> is MEDIATAGGER_WHISPER_VARIANT (null, empty or
    /// "auto" to decide here), <paramref name="cpuVariant"/> the CPU build this CPU runs, and <paramref name="probeGpu"/>
    /// is asked only when a CUDA build is there to use.
    /// </summary>
    public static WhisperLibraryChoice Choose(string nativeDirectory, string? requested, string cpuVariant, Func<(bool Usable, string Detail)> probeGpu)
    {
        ArgumentNullException.ThrowIfNull(probeGpu);
        string PathOf(string variant) => System.IO.Path.Combine(nativeDirectory, "whisper", variant, "libwhisper.so");
        var asked = requested?.Trim().ToLowerInvariant();
        switch (asked)
        {
            case null or "" or "auto":
                break;
            case "cpu":
                return new WhisperLibraryChoice(cpuVariant, PathOf(cpuVariant), $"{VariantVariable}=cpu asks for the CPU build ({CpuDescription(cpuVariant)})");
            case CudaVariant or "avx2" or "sse42":
                return new WhisperLibraryChoice(asked, PathOf(asked), $"{VariantVariable}={asked} asks for it");
            default:
                return new WhisperLibraryChoice(cpuVariant, PathOf(cpuVariant), "",
                    $"{VariantVariable}='{requested}' is not a whisper.cpp build: use cuda, avx2, sse42, cpu or auto");
        }

        var cuda = PathOf(CudaVariant);
        if (!File.Exists(cuda))
        {
            return new WhisperLibraryChoice(cpuVariant, PathOf(cpuVariant),
                $"CPU build ({CpuDescription(cpuVariant)}): there is no CUDA build ({cuda}; {CudaBuildHint})");
        }

        var (usable, detail) = probeGpu();
        return usable
            ? new WhisperLibraryChoice(CudaVariant, cuda, $"the CUDA build is present and {detail}")
            : new WhisperLibraryChoice(cpuVariant, PathOf(cpuVariant),
                $"CPU build ({CpuDescription(cpuVariant)}): the CUDA build is present but no CUDA GPU can be used ({detail})");
    }

    private static string CpuDescription(string cpuVariant) =>
        cpuVariant == "avx2" ? "avx2, for AVX2/FMA/F16C CPUs" : "sse42, for CPUs without AVX2/FMA";
}
