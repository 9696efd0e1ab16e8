using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Sidecars;

namespace MediaTagger.Tests.Sidecars;

public sealed class SidecarTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mt-sidecar-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static SidecarInput Input(params StageRecord[] stages) => new(
        "/media/cat.png", 1234, DateTimeOffset.UnixEpoch, "ab", new MediaType(MediaKind.Image, "png", "image/png"), "default", "cfg1", stages, ["note"]);

    [Fact]
    public void Status_is_complete_partial_or_failed_from_the_stages()
    {
        var probe = new StageRecord("probe", "done", 1, new JsonObject { ["width"] = 10 }, null);
        var failed = new StageRecord("imagenet", "failed", 3, null, "boom");
        SidecarDocument.StatusOf([probe]).Should().Be("complete");
        SidecarDocument.StatusOf([probe, failed]).Should().Be("partial");
        SidecarDocument.StatusOf([new StageRecord("probe", "failed", 1, null, "corrupt"), failed]).Should().Be("failed");
    }

    [Fact]
    public void The_document_carries_source_stage_errors_and_provenance()
    {
        var doc = SidecarDocument.Build(Input(
            new StageRecord("probe", "done", 1, new JsonObject { ["width"] = 451, ["height"] = 300 }, null),
            new StageRecord("imagenet", "quarantined", 3, null, "model crashed")), "0.1.0", DateTimeOffset.UnixEpoch);

        doc["schema"]!.GetValue<string>().Should().Be("mediatagger/sidecar@1");
        doc["status"]!.GetValue<string>().Should().Be("partial");
        doc["source"]!["width"]!.GetValue<int>().Should().Be(451);
        doc["stages"]!["imagenet"]!["status"]!.GetValue<string>().Should().Be("quarantined");
        doc["errors"]!.AsArray().Should().ContainSingle();
        doc["errors"]![0]!["stage"]!.GetValue<string>().Should().Be("imagenet");
        doc["generator"]!["configHash"]!.GetValue<string>().Should().Be("cfg1");
    }

    [Fact]
    public void Beside_and_mirror_placement_and_own_output_recognition()
    {
        var beside = new SidecarWriter(new OutputOptions(), [root], root);
        beside.SidecarPath(Path.Combine(root, "a", "cat.png")).Should().Be(Path.Combine(root, "a", "cat.png.json"));
        beside.IsOwnOutput(Path.Combine(root, "cat.png.json")).Should().BeTrue();
        beside.IsOwnOutput(Path.Combine(root, ".cat.png.json" + SidecarWriter.TempMarker + "1234")).Should().BeTrue();
        beside.IsOwnOutput(Path.Combine(root, "notes.json")).Should().BeFalse();
        beside.IsOwnOutput(Path.Combine(root, "cat.png")).Should().BeFalse();

        var mirror = new SidecarWriter(new OutputOptions { Sidecar = "mirror", MirrorRoot = "out" }, [Path.Combine(root, "in")], root);
        mirror.SidecarPath(Path.Combine(root, "in", "x", "cat.png")).Should().Be(Path.Combine(root, "out", "x", "cat.png.json"));
        mirror.IsOwnOutput(Path.Combine(root, "out", "x", "cat.png.json")).Should().BeTrue();
    }

    [Fact]
    public void Writing_replaces_the_sidecar_whole_and_leaves_no_temp_file()
    {
        var writer = new SidecarWriter(new OutputOptions(), [root], root);
        var media = Path.Combine(root, "cat.png");
        writer.Write(media, new JsonObject { ["v"] = 1 });
        var path = writer.Write(media, new JsonObject { ["v"] = 2 });

        JsonNode.Parse(File.ReadAllText(path))!["v"]!.GetValue<int>().Should().Be(2);
        Directory.GetFiles(root).Should().ContainSingle().Which.Should().Be(path);
    }
}
