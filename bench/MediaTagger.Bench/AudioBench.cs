using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MediaTagger.Media.Audio;
using MediaTagger.Native.Whisper;

/// <summary>
/// The audio group of bench/run.sh:
///   whisper: one round of our binding (load, then one Transcribe of the whole file), in a fresh process like the CLI's;
///   whisper-cli: one round of whisper.cpp's own whisper-cli with the same model, threads, audio and decoding parameters;
///   decode: FfmpegAudioDecoder.DecodeAsync throughput (seconds of audio per second of wall time);
///   memory: `mediatagger tag` over one long file through probe + vad + whisper, its process tree's RSS sampled every 100 ms.
/// </summary>
internal static partial class AudioBench
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Greedy, English, threads as given, whisper.cpp's defaults otherwise (best_of 5, temperature 0 with 0.2 fallback steps, timestamps on).</summary>
    public static async Task<int> WhisperAsync(string model, string audio, int threads, string output)
    {
        var pcm = await new FfmpegAudioDecoder().DecodeAsync(audio);
        var loadStart = Stopwatch.GetTimestamp();
        using var whisper = WhisperModel.Load(model, new WhisperModelOptions { UseGpu = false });
        var loadMs = Stopwatch.GetElapsedTime(loadStart).TotalMilliseconds;
        var start = Stopwatch.GetTimestamp();
        var result = whisper.Transcribe(pcm, new WhisperTranscribeOptions { Language = "en", Threads = threads, BeamSize = 0 });
        var transcribeMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var text = Normalize(string.Concat(result.Segments.Select(s => s.Text)));
        return Write(output, new
        {
            runner = $"MediaTagger binding (whisper.cpp {WhisperModel.Version})",
            audioSeconds = pcm.Length / (double)WhisperModel.SampleRate,
            threads,
            loadMs = Math.Round(loadMs, 1),
            transcribeMs = Math.Round(transcribeMs, 1),
            totalMs = Math.Round(loadMs + transcribeMs, 1),
            segments = result.Segments.Count,
            textChars = text.Length,
            textSha = Hash(text),
        });
    }

    /// <summary>
    /// whisper-cli -m MODEL -f WAV -t THREADS -l en -bs 1 (greedy; its default beam size 5 would pick beam search), no output
    /// files. Its own timings (whisper_print_timings) split load from the rest: "total" runs from whisper_init to the end
    /// of whisper_full, so transcribe = total - load; the process wall time is reported as well.
    /// </summary>
    public static async Task<int> WhisperCliAsync(string cli, string model, string audio, int threads, string output)
    {
        var start = new ProcessStartInfo(cli) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-m", model, "-f", audio, "-t", threads.ToString(CultureInfo.InvariantCulture), "-l", "en", "-bs", "1" })
        {
            start.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var wallMs = clock.Elapsed.TotalMilliseconds;
        var err = await stderr;
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine(err);
            throw new InvalidOperationException($"whisper-cli exited with {process.ExitCode}");
        }

        double Timing(string name)
        {
            var m = Regex.Match(err, name + @" time =\s+([0-9.]+) ms");
            return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
        }

        var loadMs = Timing("load");
        var totalMs = Timing("total");
        // Its transcript lines: "[00:00:00.000 --> 00:00:02.000]  text"; the text after the timestamps.
        var segments = (await stdout).Split('\n').Select(l => TimestampPrefix().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        var text = Normalize(string.Concat(segments));
        return Write(output, new
        {
            runner = "whisper-cli (whisper.cpp " + WhisperModel.Version + ", same source and cmake flags)",
            threads,
            loadMs,
            transcribeMs = Math.Round(totalMs - loadMs, 1),
            totalMs,
            processWallMs = Math.Round(wallMs, 1),
            segments = segments.Count,
            textChars = text.Length,
            textSha = Hash(text),
        });
    }

    public static async Task<int> DecodeAsync(string audio, int iterations, string output)
    {
        var decoder = new FfmpegAudioDecoder();
        var samples = (await decoder.DecodeAsync(audio)).Length;
        var times = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await decoder.DecodeAsync(audio);
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        Array.Sort(times);
        var audioSeconds = samples / 16000.0;
        var median = times[iterations / 2];
        return Write(output, new
        {
            file = Path.GetFileName(audio),
            bytes = new FileInfo(audio).Length,
            audioSeconds = Math.Round(audioSeconds, 2),
            iterations,
            medianWallSeconds = Math.Round(median, 4),
            minWallSeconds = Math.Round(times[0], 4),
            audioSecondsPerWallSecond = Math.Round(audioSeconds / median, 1),
        });
    }

    /// <summary>`mediatagger tag` over AUDIO with probe + vad (silero-vad-v5) + whisper (MODEL_ID from the catalog).</summary>
    public static async Task<int> MemoryAsync(string audio, string modelId, string output)
    {
        var root = Directory.CreateTempSubdirectory("mt-bench-audio-").FullName;
        try
        {
            // A link in a temporary folder: the journal, config and sidecars stay there, not beside the input.
            var media = Directory.CreateDirectory(Path.Combine(root, "media")).FullName;
            var target = Path.Combine(media, Path.GetFileName(audio));
            File.CreateSymbolicLink(target, Path.GetFullPath(audio));
            var config = new JsonObject
            {
                // The whisper stage transcribes a whole file in one batch: the default deadline (60 s + 30 s per task) kills its
                // host on anything longer than a few minutes of audio on 2 cores, so the bench lifts it.
                ["worker"] = new JsonObject { ["journalPath"] = "journal.db", ["batchTimeoutSeconds"] = 14400 },
                ["pipelines"] = new JsonObject
                {
                    ["default"] = new JsonObject
                    {
                        ["image"] = new JsonArray { new JsonObject { ["stage"] = "probe" } },
                        ["audio"] = new JsonArray
                        {
                            new JsonObject { ["stage"] = "probe" },
                            new JsonObject { ["stage"] = "vad" },
                            new JsonObject { ["stage"] = "whisper", ["with"] = new JsonObject { ["model"] = "whisper-tiny.en-empty" } },
                        },
                        ["video"] = new JsonArray { new JsonObject { ["stage"] = "probe" } },
                    },
                },
                ["outputs"] = new JsonObject { ["sidecar"] = "beside", ["formats"] = new JsonArray("json", "srt", "vtt", "txt") },
            };
            var configPath = Path.Combine(root, "pipelines.json");
            await File.WriteAllTextAsync(configPath, config.ToJsonString(Indented));
            var args = new List<string> { "tag", "--config", configPath, "--set", $"pipelines:default:audio:2:with:model={modelId}", target };
            var start = SchedulerBench.Mediatagger(root, args);
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            var lines = new List<string>();
            process.OutputDataReceived += (_, e) => { if (e.Data is { } d) { lock (lines) { lines.Add(d); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is { } d) { lock (lines) { lines.Add(d); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            ProcessTreeSampler sampler;
            using (sampler = new ProcessTreeSampler(process.Id, TimeSpan.FromMilliseconds(100)))
            {
                await process.WaitForExitAsync();
            }

            var wallSeconds = clock.Elapsed.TotalSeconds;
            var sidecar = Directory.GetFiles(media, "*.json").FirstOrDefault();
            var sidecarFiles = Directory.GetFiles(media).Where(f => f != target).Select(Path.GetFileName).ToArray();

            if (process.ExitCode != 0 || sidecar is null)
            {
                lock (lines)
                {
                    Console.Error.WriteLine(string.Join('\n', lines.TakeLast(40)));
                }

                throw new InvalidOperationException($"mediatagger tag exited with {process.ExitCode}; sidecar {(sidecar is null ? "missing" : "written")}");
            }

            var command = "mediatagger " + string.Join(' ', args.Select(a => a.StartsWith(root, StringComparison.Ordinal) ? Path.GetRelativePath(root, a) : a));
            return Write(output, new
            {
                file = Path.GetFileName(audio),
                audioSeconds = (await new FfmpegAudioDecoder().FfprobeAsync(audio)).Duration?.TotalSeconds,
                command,
                model = modelId,
                wallSeconds = Math.Round(wallSeconds, 1),
                samples = sampler.Samples,
                peakTreeRssMiB = Math.Round(sampler.PeakTreeRssBytes / 1048576.0, 1),
                peakAtSeconds = Math.Round(sampler.PeakAtSeconds, 1),
                processes = sampler.Processes.OrderBy(p => p.FirstSeenSeconds).Select(p => new { role = p.Role, vmHwmMiB = Math.Round(p.VmHwmBytes / 1048576.0, 1), p.FirstSeenSeconds, p.LastSeenSeconds }).ToArray(),
                sidecarFiles,
            });
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Whitespace removed: the CLI pads segment text, the binding may trim it.</summary>
    private static string Normalize(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    private static string Hash(string text) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..12];

    private static int Write(string path, object result)
    {
        var json = JsonSerializer.Serialize(result, Indented);
        File.WriteAllText(path, json);
        Console.WriteLine(json);
        return 0;
    }

    [GeneratedRegex(@"^\[[0-9:.]+ --> [0-9:.]+\]\s*(.*)$")]
    private static partial Regex TimestampPrefix();
}
