using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MediaTagger.IntegrationTests.Caption;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Cli;

/// <summary>
/// `models add` as a user runs it for an export without a published checksum: the synthetic tiny BLIP added as the
/// caption stage's default model id (blip-base), then tagged, verified, corrupted and removed, all by the real executable.
/// </summary>
public sealed class ModelsAddCliTests
{
    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string[] AddBlip(string models, string id = "blip-base") =>
    [
        "models", "add", id, "--family", "caption",
        "--file", "vision=" + Path.Combine(models, "vision_model.onnx"),
        "--file", "decoder=" + Path.Combine(models, "text_decoder_model.onnx"),
        "--file", "vocab=" + Path.Combine(models, "vocab.txt"),
        "--heavy", "--license", "BSD-3-Clause",
    ];

    [SkippableFact]
    public void An_added_blip_captions_images_by_its_id_verifies_and_a_corrupted_file_fails_verify()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        var models = TinyBlipTests.Generated();
        using var home = new SyntheticModels.Home();

        var add = CliRunner.Run(home.Environment, AddBlip(models));

        add.ExitCode.Should().Be(0, add.Stdout + add.Stderr);
        add.Stdout.Should().Contain(Sha256(Path.Combine(models, "text_decoder_model.onnx")));
        var userCatalog = Path.Combine(home.Root, "models", "user-catalog.json");
        File.Exists(userCatalog).Should().BeTrue();
        File.Exists(Path.Combine(home.ModelDirectory, "blip-base", "vision_model.onnx")).Should().BeTrue("the files are installed as `models import` installs them");

        var list = CliRunner.Run(home.Environment, "models", "list", "--json");
        list.ExitCode.Should().Be(0, list.Stderr);
        var row = JsonNode.Parse(list.Stdout)!.AsArray().Single(r => (string)r!["id"]! == "blip-base")!;
        ((string)row["source"]!).Should().Be("user");
        ((string)row["family"]!).Should().Be("caption");
        ((string)row["state"]!).Should().Be("installed");
        ((bool)row["heavy"]!).Should().BeTrue();
        row["files"]!.AsArray().Select(f => (string)f!["role"]!).Should().Equal("vision", "decoder", "vocab");
        CliRunner.Run(home.Environment, "models", "list").Stdout.Should().Contain("blip-base [user]");

        // The caption stage's default model is blip-base: the pipeline need not name it.
        using var box = new WorkerSandbox("""[ { "stage": "probe" }, { "stage": "caption" } ]""");
        var red = SolidImages.Write(box.Inbox, "red.png", 230, 20, 20, width: 64, height: 48);
        var blue = SolidImages.Write(box.Inbox, "blue.png", 10, 30, 220, width: 64, height: 48);

        var tag = CliRunner.Run(home.Environment, TimeSpan.FromMinutes(3), "tag", "--config", box.ConfigPath, box.Inbox);

        tag.ExitCode.Should().Be(0, tag.Stdout + tag.Stderr);
        foreach (var (path, colour) in new[] { (red, "red"), (blue, "blue") })
        {
            var sidecar = WorkerSandbox.Sidecar(path)!;
            sidecar["status"]!.GetValue<string>().Should().Be("complete", sidecar.ToJsonString());
            var caption = sidecar["stages"]!["caption"]!;
            caption["caption"]!.GetValue<string>().Should().Be($"a {colour} cat");
            caption["model"]!["id"]!.GetValue<string>().Should().Be("blip-base");
            caption["model"]!["sha256"]!.GetValue<string>().Should().Be(Sha256(Path.Combine(models, "text_decoder_model.onnx")));
        }

        var verify = CliRunner.Run(home.Environment, "models", "verify", "blip-base");
        verify.ExitCode.Should().Be(0, verify.Stdout + verify.Stderr);
        verify.Stdout.Should().Contain("blip-base: ok");

        File.AppendAllText(Path.Combine(home.ModelDirectory, "blip-base", "vocab.txt"), "tampered\n");
        var corrupt = CliRunner.Run(home.Environment, "models", "verify", "blip-base");
        corrupt.ExitCode.Should().Be(1, corrupt.Stdout);
        corrupt.Stdout.Should().Contain("CORRUPT  vocab.txt").And.Contain(Sha256(Path.Combine(models, "vocab.txt")));

        var again = CliRunner.Run(home.Environment, AddBlip(models));
        again.ExitCode.Should().Be(1, "an id added before is only replaced with --force");
        again.Stderr.Should().Contain("--force");
        var forced = CliRunner.Run(home.Environment, [.. AddBlip(models), "--force"]);
        forced.ExitCode.Should().Be(0, forced.Stdout + forced.Stderr);
        CliRunner.Run(home.Environment, "models", "verify", "blip-base").ExitCode.Should().Be(0, "--force installed the good file again");

        var remove = CliRunner.Run(home.Environment, "models", "remove", "blip-base");
        remove.ExitCode.Should().Be(0, remove.Stdout + remove.Stderr);
        Directory.Exists(Path.Combine(home.ModelDirectory, "blip-base")).Should().BeFalse();
        CliRunner.Run(home.Environment, "models", "list", "--json").Stdout.Should().NotContain("\"blip-base\"");
    }

    [SkippableFact]
    public void A_wrong_role_a_product_id_and_a_broken_user_catalog_are_refused_with_what_is_expected()
    {
        var models = TinyBlipTests.Generated();
        using var home = new SyntheticModels.Home();
        var userCatalog = Path.Combine(home.Root, "models", "user-catalog.json");

        var wrongRole = CliRunner.Run(home.Environment, "models", "add", "blip-base", "--family", "caption",
            "--file", "vision=" + Path.Combine(models, "vision_model.onnx"), "--file", "text=" + Path.Combine(models, "text_decoder_model.onnx"),
            "--file", "vocab=" + Path.Combine(models, "vocab.txt"));
        wrongRole.ExitCode.Should().Be(1);
        wrongRole.Stderr.Should().Contain("unknown role text").And.Contain("missing role decoder").And.Contain("Expected roles: vision, decoder, vocab");

        var unknownFamily = CliRunner.Run(home.Environment, "models", "add", "x", "--family", "captions", "--file", "vision=" + Path.Combine(models, "vision_model.onnx"));
        unknownFamily.ExitCode.Should().Be(1);
        unknownFamily.Stderr.Should().Contain("unknown family 'captions'").And.Contain("caption");

        var productId = CliRunner.Run(home.Environment, AddBlip(models, "mobilenetv2-int8"));
        productId.ExitCode.Should().Be(1);
        productId.Stderr.Should().Contain("is a product catalog model");
        File.Exists(userCatalog).Should().BeFalse("nothing refused is written");

        File.WriteAllText(userCatalog, "{ \"models\": [ { \"id\": \"blip-base\", ");
        var list = CliRunner.Run(home.Environment, "models", "list");
        list.ExitCode.Should().Be(1);
        list.Stderr.Should().Contain("configuration error").And.Contain(userCatalog).And.NotContain("Unhandled exception");

        using var box = new WorkerSandbox();
        var tag = CliRunner.Run(home.Environment, "tag", "--config", box.ConfigPath, box.Inbox);
        tag.ExitCode.Should().Be(1);
        tag.Stderr.Should().Contain("configuration error").And.Contain(userCatalog).And.NotContain("   at ");
    }
}
