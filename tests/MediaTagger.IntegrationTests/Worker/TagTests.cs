using System.Text.Json.Nodes;
using MediaTagger.Core.Journal;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Worker;

/// <summary>`mediatagger tag` as a user runs it: real process, real journal, real stages, real sidecars.</summary>
public sealed class TagTests
{
    private const string ImageNetPipeline = """[ { "stage": "probe" }, { "stage": "imagenet", "with": { "model": "mobilenetv2-int8", "topK": "3" } } ]""";

    private static void RequireEngines()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        _ = TestAssets.Model("imagenet/mobilenetv2-12-int8.onnx");
    }

    [SkippableFact]
    public void Every_file_gets_one_complete_sidecar_and_a_second_run_skips_unchanged_files()
    {
        RequireEngines();
        using var box = new WorkerSandbox(ImageNetPipeline);
        var cat = Copy(TestAssets.Media("images/chelsea.png"), box.Inbox, "chelsea.png");
        var speech = Copy(TestAssets.Media("audio/jfk.wav"), box.Inbox, "jfk.wav");
        File.WriteAllText(Path.Combine(box.Inbox, "readme.txt"), "not media");

        var first = box.Tag(box.Inbox);

        first.ExitCode.Should().Be(0, first.Stdout + first.Stderr);
        var sidecar = WorkerSandbox.Sidecar(cat)!;
        sidecar["schema"]!.GetValue<string>().Should().Be("mediatagger/sidecar@1");
        sidecar["status"]!.GetValue<string>().Should().Be("complete");
        sidecar["source"]!["width"]!.GetValue<int>().Should().Be(451);
        sidecar["stages"]!["imagenet"]!["labels"]!.AsArray().Select(l => l!["label"]!.GetValue<string>()).Should().Contain("tabby cat");
        sidecar["stages"]!["imagenet"]!["model"]!["id"]!.GetValue<string>().Should().Be("mobilenetv2-int8");
        sidecar["stages"]!["imagenet"]!["device"]!.GetValue<string>().Should().Be("cpu");
        sidecar["generator"]!["configHash"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        WorkerSandbox.Sidecar(speech)!["source"]!["kind"]!.GetValue<string>().Should().Be("audio");
        File.Exists(Path.Combine(box.Inbox, "readme.txt.json")).Should().BeFalse("a file that is not media is ignored, with a journal note");
        var firstWrite = File.GetLastWriteTimeUtc(cat + ".json");

        var second = box.Tag(box.Inbox);

        second.ExitCode.Should().Be(0);
        second.Stdout.Should().Contain("0 to process, 2 unchanged");
        File.GetLastWriteTimeUtc(cat + ".json").Should().Be(firstWrite, "an unchanged file with a current sidecar is not processed again");

        var status = CliRunner.Run(null, "status", "--config", box.ConfigPath, "--json");
        status.ExitCode.Should().Be(0, status.Stderr);
        var stages = JsonNode.Parse(status.Stdout)!["stages"]!.AsArray();
        stages.Should().Contain(s => s!["stage"]!.GetValue<string>() == "imagenet" && s["done"]!.GetValue<int>() == 1);
        stages.Should().Contain(s => s!["stage"]!.GetValue<string>() == "probe" && s["done"]!.GetValue<int>() == 2);

        var labelsBefore = WorkerSandbox.Sidecar(cat)!["stages"]!["imagenet"]!.ToJsonString();
        File.Delete(cat + ".json");
        box.Tag(box.Inbox).Stdout.Should().Contain("0 to process");
        WorkerSandbox.Sidecar(cat)!["stages"]!["imagenet"]!.ToJsonString().Should().Be(labelsBefore,
            "a deleted sidecar is written again from the journal's results, without running the model again");

        File.WriteAllBytes(cat, File.ReadAllBytes(TestAssets.Media("images/astronaut.png")));
        var third = box.Tag(box.Inbox);
        third.Stdout.Should().Contain("1 to process");
        WorkerSandbox.Sidecar(cat)!["source"]!["width"]!.GetValue<int>().Should().Be(512, "a changed file is processed again");
    }

    [SkippableFact]
    public void Every_bad_input_gets_a_failed_sidecar_with_the_reason_and_the_run_goes_on()
    {
        RequireEngines();
        using var box = new WorkerSandbox(ImageNetPipeline);
        using var corpus = BadInputCorpus.Create(TestAssets.Media("images/chelsea.png"), maxFileBytes: 1_000_000);
        var good = Copy(TestAssets.Media("images/chelsea.png"), corpus.Root, "good cat.png");

        var result = CliRunner.Run(null, TimeSpan.FromMinutes(3), "tag", "--config", box.ConfigPath, "--set", "worker:maxFileBytes=1000000", corpus.Root);

        result.ExitCode.Should().Be(2, "some files failed; output: " + result.Stdout + result.Stderr);
        WorkerSandbox.Sidecar(good)!["status"]!.GetValue<string>().Should().Be("complete");
        WorkerSandbox.Sidecar(corpus.OnePixel)!["status"]!.GetValue<string>().Should().Be("complete");
        WorkerSandbox.Sidecar(corpus.UnicodeName)!["status"]!.GetValue<string>().Should().Be("complete");
        WorkerSandbox.Sidecar(corpus.LongPath)!["status"]!.GetValue<string>().Should().Be("complete");

        foreach (var (name, path) in new[]
        {
            ("empty", corpus.Empty), ("truncated jpeg", corpus.TruncatedJpeg), ("truncated png", corpus.TruncatedPng),
            ("random bytes", corpus.RandomBytes), ("pixel bomb", corpus.PixelBomb), ("oversize", corpus.Oversize),
        })
        {
            var sidecar = WorkerSandbox.Sidecar(path);
            sidecar.Should().NotBeNull($"{name} must get a sidecar");
            sidecar!["status"]!.GetValue<string>().Should().Be("failed", name);
            sidecar["errors"]!.AsArray().Should().NotBeEmpty(name).And.OnlyContain(e => e!["message"]!.GetValue<string>().Length > 10, name);
        }

        WorkerSandbox.Sidecar(corpus.PixelBomb)!["errors"]![0]!["message"]!.GetValue<string>().Should().Contain("30000x30000");
        WorkerSandbox.Sidecar(corpus.PngNamedMp3)!["notes"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Contain(n => n.Contains(".mp3", StringComparison.Ordinal),
            "a mislabelled file is processed by its content, and the mismatch is recorded");
        if (corpus.PermissionSkipReason is null)
        {
            WorkerSandbox.Sidecar(corpus.Unreadable)!["status"]!.GetValue<string>().Should().Be("failed");
        }
    }

    [SkippableFact]
    public void A_stage_whose_model_is_missing_says_how_to_install_it()
    {
        RequireEngines();
        using var box = new WorkerSandbox("""[ { "stage": "probe" }, { "stage": "imagenet", "with": { "model": "mobilenetv2-int8" } } ]""");
        var cat = Copy(TestAssets.Media("images/chelsea.png"), box.Inbox, "chelsea.png");
        var empty = Directory.CreateTempSubdirectory("mt-nomodels-").FullName;
        try
        {
            var result = CliRunner.Run(new Dictionary<string, string> { ["MEDIATAGGER_MODEL_MIRROR"] = empty, ["MEDIATAGGER_MODEL_DIR"] = empty },
                "tag", "--config", box.ConfigPath, box.Inbox);

            result.ExitCode.Should().Be(2);
            var sidecar = WorkerSandbox.Sidecar(cat)!;
            sidecar["status"]!.GetValue<string>().Should().Be("partial");
            sidecar["stages"]!["imagenet"]!["error"]!.GetValue<string>().Should().Contain("mediatagger models pull mobilenetv2-int8");
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [SkippableFact]
    public void Each_model_is_loaded_once_per_run_not_once_per_file_and_every_load_is_journaled()
    {
        RequireEngines();
        _ = TestAssets.Model("face/version-RFB-320.onnx");
        using var box = new WorkerSandbox("""[ { "stage": "probe" }, { "stage": "imagenet" }, { "stage": "faces" } ]""");
        for (var i = 0; i < 12; i++)
        {
            var source = i % 2 == 0 ? "images/chelsea.png" : "images/astronaut.png";
            File.WriteAllBytes(Path.Combine(box.Inbox, $"img{i:D2}.png"), [.. File.ReadAllBytes(TestAssets.Media(source)), (byte)i]);
        }

        box.Tag(box.Inbox).ExitCode.Should().Be(0);
        var status = CliRunner.Run(null, "status", "--config", box.ConfigPath, "--json");

        var models = JsonNode.Parse(status.Stdout)!["models"]!.AsArray();
        models.Select(m => (m!["modelId"]!.GetValue<string>(), m["loads"]!.GetValue<int>(), m["unloads"]!.GetValue<int>()))
            .Should().BeEquivalentTo(new[] { ("mobilenetv2-int8", 1, 1), ("ultraface-rfb-320", 1, 1) }, "12 files x 2 model stages cost 2 loads");
        models.Should().OnlyContain(m => m!["lastFootprintBytes"]!.GetValue<long>() > 0, "the measured footprint is recorded");
        WorkerSandbox.Sidecar(Path.Combine(box.Inbox, "img01.png"))!["stages"]!["faces"]!["count"]!.GetValue<int>().Should().Be(1);
    }

    [SkippableFact]
    public void An_invalid_configuration_lists_every_problem_and_processes_nothing()
    {
        using var box = new WorkerSandbox();
        File.WriteAllText(box.ConfigPath, """
            { "worker": { "stableWindowSeconds": -1, "profile": "huge" },
              "watch": [ { "path": "missing-folder", "pipeline": "other" } ],
              "pipelines": { "default": { "image": [ { "stage": "nonsense" } ] } } }
            """);

        var result = box.Tag(box.Inbox);

        result.ExitCode.Should().Be(1);
        result.Stderr.Should().Contain("$.worker.stableWindowSeconds").And.Contain("$.worker.profile")
            .And.Contain("$.watch[0].path").And.Contain("$.watch[0].pipeline").And.Contain("$.pipelines.default.image[0].stage");
    }

    internal static string Copy(string source, string folder, string name)
    {
        var target = Path.Combine(folder, name);
        File.Copy(source, target, overwrite: true);
        return target;
    }
}
