using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Tests.Models;

namespace MediaTagger.IntegrationTests.Cli;

/// <summary>The `models` verb as a user runs it: list, import from a mirror or a flat folder, verify, plan, and pull from a loopback server.</summary>
public sealed class ModelsCliTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mt-models-cli-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string ModelDirectory => Path.Combine(root, "installed");

    /// <summary>The repository's catalog, models installed under a fresh folder, and a mirror of our choice (empty by default).</summary>
    private Dictionary<string, string> Environment(string? mirror = null)
    {
        var empty = Path.Combine(root, "no-mirror");
        Directory.CreateDirectory(empty);
        return new()
        {
            ["MEDIATAGGER_MODEL_DIR"] = ModelDirectory,
            ["MEDIATAGGER_MODEL_MIRROR"] = mirror ?? empty,
        };
    }

    private static string SharedModels()
    {
        TestAssets.Model("imagenet/mobilenetv2-12-int8.onnx");
        return Path.Combine(TestAssets.SharedDirectory, "models");
    }

    [SkippableFact]
    public void List_json_shows_every_catalog_model_with_its_tiers_size_vram_estimate_licence_and_whether_it_is_installed()
    {
        var mirror = SharedModels();

        var result = CliRunner.Run(Environment(mirror), "models", "list", "--json");

        result.ExitCode.Should().Be(0, result.Stderr);
        var rows = JsonNode.Parse(result.Stdout)!.AsArray().Select(r => r!.AsObject()).ToDictionary(r => (string)r["id"]!);
        var catalog = MediaTagger.Core.Models.ModelCatalog.Load(Path.Combine(TestAssets.RepoRoot, "models", "catalog.json"));
        rows.Keys.Should().BeEquivalentTo(catalog.Models.Select(m => m.Id));
        var mobilenet = rows["mobilenetv2-int8"];
        ((string)mobilenet["family"]!).Should().Be("imagenet");
        mobilenet["tiers"]!.AsArray().Select(t => (string)t!).Should().Contain("cpu");
        ((long)mobilenet["size"]!).Should().Be(3655033 + 14209);
        ((long)mobilenet["estimatedBytes"]!).Should().BePositive();
        ((string)mobilenet["license"]!).Should().Be("Apache-2.0");
        ((bool)mobilenet["installed"]!).Should().BeTrue("the mirror holds it");
        ((string)mobilenet["state"]!).Should().Be("mirror");
        ((bool)rows["whisper-large-v3"]["installed"]!).Should().BeFalse();
        rows["whisper-large-v3"]["files"]![0]!["checksum"]!.GetValue<string>().Should().HaveLength(40, "whisper.cpp publishes sha1 only");

        var table = CliRunner.Run(Environment(mirror), "models", "list");
        table.ExitCode.Should().Be(0);
        table.Stdout.Should().Contain("est. VRAM").And.Contain("mobilenetv2-int8").And.Contain("in mirror");
    }

    [SkippableFact]
    public void Import_from_the_mirror_installs_verified_copies_and_verify_then_finds_a_corrupted_file()
    {
        var mirror = SharedModels();
        var env = Environment();

        var import = CliRunner.Run(env, "models", "import", mirror, "mobilenetv2-int8", "ultraface-rfb-320");

        import.ExitCode.Should().Be(0, import.Stdout + import.Stderr);
        import.Stdout.Should().Contain("mobilenetv2-int8: installed").And.Contain("ultraface-rfb-320: installed");
        var installed = Path.Combine(ModelDirectory, "ultraface-rfb-320", "version-RFB-320.onnx");
        ModelHash(installed).Should().Be("34cd7e60aeff28744c657de7a3dc64e872d506741de66987f3426f2b79f88017");

        var good = CliRunner.Run(env, "models", "verify", "mobilenetv2-int8", "ultraface-rfb-320");
        good.ExitCode.Should().Be(0, good.Stdout);
        good.Stdout.Should().Contain("ultraface-rfb-320: ok").And.Contain("0 corrupt");

        var stamp = File.GetLastWriteTimeUtc(installed);
        var bytes = File.ReadAllBytes(installed);
        bytes[1000] ^= 0x5a;
        File.WriteAllBytes(installed, bytes);
        File.SetLastWriteTimeUtc(installed, stamp);
        var bad = CliRunner.Run(env, "models", "verify", "--json");

        bad.ExitCode.Should().Be(1, "a corrupt file is a problem");
        using var doc = JsonDocument.Parse(bad.Stdout);
        doc.RootElement.GetProperty("ok").GetBoolean().Should().BeFalse();
        var models = doc.RootElement.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        models["ultraface-rfb-320"].GetProperty("state").GetString().Should().Be("corrupt");
        models["ultraface-rfb-320"].GetProperty("files")[0].GetProperty("actual").GetString().Should().Be(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        models["mobilenetv2-int8"].GetProperty("state").GetString().Should().Be("ok");
        models.Should().NotContainKey("whisper-large-v3", "a model not installed at all is not a finding of verify");

        var missing = CliRunner.Run(env, "models", "verify", "whisper-tiny");
        missing.ExitCode.Should().Be(1, "a model asked for by id must be installed");
        missing.Stdout.Should().Contain("missing").And.Contain("mediatagger models pull whisper-tiny");
    }

    [SkippableFact]
    public void Import_from_a_flat_folder_matches_files_by_name_and_checksum_and_refuses_a_wrong_one()
    {
        var mirror = SharedModels();
        var flat = Path.Combine(root, "flat");
        Directory.CreateDirectory(flat);
        File.Copy(Path.Combine(mirror, "face", "version-RFB-320.onnx"), Path.Combine(flat, "version-RFB-320.onnx"));
        var wrong = Path.Combine(root, "wrong");
        Directory.CreateDirectory(wrong);
        File.WriteAllBytes(Path.Combine(wrong, "silero_vad.onnx"), new byte[2327524]);
        var env = Environment();

        var ok = CliRunner.Run(env, "models", "import", flat);
        var refused = CliRunner.Run(env, "models", "import", wrong);

        ok.ExitCode.Should().Be(0, ok.Stdout + ok.Stderr);
        ok.Stdout.Should().Contain("ultraface-rfb-320: installed").And.Contain("imported");
        File.Exists(Path.Combine(ModelDirectory, "ultraface-rfb-320", "version-RFB-320.onnx")).Should().BeTrue();
        refused.ExitCode.Should().Be(1);
        refused.Stdout.Should().Contain("silero-vad-v5: incomplete").And.Contain("WRONG CHECKSUM").And.Contain("1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3");
        File.Exists(Path.Combine(ModelDirectory, "silero-vad-v5", "silero_vad.onnx")).Should().BeFalse();
    }

    [Fact]
    public void Plan_for_4gb_shows_each_pipeline_model_with_its_numbers_against_the_budget()
    {
        var text = CliRunner.Run(Environment(), "models", "plan", "--profile", "4gb", "--pipeline", "default");
        var json = CliRunner.Run(Environment(), "models", "plan", "--profile", "4gb", "--pipeline", "default", "--json");
        var tiny = CliRunner.Run(Environment(), "models", "plan", "--profile", "256", "--pipeline", "default");

        text.ExitCode.Should().Be(0, text.Stdout + text.Stderr);
        text.Stdout.Should().Contain("Profile 4gb: budget 3584 MB").And.Contain("whisper-base").And.Contain("ppocr-v4").And.Contain("Peak ");
        using var doc = JsonDocument.Parse(json.Stdout);
        doc.RootElement.GetProperty("budgetMB").GetInt64().Should().Be(3584);
        doc.RootElement.GetProperty("fits").GetBoolean().Should().BeTrue();
        var models = doc.RootElement.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        models.Keys.Should().BeEquivalentTo("mobilenetv2-int8", "ultraface-rfb-320", "ppocr-v4", "silero-vad-v5", "whisper-base");
        models.Values.Should().OnlyContain(m => m.GetProperty("needBytes").GetInt64() > m.GetProperty("estimatedBytes").GetInt64() || m.GetProperty("measured").GetBoolean(),
            "before a measurement, the scheduler counts the estimate plus the model host's runtime");
        models["ppocr-v4"].GetProperty("usedBy").EnumerateArray().Select(u => u.GetString()).Should().Equal("default/image/ocr", "default/video/ocr");
        var peak = doc.RootElement.GetProperty("peak");
        peak.GetProperty("mb").GetInt64().Should().BeLessThanOrEqualTo(3584);
        tiny.ExitCode.Should().Be(1, "a model larger than a 256 MB budget is refused by the scheduler");
        tiny.Stdout.Should().Contain("more than the 256 MB budget").And.Contain("--profile");
    }

    [Fact]
    public void Pull_downloads_from_the_catalog_url_resumes_after_a_cut_and_refuses_a_wrong_file_or_a_404()
    {
        var weights = new byte[300_000];
        new Random(11).NextBytes(weights);
        using var server = new LoopbackFileServer(weights) { CutResponses = 1, CutAfterBytes = 120_000 };
        var home = Path.Combine(root, "home");
        Directory.CreateDirectory(Path.Combine(home, "models"));
        File.WriteAllText(Path.Combine(home, "models", "catalog.json"), Catalog(
            ("loopback-toy", server.Url.ToString(), weights),
            ("loopback-wrong", server.Url.ToString(), weights[..1000]),
            ("loopback-gone", new Uri(server.Url, "/gone.bin").ToString(), weights)));
        var env = Environment();
        env["MEDIATAGGER_HOME"] = home;

        var pulled = CliRunner.Run(env, "models", "pull", "loopback-toy");
        var again = CliRunner.Run(env, "models", "pull", "loopback-toy");
        var wrong = CliRunner.Run(env, "models", "pull", "loopback-wrong");
        var gone = CliRunner.Run(env, "models", "pull", "loopback-gone");
        var list = CliRunner.Run(env, "models", "list", "--json");

        pulled.ExitCode.Should().Be(0, pulled.Stdout + pulled.Stderr);
        pulled.Stdout.Should().Contain("downloaded, sha256 verified");
        pulled.Stderr.Should().Contain("retrying", "the cut was noticed and the download resumed");
        server.Ranges.Should().StartWith([null, "bytes=120000-"]);
        File.ReadAllBytes(Path.Combine(ModelDirectory, "loopback-toy", "model.bin")).Should().Equal(weights);
        again.ExitCode.Should().Be(0);
        again.Stdout.Should().Contain("already installed");
        wrong.ExitCode.Should().Be(1);
        wrong.Stderr.Should().Contain("discarded").And.Contain("1 of 1 model(s) not installed");
        File.Exists(Path.Combine(ModelDirectory, "loopback-wrong", "model.bin")).Should().BeFalse();
        gone.ExitCode.Should().Be(1);
        gone.Stderr.Should().Contain("HTTP 404");
        var installed = JsonNode.Parse(list.Stdout)!.AsArray().ToDictionary(r => (string)r!["id"]!, r => (bool)r!["installed"]!);
        installed.Should().Equal(new Dictionary<string, bool> { ["loopback-toy"] = true, ["loopback-wrong"] = false, ["loopback-gone"] = false });
    }

    private static string ModelHash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Catalog(params (string Id, string Url, byte[] Published)[] models) => new JsonObject
    {
        ["models"] = new JsonArray(models.Select(m => (JsonNode)new JsonObject
        {
            ["id"] = m.Id,
            ["family"] = "test",
            ["description"] = "served by the test's loopback server",
            ["license"] = "MIT",
            ["tiers"] = new JsonArray("cpu"),
            ["heavy"] = false,
            ["testOnly"] = true,
            ["footprint"] = new JsonObject { ["parameters"] = 1000, ["bytesPerParameter"] = 4, ["overheadPercent"] = 25 },
            ["files"] = new JsonArray(new JsonObject
            {
                ["role"] = "model",
                ["name"] = "model.bin",
                ["url"] = m.Url,
                ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(m.Published)),
                ["size"] = m.Published.Length,
            }),
        }).ToArray()),
    }.ToJsonString();
}
