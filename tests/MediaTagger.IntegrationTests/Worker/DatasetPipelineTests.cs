using System.Text.Json.Nodes;
using MediaTagger.IntegrationTests.Booru;
using MediaTagger.IntegrationTests.Caption;
using MediaTagger.IntegrationTests.Clip;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Worker;

/// <summary>
/// The repository's "dataset" pipeline (probe, clip, booru, caption) run by `tag --pipeline dataset` through the
/// scheduler and three heavy model hosts, on the synthetic same-interface CLIP, WD14 and BLIP models: what a user
/// preparing a training set gets, and `search` over what it stored.
/// </summary>
public sealed class DatasetPipelineTests
{
    // The shipped pipeline's model ids, and the synthetic models that stand in for them here.
    private static readonly Dictionary<string, string> StandIns = new(StringComparer.Ordinal)
    {
        ["clip"] = "clip-synthetic",
        ["booru"] = "wd14-synthetic",
        ["caption"] = "blip-synthetic",
    };

    [SkippableFact]
    public void Tag_with_the_dataset_pipeline_labels_tags_and_captions_each_image_one_heavy_model_at_a_time_and_search_finds_red()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        using var home = new SyntheticModels.Home(TinyClipTests.Entry(TinyClipTests.Generated()), BooruTagTests.Entry(), TinyBlipTests.Entry(TinyBlipTests.Generated()));
        using var box = new WorkerSandbox();
        WriteDatasetPipeline(box.ConfigPath);
        var red = SolidImages.Write(box.Inbox, "red.png", 230, 20, 20);
        var green = SolidImages.Write(box.Inbox, "green.jpg", 20, 200, 30, width: 64, height: 64);
        var blue = SolidImages.Write(box.Inbox, "blue.png", 10, 30, 220);
        var corrupt = Path.Combine(box.Inbox, "broken.png");
        var bytes = File.ReadAllBytes(red);
        File.WriteAllBytes(corrupt, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var result = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(4), "tag", "--config", box.ConfigPath, "--pipeline", "dataset", box.Inbox);

        result.ExitCode.Should().Be(2, "one file failed: " + result.Stdout + result.Stderr);
        foreach (var (path, colour) in new[] { (red, "red"), (green, "green"), (blue, "blue") })
        {
            var sidecar = WorkerSandbox.Sidecar(path)!;
            sidecar["status"]!.GetValue<string>().Should().Be("complete", sidecar.ToJsonString());
            var stages = sidecar["stages"]!;
            stages.AsObject().Select(p => p.Key).Should().Equal("probe", "clip", "booru", "caption");

            var clip = stages["clip"]!;
            clip["labels"]![0]!["label"]!.GetValue<string>().Should().Be(colour, $"zero-shot names {Path.GetFileName(path)}'s colour");
            clip["embedding"]!["stored"]!.GetValue<string>().Should().Be("journal");

            var booru = stages["booru"]!;
            var tags = booru["tags"]!.AsArray().Select(t => t!["tag"]!.GetValue<string>()).ToArray();
            tags.Should().NotBeEmpty();
            var kohya = File.ReadAllText(Path.ChangeExtension(path, ".txt"));
            kohya.Should().EndWith("\n").And.StartWith(booru["textFile"]!["text"]!.GetValue<string>().TrimEnd('\n'), "the kohya .txt beside the image is the one the sidecar records");
            kohya.TrimEnd('\n').Split(", ").Should().BeEquivalentTo(tags, "it holds the sidecar's tags, comma-separated");
            sidecar["outputs"]!["booru"]!.GetValue<string>().Should().Be(Path.GetFileNameWithoutExtension(path) + ".txt");

            var caption = stages["caption"]!["caption"]!.GetValue<string>();
            caption.Should().NotBeNullOrWhiteSpace();
            File.ReadAllText(Path.ChangeExtension(path, ".caption")).Should().Be(caption + "\n");

            foreach (var (stage, role) in new[] { ("clip", "visual"), ("booru", "model"), ("caption", "decoder") })
            {
                var model = StandIns[stage];
                stages[stage]!["model"]!["id"]!.GetValue<string>().Should().Be(model);
                stages[stage]!["model"]!["sha256"]!.GetValue<string>().Should().Be(home.Catalog[model].File(role).Checksum);
                stages[stage]!["device"]!.GetValue<string>().Should().Be("cpu");
            }
        }

        WorkerSandbox.Sidecar(blue)!["stages"]!["booru"]!["tags"]!.AsArray().Select(t => t!["tag"]!.GetValue<string>()).Should().Contain("blue background");
        File.ReadAllText(Path.ChangeExtension(red, ".txt")).Should().Contain("red theme");
        WorkerSandbox.Sidecar(red)!["stages"]!["caption"]!["caption"]!.GetValue<string>().Should().Be("a red cat");
        WorkerSandbox.Sidecar(blue)!["stages"]!["caption"]!["caption"]!.GetValue<string>().Should().Be("a blue cat");

