using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MediaTagger.Core;
using MediaTagger.Core.Models;
using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;
using MediaTagger.Stages.ImageNet;

namespace MediaTagger.Cli;

/// <summary>
/// `demo [PATH...]`: the quick start's first job until the worker lands: ImageNet labels for the sample images
/// with the real engines, one JSON result per image in the output folder, recording model, device and time.
/// </summary>
internal static class DemoCommand
{
    private const string ModelId = "mobilenetv2-int8";

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Image files or folders (default: samples/)", Arity = ArgumentArity.ZeroOrMore };
        var output = new Option<string>("--out") { Description = "Folder for the JSON results (default: samples/out)" };
        var command = new Command("demo", "Label the sample images with MobileNetV2 (ImageNet) and write JSON results");
        command.Arguments.Add(paths);
        command.Options.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            var inputs = parse.GetValue(paths) is { Length: > 0 } p ? p : [Path.Combine(ProductPaths.Home, "samples")];
            var outDir = parse.GetValue(output) ?? Path.Combine(ProductPaths.Home, "samples", "out");
            return await RunAsync(inputs, outDir, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(string[] inputs, string outDir, CancellationToken ct)
    {
        var files = inputs.SelectMany<string, string>(p => Directory.Exists(p)
                ? Directory.EnumerateFiles(p).Where(f => !f.EndsWith(".json", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
                : [p])
            .ToArray();
        var images = files.Where(IsImage).ToArray();
        foreach (var skipped in files.Except(images))
        {
            Console.WriteLine($"skip  {skipped}: not an image (audio and video stages are not in this demo)");
        }

        if (images.Length == 0)
        {
            Console.Error.WriteLine("no images to label");
            return 1;
        }

        var (catalog, store) = ModelsCommand.Open();
        var model = catalog[ModelId];
        IReadOnlyDictionary<string, string> modelFiles;
        try
        {
            modelFiles = store.Require(model);
        }
        catch (ModelNotInstalledException)
        {
            Console.Error.WriteLine($"{ModelId} is not installed: pulling it from its public source");
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            modelFiles = await new ModelDownloader(http, store).PullAsync(model, null, ct).ConfigureAwait(false);
        }

        Directory.CreateDirectory(outDir);
        var load = Stopwatch.StartNew();
        using var classifier = new ImageNetClassifier(modelFiles["model"], modelFiles["labels"]);
        load.Stop();
        var run = Stopwatch.StartNew();
        var results = classifier.Classify(images, topK: 5, ct);
        run.Stop();

        var failures = 0;
        foreach (var result in results)
        {
            var record = new
            {
                schema = "mediatagger/demo@1",
                source = new { path = Path.GetFullPath(result.Path), size = new FileInfo(result.Path).Length },
                status = result.Error is null ? "complete" : "failed",
                stages = new
                {
                    imagenet = new
                    {
                        model = new { id = model.Id, sha256 = model.File("model").Sha256 },
                        device = classifier.Device,
                        runtime = $"onnxruntime {OnnxEnvironment.Version}",
                        batchMs = Math.Round(run.Elapsed.TotalMilliseconds, 1),
                        labels = result.Labels.Select(l => new { label = l.Label, score = Math.Round(l.Score, 4) }),
                    },
                },
                errors = result.Error is null ? Array.Empty<object>() : [new { stage = "imagenet", message = result.Error }],
            };
            var target = Path.Combine(outDir, Path.GetFileName(result.Path) + ".json");
            await File.WriteAllTextAsync(target, JsonSerializer.Serialize(record, CliJson.Options), ct).ConfigureAwait(false);
            if (result.Error is null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ok    {Path.GetFileName(result.Path)}: {string.Join(", ", result.Labels.Take(3).Select(l => $"{l.Label} {l.Score:0.00}"))}  -> {target}"));
            }
            else
            {
                failures++;
                Console.WriteLine($"fail  {Path.GetFileName(result.Path)}: {result.Error}");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{images.Length - failures} labelled, {failures} failed; model {model.Id} on {classifier.Device}, load {load.ElapsedMilliseconds} ms, batch of {images.Length} in {run.ElapsedMilliseconds} ms"));
        return failures == 0 ? 0 : 2;
    }

    private static bool IsImage(string path)
    {
        try
        {
            _ = VipsImaging.Probe(path);
            return true;
        }
        catch (Exception ex) when (ex is Native.NativeEngineException or IOException)
        {
            return false;
        }
    }
}
