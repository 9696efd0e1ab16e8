using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using MediaTagger.Media.Images;
using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

// The bench command: engine timings on this machine, written as JSON for bench/run.sh to report.
//   prepare IMAGE OUT.bin                     preprocessed 1x3x224x224 tensor (the same input for every runtime)
//   ort MODEL INPUT.bin BATCH ITERS THREADS OUT.json
//   vips IMAGE ITERS OUT.json                  thumbnail of a 4000x3000 JPEG made from IMAGE to 224x224
//   ffmpeg AUDIO ITERS OUT.json                decode to 16 kHz mono float32
//   ingest IMAGE COUNT OUT.json                the worker over COUNT small files dropped at once
//   scheduler IMAGES_DIR COUNT OUT.json BUDGET `tag` through three model stages vs naive and standalone runs, and its
//                                              process tree's peak RSS (BUDGET: auto, or MiB for the budgeted run)
//   whisper MODEL WAV THREADS OUT.json         our binding: load, then one Transcribe (greedy, en) of the whole file
//   whisper-cli CLI MODEL WAV THREADS OUT.json whisper.cpp's whisper-cli with the same model and decoding parameters
//   audio-decode AUDIO ITERS OUT.json          FfmpegAudioDecoder throughput (audio seconds per wall second)
//   audio-memory AUDIO MODEL_ID OUT.json       `tag` with probe + vad + whisper over AUDIO, process tree RSS every 100 ms
//   scheduler-naive MEDIA_DIR OUT.json         per file and stage: create, run one file, dispose (in process)
//   scheduler-standalone MEDIA_DIR OUT.json    each stage created once and run over every file in worker-sized batches
//   gpu-check MODEL WAV OUT.json               bench/gpu-check.sh: the whisper.cpp build and device, llama.cpp's devices
//   llama MODEL PP TG THREADS BATCH REPS OUT.json             our llama.cpp binding: pp and tg tokens/s as llama-bench measures them
//   llama-bench CLI MODEL PP TG THREADS BATCH REPS OUT.json   llama.cpp's llama-bench with the same model and settings
//   clip VISION_MODEL IMAGES_DIR COUNT BATCH ROUNDS OUT.json  the clip stage's image work vs raw ORT on the same tensors,
//                                              and CLIP preprocessing vs the vipsthumbnail CLI on the same files
var inv = CultureInfo.InvariantCulture;
switch (args.FirstOrDefault())
{
    case "prepare":
    {
        var rgb = VipsImaging.Thumbnail(args[1], 224, 224, ImageFit.Crop);
        var tensor = new float[3 * 224 * 224];
        PixelTensor.Write(rgb.Pixels, 224, 224, PixelNormalization.ImageNet, tensor);
        File.WriteAllBytes(args[2], MemoryMarshal.AsBytes(tensor.AsSpan()).ToArray());
        return 0;
    }

    case "ort":
    {
        var (model, input, batch, iterations, threads) = (args[1], args[2], int.Parse(args[3], inv), int.Parse(args[4], inv), int.Parse(args[5], inv));
        var one = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(input)).ToArray();
        var data = new float[one.Length * batch];
        for (var i = 0; i < batch; i++)
        {
            one.CopyTo(data, i * one.Length);
        }

        using var session = OnnxSession.FromFile(model, new OnnxSessionOptions { IntraOpThreads = threads, InterOpThreads = 1, GraphOptimization = OnnxGraphOptimization.All });
        var name = session.Inputs[0].Name;
        float Run()
        {
            using var tensor = OnnxTensor.FromMemory(data.AsMemory(), batch, 3, 224, 224);
            using var outputs = session.Run([new OnnxInput(name, tensor)]);
            return outputs.Span<float>(0)[0];
        }

        var times = Time(Run, 10, iterations);
        return Write(args[6], new { runtime = $"MediaTagger binding (onnxruntime {OnnxEnvironment.Version})", batch, iterations, threads, medianMs = times.Median, p90Ms = times.P90, minMs = times.Min, device = session.ProviderReport.Device });
    }

    case "vips":
    {
        var big = Path.Combine(Path.GetTempPath(), "mt-bench-4000x3000.jpg");
        var source = VipsImaging.Decode(args[1]);
        VipsImaging.Save(VipsImaging.Resize(args[1], 4000.0 / source.Width, 3000.0 / source.Height, VipsKernel.Cubic), big);
        var probe = VipsImaging.Probe(big);
        var iterations = int.Parse(args[2], inv);
        var times = Time(() => VipsImaging.Thumbnail(big, 224, 224, ImageFit.Crop).Pixels[0], 3, iterations);
        File.Delete(big);
        return Write(args[3], new { operation = $"thumbnail {probe.Width}x{probe.Height} JPEG -> 224x224 RGB (crop)", libvips = Vips.Version, iterations, threads = Vips.Concurrency, medianMs = times.Median, p90Ms = times.P90, minMs = times.Min });
    }

    case "ffmpeg":
    {
        var iterations = int.Parse(args[2], inv);
        var times = Time(() => DecodeWithFfmpeg(args[1]), 2, iterations);
        var samples = DecodeWithFfmpeg(args[1]);
        return Write(args[3], new { operation = $"ffmpeg decode {Path.GetFileName(args[1])} -> 16 kHz mono f32 ({samples / 16000.0:0.00} s of audio)", iterations, medianMs = times.Median, p90Ms = times.P90, minMs = times.Min });
    }

    case "ingest":
        return IngestBench.Run(args[1], int.Parse(args[2], inv), args[3]);

    case "scheduler":
        return await SchedulerBench.RunAsync(args[1], int.Parse(args[2], inv), args[3], args.Length > 4 ? args[4] : "auto");

    case "whisper":
        return await AudioBench.WhisperAsync(args[1], args[2], int.Parse(args[3], inv), args[4]);

    case "gpu-check":
        return await GpuCheck.RunAsync(args[1], args[2], args[3]);

    case "whisper-cli":
        return await AudioBench.WhisperCliAsync(args[1], args[2], args[3], int.Parse(args[4], inv), args[5]);

    case "audio-decode":
        return await AudioBench.DecodeAsync(args[1], int.Parse(args[2], inv), args[3]);

    case "audio-memory":
        return await AudioBench.MemoryAsync(args[1], args[2], args[3]);

    case "scheduler-naive":
        return await InProcessStages.NaiveAsync(args[1], args[2]);

    case "scheduler-standalone":
        return await InProcessStages.StandaloneAsync(args[1], args[2]);

    case "llama":
        return LlmBench.Ours(args[1], int.Parse(args[2], inv), int.Parse(args[3], inv), int.Parse(args[4], inv), int.Parse(args[5], inv), int.Parse(args[6], inv), args[7]);

    case "llama-bench":
        return await LlmBench.LlamaBenchAsync(args[1], args[2], int.Parse(args[3], inv), int.Parse(args[4], inv), int.Parse(args[5], inv), int.Parse(args[6], inv), int.Parse(args[7], inv), args[8]);

    case "clip":
        return ClipBench.Run(args[1], args[2], int.Parse(args[3], inv), int.Parse(args[4], inv), int.Parse(args[5], inv), args[6]);

    default:
        Console.Error.WriteLine("usage: bench prepare|ort|vips|ffmpeg|ingest|scheduler|whisper|whisper-cli|audio-decode|audio-memory|scheduler-naive|scheduler-standalone|llama|llama-bench|clip ... (see bench/run.sh)");
        return 2;
}

static int DecodeWithFfmpeg(string path)
{
    var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in new[] { "-nostdin", "-v", "error", "-i", path, "-ac", "1", "-ar", "16000", "-f", "f32le", "-" })
    {
        psi.ArgumentList.Add(a);
    }

    using var process = Process.Start(psi)!;
    using var memory = new MemoryStream();
    process.StandardOutput.BaseStream.CopyTo(memory);
    process.WaitForExit();
    return (int)(memory.Length / 4);
}

static (double Median, double P90, double Min) Time<T>(Func<T> action, int warmup, int iterations)
{
    for (var i = 0; i < warmup; i++)
    {
        action();
    }

    var times = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    Array.Sort(times);
    return (Math.Round(times[iterations / 2], 3), Math.Round(times[(int)(iterations * 0.9)], 3), Math.Round(times[0], 3));
}

static int Write(string path, object result)
{
    var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
    File.WriteAllText(path, json);
    Console.WriteLine(json);
    return 0;
}