        var failed = WorkerSandbox.Sidecar(corrupt)!;
        failed["status"]!.GetValue<string>().Should().Be("failed");
        failed["errors"]![0]!["message"]!.GetValue<string>().Should().MatchRegex("(?i)(truncat|corrupt|premature|read|decode|png)", "the failed sidecar says why");
        result.Stdout.Should().Contain(corrupt, "tag lists the file that failed");
        File.Exists(Path.ChangeExtension(corrupt, ".txt")).Should().BeFalse();
        File.Exists(Path.ChangeExtension(corrupt, ".caption")).Should().BeFalse();

        // Three images x three heavy model stages: one load each, and the heavy slot swapped, never shared.
        var status = Status(home, box);
        status["models"]!.AsArray().Select(m => (m!["modelId"]!.GetValue<string>(), m["loads"]!.GetValue<int>()))
            .Should().BeEquivalentTo(StandIns.Values.Select(id => (id, 1)));
        var resident = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in status["recentModelEvents"]!.AsArray().Reverse())
        {
            var id = e!["modelId"]!.GetValue<string>();
            if (e["kind"]!.GetValue<string>() == "Load")
            {
                resident.Add(id);
                resident.Should().ContainSingle($"{id} loaded while {string.Join(", ", resident)} were resident: one heavy model at a time");
            }
            else
            {
                resident.Remove(id);
            }
        }

        var search = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(1), "search", "--config", box.ConfigPath, "a red image", "--json");
        search.ExitCode.Should().Be(0, search.Stdout + search.Stderr);
        var hits = JsonNode.Parse(search.Stdout)!.AsArray().Select(h => h!["path"]!.GetValue<string>()).ToArray();
        hits.Should().BeEquivalentTo([red, green, blue], "every image the pipeline embedded is ranked; the corrupt one has no embedding");
        hits[0].Should().Be(red);
    }

    [SkippableFact]
    public void Without_its_models_the_shipped_dataset_pipeline_fails_each_model_stage_with_what_to_do_and_finishes_the_run()
    {
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        using var home = new SyntheticModels.Home();
        var emptyMirror = Directory.CreateDirectory(Path.Combine(home.Root, "empty-mirror")).FullName;
        var environment = new Dictionary<string, string>(home.Environment) { ["MEDIATAGGER_MODEL_MIRROR"] = emptyMirror };
        using var box = new WorkerSandbox();
        var config = JsonNode.Parse(File.ReadAllText(box.ConfigPath))!;
        config["pipelines"]!["dataset"] = JsonNode.Parse(File.ReadAllText(Path.Combine(TestAssets.RepoRoot, "pipelines.json")))!["pipelines"]!["dataset"]!.DeepClone();
        File.WriteAllText(box.ConfigPath, config.ToJsonString());
        var image = SolidImages.Write(box.Inbox, "photo.png", 120, 80, 40);

        var result = CliRunner.Run(environment, TimeSpan.FromMinutes(2), "tag", "--config", box.ConfigPath, "--pipeline", "dataset", box.Inbox);

        result.ExitCode.Should().Be(2, "a file without its model results is not complete: " + result.Stdout + result.Stderr);
        result.Stderr.Should().NotContain("Unhandled exception");
        var sidecar = WorkerSandbox.Sidecar(image)!;
        sidecar["status"]!.GetValue<string>().Should().Be("partial", sidecar.ToJsonString());
        sidecar["stages"]!["probe"]!["status"]!.GetValue<string>().Should().Be("done");
        var problems = new Dictionary<string, string>
        {
            ["clip"] = "run: mediatagger models pull clip-vit-b32",
            ["booru"] = "run: mediatagger models pull wd-swinv2-tagger-v3",
            ["caption"] = "no model 'blip-base' in the catalog", // BLIP has no catalog entry yet (no published checksum)
        };
        foreach (var (stage, says) in problems)
        {
            sidecar["stages"]![stage]!["status"]!.GetValue<string>().Should().Be("failed");
            sidecar["stages"]![stage]!["error"]!.GetValue<string>().Should().Contain(says);
            result.Stdout.Should().Contain($"  {stage}: 1 file(s): stage '{stage}' is unavailable", "the run summary names each stage's problem once");
        }
    }

    /// <summary>
    /// Adds the repository's "dataset" pipeline to a sandbox configuration, with the synthetic models' ids and the
    /// colour names the synthetic CLIP knows in place of the shipped label list; every other parameter as shipped.
    /// </summary>
    private static void WriteDatasetPipeline(string configPath)
    {
        var shipped = JsonNode.Parse(File.ReadAllText(Path.Combine(TestAssets.RepoRoot, "pipelines.json")))!["pipelines"]!["dataset"]!.DeepClone();
        foreach (var stage in shipped["image"]!.AsArray())
        {
            var name = stage!["stage"]!.GetValue<string>();
            if (StandIns.TryGetValue(name, out var model))
            {
                stage["with"]!["model"] = model;
            }

            if (name == "clip")
            {
                stage["with"]!["labels"] = "red, green, blue";
            }
        }

        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["pipelines"]!["dataset"] = shipped;
        File.WriteAllText(configPath, config.ToJsonString());
    }

    private static JsonObject Status(SyntheticModels.Home home, WorkerSandbox box)
    {
        var status = CliRunner.Run(home.Environment, "status", "--config", box.ConfigPath, "--json");
        status.ExitCode.Should().Be(0, status.Stderr);
        return JsonNode.Parse(status.Stdout)!.AsObject();
    }
}
