using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using MediaTagger.Core;
using MediaTagger.Core.Models;
using MediaTagger.Native;
using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

namespace MediaTagger.Doctor;

/// <summary>
/// Probes each engine in isolation: a missing or broken one is reported with the fix and never stops the
/// others from being checked.
/// </summary>
internal static partial class DoctorChecks
{
    public static DoctorReport Run()
    {
        var engines = new List<EngineReport>
        {
            Probe("onnxruntime", OnnxEnvironment.PinnedVersion, "onnxruntime", OnnxRuntimeDetails),
            Probe("llama.cpp", LlamaPinned, "llama.cpp", LlamaDetails),
            Probe("whisper.cpp", WhisperPinned, "whisper.cpp", WhisperDetails),
            Probe("libvips", Vips.PinnedVersion, "libvips", VipsDetails),
            Ffmpeg(),
        };
        var (gpus, note) = Gpus();
        return new DoctorReport(engines, Cpu(), gpus, note, Models());
    }

    private static EngineReport Probe(string name, string pinned, string engine, Func<Dictionary<string, string>, string> details)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        string? path = null;
        try
        {
            path = NativeLibraries.DescribeLocation(engine);
            var version = details(d);
            var ok = version.StartsWith(pinned, StringComparison.Ordinal);
            return new EngineReport(name, pinned, version, path, ok, d,
                ok ? null : $"version {version} found but {pinned} is pinned: {NativeLibraries.SetupHint}");
        }
        catch (Exception ex) when (ex is NativeEngineException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return new EngineReport(name, pinned, null, path, false, d, ex.Message);
        }
    }

    private static string OnnxRuntimeDetails(Dictionary<string, string> d)
    {
        OnnxEnvironment.Initialize();
        var available = OnnxEnvironment.AvailableProviders;
        d["providers available"] = string.Join(", ", available);
        var usable = new List<string>();
        foreach (var provider in available)
        {
            var shortName = provider.Replace("ExecutionProvider", "", StringComparison.Ordinal).ToLowerInvariant();
            var reason = OnnxProviderProbe.Check(shortName);
            if (reason is null)
            {
                usable.Add(shortName);
            }
            else
            {
                d[$"provider {shortName}"] = "not usable: " + reason;
            }
        }

        d["providers usable"] = string.Join(", ", usable);
        d["build"] = OnnxEnvironment.BuildInfo;
        return OnnxEnvironment.Version;
    }

    private static string VipsDetails(Dictionary<string, string> d)
    {
        var version = Vips.Version;
        d["loaders (suffixes)"] = string.Join(" ", Vips.Suffixes);
        d["threads"] = Vips.Concurrency.ToString(CultureInfo.InvariantCulture);
        return version;
    }

    private static EngineReport Ffmpeg()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var version = RunTool("ffmpeg", "-hide_banner", "-version").Split('\n')[0].Trim();
            var probe = RunTool("ffprobe", "-hide_banner", "-version").Split('\n')[0].Trim();
            d["ffprobe"] = probe;
            var demuxers = RunTool("ffmpeg", "-hide_banner", "-demuxers");
            var decoders = RunTool("ffmpeg", "-hide_banner", "-decoders");
            string Has(string list, params string[] names) =>
                string.Join(" ", names.Select(n => list.Contains($" {n} ", StringComparison.Ordinal) ? n : $"!{n}"));
            d["demuxers"] = Has(demuxers, "wav", "mp3", "flac", "ogg", "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "aac");
            d["decoders"] = Has(decoders, "pcm_s16le", "mp3", "flac", "vorbis", "opus", "aac", "h264", "hevc", "vp9", "av1");
            var parts = version.Split(' ');
            var number = parts.Length > 2 ? parts[2] : version;
            var ok = number.StartsWith("5.1", StringComparison.Ordinal);
            return new EngineReport("ffmpeg", "5.1", number, Which("ffmpeg"), ok, d, ok ? null : $"ffmpeg {number} found; Debian 12's 5.1 is what is tested");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or TimeoutException)
        {
            return new EngineReport("ffmpeg", "5.1", null, null, false, d,
                $"ffmpeg/ffprobe not usable ({ex.Message}): apt-get install --no-install-recommends ffmpeg (eng/setup-native.sh does it)");
        }
    }

    private static CpuReport Cpu()
    {
        var model = "unknown";
        if (File.Exists("/proc/cpuinfo"))
        {
            model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? model;
        }

        var features = new List<string>();
        void Add(bool supported, string name)
        {
            if (supported)
            {
                features.Add(name);
            }
        }

        Add(Sse42.IsSupported, "sse4.2");
        Add(Avx.IsSupported, "avx");
        Add(Avx2.IsSupported, "avx2");
        Add(Fma.IsSupported, "fma");
        Add(Bmi2.IsSupported, "bmi2");
        Add(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "avx512f");
        Add(AvxVnni.IsSupported, "avx-vnni");
        return new CpuReport(model, Environment.ProcessorCount, features);
    }

    private static (IReadOnlyList<GpuReport>, string) Gpus()
    {
        if (Which("nvidia-smi") is null)
        {
            return ([], "no NVIDIA GPU tooling (nvidia-smi not found): models run on the CPU");
        }

        try
        {
            var csv = RunTool("nvidia-smi", "--query-gpu=name,memory.total,memory.free,driver_version", "--format=csv,noheader,nounits");
            var gpus = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(',').Select(p => p.Trim()).ToArray())
                .Where(p => p.Length >= 4)
                .Select(p => new GpuReport(p[0], long.Parse(p[1], CultureInfo.InvariantCulture), long.Parse(p[2], CultureInfo.InvariantCulture), p[3]))
                .ToArray();
            return (gpus, gpus.Length == 0 ? "nvidia-smi found no GPU" : $"{gpus.Length} NVIDIA GPU(s)");
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or TimeoutException)
        {
            return ([], $"nvidia-smi failed: {ex.Message}");
        }
    }

    private static ModelsReport Models()
    {
        var store = new ModelStore(ProductPaths.ModelDirectory, ProductPaths.ModelMirror);
        var presence = new List<ModelPresence>();
        if (File.Exists(ProductPaths.CatalogPath))
        {
            foreach (var model in ModelCatalog.Load(ProductPaths.CatalogPath).Models)
            {
                var resolved = model.Files.Select(f => store.Resolve(model, f)).ToArray();
                var missing = resolved.FirstOrDefault(r => !r.Found);
                presence.Add(new ModelPresence(model.Id, model.Family, model.TestOnly,
                    missing is null ? string.Join("+", resolved.Select(r => r.Source).Distinct()) : "missing", missing?.Problem));
            }
        }

        return new ModelsReport(store.ModelDirectory, store.MirrorDirectory, presence);
    }

    internal static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool))
            .FirstOrDefault(File.Exists);

    private static string RunTool(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(15_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} did not answer in 15 s");
        }

        return process.ExitCode == 0 ? stdout.Result : throw new InvalidOperationException($"{tool} exited {process.ExitCode}: {stderr.Result.Trim()}");
    }
}
