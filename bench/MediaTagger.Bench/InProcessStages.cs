using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Stages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

/// <summary>
/// The same three stages as the scheduler bench's `tag` runs, created in this process with the product's
/// <see cref="StageCatalog"/> (the code a model host runs), without journal, scheduler, hosts or sidecars:
///   naive       for each file and each stage: create the stage, run that one file, dispose it (3 x files loads);
///   standalone  each stage created once (its load timed), all three held, each run over every file in batches of the
///               worker's default batch size; the engine time the pipeline is compared with.
/// Both report their own peak RSS (VmHWM).
/// </summary>
internal static class InProcessStages
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly Dictionary<string, JsonObject> NoEarlierResults = new(StringComparer.Ordinal);

    /// <summary>The model stages of the bench pipeline, with the parameters of the repository's pipelines.json.</summary>
    public static IReadOnlyList<StageDefinition> ModelStages { get; } =
    [
        new() { Stage = "imagenet", With = { ["model"] = "mobilenetv2-int8", ["topK"] = "5" } },
        new() { Stage = "faces", With = { ["model"] = "ultraface-rfb-320", ["threshold"] = "0.95" } },
        new() { Stage = "ocr", With = { ["model"] = "ppocr-v4", ["minConfidence"] = "0.5" } },
    ];

    public static async Task<int> NaiveAsync(string mediaDir, string outPath)
    {
        var catalog = Catalog();
        var files = MediaFiles(mediaDir);
        var load = ModelStages.ToDictionary(s => s.Stage, _ => 0.0);
        var run = ModelStages.ToDictionary(s => s.Stage, _ => 0.0);
        var failures = ModelStages.ToDictionary(s => s.Stage, _ => 0);
        var loads = 0;
        long id = 0;
        var wall = Stopwatch.StartNew();
        foreach (var file in files)
        {
            foreach (var definition in ModelStages)
            {
                var started = Stopwatch.GetTimestamp();
                var stage = catalog.Create(definition);
                loads++;
                var loaded = Stopwatch.GetTimestamp();
                var outcomes = await stage.RunAsync([Input(++id, file)], CancellationToken.None);
                var ran = Stopwatch.GetTimestamp();
                (stage as IDisposable)?.Dispose();
                load[definition.Stage] += Stopwatch.GetElapsedTime(started, loaded).TotalMilliseconds + Stopwatch.GetElapsedTime(ran).TotalMilliseconds;
                run[definition.Stage] += Stopwatch.GetElapsedTime(loaded, ran).TotalMilliseconds;
                failures[definition.Stage] += outcomes.Count(o => !o.Success);
            }
        }

        var wallMs = wall.Elapsed.TotalMilliseconds;
        return Write(outPath, new
        {
            mode = "naive: per file and stage, create + run one file + dispose, in one process",
            files = files.Length,
            loads,
            wallMs = Math.Round(wallMs),
            loadAndDisposeMs = Round(load),
            inferenceMs = Round(run),
            failures,
            peakRssMiB = Mib(PeakRss()),
        }, failures.Values.Sum());
    }

    public static async Task<int> StandaloneAsync(string mediaDir, string outPath)
    {
        var catalog = Catalog();
        var files = MediaFiles(mediaDir);
        var batchSize = new WorkerOptions().BatchSize;
        var rssBefore = ProcessRss();
        var load = new Dictionary<string, double>();
        var stages = new List<IStage>();
        foreach (var definition in ModelStages)
        {
            var started = Stopwatch.GetTimestamp();
            stages.Add(catalog.Create(definition));
            load[definition.Stage] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        var rssLoaded = ProcessRss();
        var run = new Dictionary<string, double>();
        var failures = new Dictionary<string, int>();
        long id = 0;
        foreach (var stage in stages)
        {
            run[stage.Name] = 0;
            failures[stage.Name] = 0;
            foreach (var chunk in files.Chunk(batchSize))
            {
                var batch = chunk.Select(f => Input(++id, f)).ToArray();
                var started = Stopwatch.GetTimestamp();
                var outcomes = await stage.RunAsync(batch, CancellationToken.None);
                run[stage.Name] += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                failures[stage.Name] += outcomes.Count(o => !o.Success);
            }
        }

        var peak = PeakRss();
        foreach (var stage in stages)
        {
            (stage as IDisposable)?.Dispose();
        }

        return Write(outPath, new
        {
            mode = $"standalone: each stage created once, all three held, run over every file in batches of {batchSize}, in one process",
            files = files.Length,
            batchSize,
            loadMs = Round(load),
            inferenceMs = Round(run),
            totalLoadMs = Math.Round(load.Values.Sum()),
            totalInferenceMs = Math.Round(run.Values.Sum()),
            failures,
            rssBeforeLoadsMiB = Mib(rssBefore),
            rssAllThreeLoadedMiB = Mib(rssLoaded),
            peakRssMiB = Mib(peak),
        }, failures.Values.Sum());
    }

    /// <summary>The product's stage families, registered as the worker registers them.</summary>
    /// <summary>The product's stage catalog over its model catalog and store, as a model host makes it; logging only when given.</summary>
    internal static StageCatalog Catalog(Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(ModelCatalog.Load(ProductPaths.CatalogPath));
        services.AddSingleton(new ModelStore(ProductPaths.ModelDirectory, ProductPaths.ModelMirror));
        services.AddSingleton(Options.Create(new MediaTaggerOptions()));
        if (loggers is not null)
        {
            services.AddSingleton(loggers);
        }

        services.AddMediaTaggerStages();
        return services.BuildServiceProvider().GetRequiredService<StageCatalog>();
    }

    private static string[] MediaFiles(string dir) =>
        Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).ToArray();

    private static StageInput Input(long id, string path) => new(id, path, MediaKind.Image, "png", NoEarlierResults);

    private static Dictionary<string, double> Round(Dictionary<string, double> ms) => ms.ToDictionary(p => p.Key, p => Math.Round(p.Value), StringComparer.Ordinal);

    private static double Mib(long bytes) => Math.Round(bytes / 1048576.0, 1);

    private static long ProcessRss() => StatusKb("VmRSS:");

    private static long PeakRss() => StatusKb("VmHWM:");

    private static long StatusKb(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static int Write(string path, object result, int failures)
    {
        var json = JsonSerializer.Serialize(result, Indented);
        File.WriteAllText(path, json);
        Console.WriteLine(json);
        return failures == 0 ? 0 : 1;
    }
}
