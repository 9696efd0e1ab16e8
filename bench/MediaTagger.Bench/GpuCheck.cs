using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using MediaTagger.Native;
using MediaTagger.Native.Llama;
using MediaTagger.Native.Whisper;
using Microsoft.Extensions.Logging;

/// <summary>
/// bench/gpu-check.sh's check on a GPU machine: which whisper.cpp build loaded and why, the device whisper.cpp reported
/// for a model loaded with the GPU asked for (the binding on the WAV's samples, and the whisper stage itself where
/// ffmpeg is there to decode for it), and llama.cpp's devices. Exit 0 only when whisper.cpp ran on a device that is not
/// the CPU: a CPU run here is the failure this check exists to catch.
/// </summary>
internal static class GpuCheck
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string model, string wav, string output)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        var library = NativeLibraries.WhisperLibrary;
        Console.WriteLine($"whisper.cpp build: {library}");
        var report = new JsonObject
        {
            ["whisper"] = new JsonObject { ["variant"] = library.Variant, ["path"] = library.Path, ["reason"] = library.Problem ?? library.Reason },
        };
        var whisper = report["whisper"]!.AsObject();
        string device;
        try
        {
            using var loaded = WhisperModel.Load(model, new WhisperModelOptions { UseGpu = true }, loggers.CreateLogger<WhisperModel>());
            device = loaded.Device;
            whisper["systemInfo"] = WhisperModel.SystemInfo.Trim();
            var started = Stopwatch.GetTimestamp();
            var result = loaded.Transcribe(ReadPcm16Mono16k(wav), new WhisperTranscribeOptions { Language = "en" });
            whisper["transcribeMs"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);
            whisper["segments"] = result.Segments.Count;
        }
        catch (NativeEngineException ex)
        {
            device = "none";
            whisper["error"] = ex.Message;
            Console.WriteLine($"whisper.cpp failed: {ex.Message}");
        }

        whisper["device"] = device;
        Console.WriteLine($"whisper.cpp device (binding): {device}");
        whisper["stage"] = await StageAsync(wav, loggers).ConfigureAwait(false);

        var llama = new JsonObject();
        try
        {
            LlamaBackend.Initialize();
            llama["gpuOffload"] = LlamaBackend.SupportsGpuOffload;
            llama["devices"] = new JsonArray(LlamaBackend.Devices.Select(d => (JsonNode)new JsonObject
            {
                ["name"] = d.Name, ["kind"] = d.Kind.ToString(), ["description"] = d.Description, ["backend"] = d.Backend,
                ["freeMiB"] = d.FreeMemoryBytes / 1048576, ["totalMiB"] = d.TotalMemoryBytes / 1048576,
            }).ToArray());
            Console.WriteLine("llama.cpp devices (LlamaBackend.Devices): " + string.Join("; ", LlamaBackend.Devices.Select(d => $"{d.Name} ({d.Kind}, {d.Description})")));
        }
        catch (NativeEngineException ex)
        {
            llama["error"] = ex.Message;
            Console.WriteLine($"llama.cpp failed: {ex.Message}");
        }

        report["llama"] = llama;
        File.WriteAllText(output, report.ToJsonString(Indented));
        var stageDevice = whisper["stage"]?["device"]?.GetValue<string>();
        var onGpu = device is not ("cpu" or "none") && stageDevice is null or not ("cpu" or "none");
        Console.WriteLine(onGpu ? $"PASS: whisper.cpp ran on {device}" : $"FAIL: whisper.cpp ran on '{device}' (stage: '{stageDevice ?? "not run"}'), not on a GPU: {library.Problem ?? library.Reason}");
        return onGpu ? 0 : 1;
    }

    /// <summary>The whisper stage as a worker runs it (catalog model whisper-tiny.en-empty, ffmpeg decoding), or why it did not run.</summary>
    private static async Task<JsonObject> StageAsync(string wav, ILoggerFactory loggers)
    {
        var ffmpeg = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "ffmpeg")));
        if (!ffmpeg)
        {
            Console.WriteLine("whisper stage: not run (no ffmpeg on PATH to decode for it); the binding's device above is the check");
            return new JsonObject { ["skipped"] = "no ffmpeg on PATH" };
        }

        try
        {
            var stage = InProcessStages.Catalog(loggers).Create(new StageDefinition { Stage = "whisper", With = { ["model"] = "whisper-tiny.en-empty" } });
            using var disposable = stage as IDisposable;
            var outcome = (await stage.RunAsync([new StageInput(1, wav, MediaKind.Audio, "wav", new Dictionary<string, JsonObject>())], CancellationToken.None).ConfigureAwait(false)).Single();
            Console.WriteLine($"whisper stage: device {stage.Device}, {(outcome.Success ? "done" : "failed: " + outcome.Error)}");
            return new JsonObject { ["device"] = stage.Device, ["status"] = outcome.Success ? "done" : "failed", ["error"] = outcome.Error };
        }
        catch (Exception ex) when (ex is NativeEngineException or ModelNotInstalledException or ArgumentException or IOException)
        {
            Console.WriteLine($"whisper stage: could not run: {ex.Message}");
            return new JsonObject { ["device"] = "none", ["error"] = ex.Message };
        }
    }

    /// <summary>A 16 kHz mono PCM16 WAV (jfk.wav) as float samples, read without ffmpeg (GPU machines may lack it).</summary>
    private static float[] ReadPcm16Mono16k(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || !bytes.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !bytes.AsSpan(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException($"{path} is not a WAV file");
        }

        var (format, channels, rate, bits) = (0, 0, 0, 0);
        for (var at = 12; at + 8 <= bytes.Length;)
        {
            var id = bytes.AsSpan(at, 4);
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 4));
            var body = bytes.AsSpan(at + 8, Math.Min(size, bytes.Length - at - 8));
            if (id.SequenceEqual("fmt "u8))
            {
                (format, channels) = (BinaryPrimitives.ReadUInt16LittleEndian(body), BinaryPrimitives.ReadUInt16LittleEndian(body[2..]));
                (rate, bits) = ((int)BinaryPrimitives.ReadUInt32LittleEndian(body[4..]), BinaryPrimitives.ReadUInt16LittleEndian(body[14..]));
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format != 1 || channels != 1 || rate != WhisperModel.SampleRate || bits != 16)
                {
                    throw new InvalidDataException($"{path} is not 16 kHz mono PCM16 (format {format}, {channels} channel(s), {rate} Hz, {bits} bits)");
                }

                var samples = new float[body.Length / 2];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(body[(2 * i)..]) / 32768f;
                }

                return samples;
            }

            at += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path} has no data chunk");
    }
}
