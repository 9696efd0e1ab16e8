using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MediaTagger.Native;
using MediaTagger.Native.Llama;

/// <summary>
/// The llm group of bench/run.sh: prompt processing (pp) and generation (tg) tokens/s, measured the way llama.cpp's
/// llama-bench measures them, through our binding and through llama-bench itself:
///   llama: one round of our binding in a fresh process (LlamaModel.Load, LlamaContext.Create, LlamaGenerator.Generate
///          with a greedy LlamaSampler);
///   llama-bench: one round of llama-bench (built by bench/build-llama-bench.sh against the same prebuilt libraries)
///          with the same model, prompt and generation lengths, threads and batch sizes.
/// As in llama-bench, pp and tg are separate tests, each on a fresh context as long as the test (n_ctx = pp or tg),
/// each after one warm-up run, each repeated REPS times with the KV cache cleared between repetitions:
///   pp: PP tokens (BOS, then seeded random ids) decoded in chunks of BATCH; logits for the last token only;
///   tg: TG single-token decodes from position 0: BOS as the prompt, then TG - 1 tokens that our greedy sampler picks
///       and feeds back (llama-bench feeds random ids and samples nothing, so ours also pays for sampling and for
///       turning each token into text);
///   tgDecodeOnly (ours only): the same TG decodes through LlamaContext.Decode alone, fed random ids.
/// </summary>
internal static partial class LlmBench
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static int Ours(string modelPath, int pp, int tg, int threads, int batch, int reps, string output)
    {
        LlamaBackend.Initialize();
        var loadStart = Stopwatch.GetTimestamp();
        using var model = LlamaModel.Load(modelPath);
        var loadMs = Stopwatch.GetElapsedTime(loadStart).TotalMilliseconds;
        using var sampler = LlamaSampler.CreateBuilder(model).Greedy().Build();
        var generator = new LlamaGenerator();
        var random = new Random(42);
        int[] Prompt(int length)
        {
            var tokens = new int[length];
            for (var i = 0; i < length; i++)
            {
                tokens[i] = i == 0 && model.Bos is { } bos ? bos : random.Next(model.VocabSize);
            }

            return tokens;
        }

        LlamaContextOptions Options(int contextSize) => new() { ContextSize = contextSize, BatchSize = batch, Threads = threads, BatchThreads = threads };

        var ppNs = new List<long>();
        int ppContext;
        using (var context = LlamaContext.Create(model, Options(pp)))
        {
            ppContext = context.ContextSize;
            generator.Generate(context, sampler, Prompt(pp), maxTokens: 0);
            for (var r = 0; r < reps; r++)
            {
                context.ClearMemory();
                var prompt = Prompt(pp);
                var start = Stopwatch.GetTimestamp();
                var result = generator.Generate(context, sampler, prompt, maxTokens: 0);
                ppNs.Add(Nanoseconds(start));
                Check(result.PromptTokens == pp, $"pp decoded {result.PromptTokens} of {pp} tokens");
            }
        }

        var tgNs = new List<long>();
        var tgDecodeNs = new List<long>();
        int tgContext;
        var generated = 0;
        var stops = new HashSet<string>();
        var bosOnly = new[] { model.Bos ?? 0 };
        using (var context = LlamaContext.Create(model, Options(tg)))
        {
            tgContext = context.ContextSize;
            // A full-length warm-up (llama-bench's is one token): the first run of managed code also compiles it.
            generator.Generate(context, sampler, bosOnly, maxTokens: tg - 1);
            for (var r = 0; r < reps; r++)
            {
                context.ClearMemory();
                var start = Stopwatch.GetTimestamp();
                var result = generator.Generate(context, sampler, bosOnly, maxTokens: tg - 1);
                tgNs.Add(Nanoseconds(start));
                generated = result.GeneratedTokens;
                stops.Add(result.StopReason.ToString());

                // Decodes: the BOS prompt, then each generated token (the last one too, as the loop feeds it back).
                Check(context.Position == tg, $"tg decoded {context.Position} of {tg} tokens (stopped by {result.StopReason})");
            }

            // The same decodes without the generator and sampler: LlamaContext.Decode of one token at a time, fed random
            // ids as llama-bench feeds them. The gap to tg is what sampling and the generator loop cost.
            for (var r = 0; r < reps; r++)
            {
                context.ClearMemory();
                var tokens = Prompt(tg);
                var start = Stopwatch.GetTimestamp();
                foreach (var token in tokens)
                {
                    context.Decode([token]);
                }

                tgDecodeNs.Add(Nanoseconds(start));
            }
        }

        return Write(output, new
        {
            runner = $"MediaTagger binding (llama.cpp {LlamaBackend.NativeVersion})",
            model = Path.GetFileName(modelPath),
            description = model.Description,
            parameters = model.ParameterCount,
            sizeBytes = model.SizeBytes,
            vocab = model.VocabSize,
            cpuVariant = LlamaBackend.CpuVariant,
            threads,
            batch,
            ubatch = Math.Min(batch, 512),
            reps,
            loadMs = Math.Round(loadMs, 1),
            pp = Test(pp, ppNs, ppContext),
            tg = Test(tg, tgNs, tgContext),
            tgDecodeOnly = Test(tg, tgDecodeNs, tgContext),
            tgGeneratedTokens = generated,
            tgStopReasons = stops.Order().ToArray(),
        });
    }

    /// <summary>
    /// llama-bench -m MODEL -p PP -n TG -t THREADS -b BATCH -ub min(BATCH, 512) -r REPS -o json, run in the prebuilt
    /// library folder: its backend loader (ggml_backend_load_all) scans the executable's and the working folder for
    /// libggml-cpu-*.so, as our binding scans that folder (ggml_backend_load_all_from_path).
    /// </summary>
    public static async Task<int> LlamaBenchAsync(string cli, string modelPath, int pp, int tg, int threads, int batch, int reps, string output)
    {
        var ubatch = Math.Min(batch, 512);
        var arguments = new[] { "-m", Path.GetFullPath(modelPath), "-p", I(pp), "-n", I(tg), "-t", I(threads), "-b", I(batch), "-ub", I(ubatch), "-r", I(reps), "-o", "json" };
        var start = new ProcessStartInfo(cli) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = NativeLibraries.LlamaDirectory };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var err = await stderr;
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine(err);
            throw new InvalidOperationException($"llama-bench exited with {process.ExitCode}");
        }

        using var json = JsonDocument.Parse(await stdout);
        object? ppResult = null, tgResult = null;
        string? type = null, buildCommit = null;
        foreach (var test in json.RootElement.EnumerateArray())
        {
            var samples = test.GetProperty("samples_ns").EnumerateArray().Select(s => s.GetInt64()).ToList();
            type = test.GetProperty("model_type").GetString();
            buildCommit = test.GetProperty("build_commit").GetString();
            var nPrompt = test.GetProperty("n_prompt").GetInt32();
            var nGen = test.GetProperty("n_gen").GetInt32();
            if (nPrompt > 0 && nGen == 0)
            {
                ppResult = Test(nPrompt, samples, PaddedContext(nPrompt));
            }
            else if (nGen > 0 && nPrompt == 0)
            {
                tgResult = Test(nGen, samples, PaddedContext(nGen));
            }
        }

        Check(ppResult is not null && tgResult is not null, "llama-bench reported no pp or no tg test");
        var loaded = LoadedBackend().Match(err);
        return Write(output, new
        {
            runner = "llama-bench (same source commit and prebuilt libraries)",
            model = Path.GetFileName(modelPath),
            description = type,
            buildCommit,
            cpuVariant = loaded.Success ? loaded.Groups[1].Value : null,
            command = "llama-bench " + string.Join(' ', arguments.Select(a => a == arguments[1] ? Path.GetFileName(a) : a)),
            threads,
            batch,
            ubatch,
            reps,
            pp = ppResult,
            tg = tgResult,
        });
    }

    private static object Test(int tokens, List<long> samplesNs, int contextSize)
    {
        var perSecond = samplesNs.Select(ns => tokens * 1e9 / ns).Order().ToArray();
        return new
        {
            tokens,
            contextSize,
            samplesNs = samplesNs.ToArray(),
            tokensPerSecond = perSecond.Select(v => Math.Round(v, 2)).ToArray(),
            medianTokensPerSecond = Math.Round(Median(perSecond), 2),
        };
    }

    // llama-bench asks for n_ctx = n_prompt + n_gen; llama_init_from_model rounds it up to a multiple of 256 (as for ours).
    private static int PaddedContext(int tokens) => (tokens + 255) / 256 * 256;

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    private static long Nanoseconds(long start) => (long)Stopwatch.GetElapsedTime(start).TotalNanoseconds;

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private static int Write(string path, object result)
    {
        var json = JsonSerializer.Serialize(result, Indented);
        File.WriteAllText(path, json);
        Console.WriteLine(json);
        return 0;
    }

    [GeneratedRegex(@"loaded CPU backend from \S*libggml-cpu-([A-Za-z0-9_]+)\.so")]
    private static partial Regex LoadedBackend();
}
