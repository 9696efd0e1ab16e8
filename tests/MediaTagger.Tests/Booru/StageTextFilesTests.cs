using System.Text.Json.Nodes;
using FluentAssertions;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Sidecars;
using Xunit;

namespace MediaTagger.Tests.Booru;

public sealed class StageTextFilesTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mt-text-").FullName;
    private readonly SidecarWriter sidecars;
    private readonly StageTextFiles files;

    public StageTextFilesTests()
    {
        sidecars = new SidecarWriter(new OutputOptions(), [folder], folder);
        files = new StageTextFiles(sidecars);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static JsonObject Sidecar(string name, string text, string existing = "keep") => new()
    {
        ["stages"] = new JsonObject
        {
            ["booru"] = new JsonObject
            {
                ["status"] = "done",
                ["textFile"] = new JsonObject { ["name"] = name, ["text"] = text, ["existing"] = existing, ["separator"] = ", " },
            },
        },
    };

    [Fact]
    public void The_caption_goes_beside_the_image_under_its_stem_and_is_recorded()
    {
        var image = Path.Combine(folder, "photo.png");

        var written = files.Write(image, MediaKind.Image, Sidecar("photo.txt", "1girl, solo"), []);

        written.Should().ContainSingle().Which.Should().Be(KeyValuePair.Create("booru", Path.Combine(folder, "photo.txt")));
        File.ReadAllText(Path.Combine(folder, "photo.txt")).Should().Be("1girl, solo\n");
    }

    [Fact]
    public void A_users_caption_is_kept_overwritten_or_appended_to_as_asked_and_our_own_is_replaced()
    {
        var image = Path.Combine(folder, "photo.png");
        var txt = Path.Combine(folder, "photo.txt");
        File.WriteAllText(txt, "my tag, solo\n");

        files.Write(image, MediaKind.Image, Sidecar("photo.txt", "1girl, solo"), []).Should().BeEmpty();
        File.ReadAllText(txt).Should().Be("my tag, solo\n", "keep leaves a file the worker did not write alone");

        files.Write(image, MediaKind.Image, Sidecar("photo.txt", "1girl, solo", "append"), []).Should().BeEmpty("an appended file stays the user's");
        File.ReadAllText(txt).Should().Be("my tag, solo, 1girl\n");

        files.Write(image, MediaKind.Image, Sidecar("photo.txt", "1girl, solo", "overwrite"), []).Should().ContainSingle();
        File.ReadAllText(txt).Should().Be("1girl, solo\n");

        files.Write(image, MediaKind.Image, Sidecar("photo.txt", "cat"), [txt]).Should().ContainSingle("the worker's own file is replaced even with keep");
        File.ReadAllText(txt).Should().Be("cat\n");
    }

    [Fact]
    public void Only_the_images_own_names_are_accepted()
    {
        var image = Path.Combine(folder, "photo.png");
        StageTextFiles.IsNameFor(image, "photo.txt").Should().BeTrue();
        StageTextFiles.IsNameFor(image, "photo.png.txt").Should().BeTrue();
        StageTextFiles.IsNameFor(image, "photo.caption").Should().BeTrue();
        StageTextFiles.IsNameFor(image, "other.txt").Should().BeFalse();
        StageTextFiles.IsNameFor(image, "../photo.txt").Should().BeFalse();
        StageTextFiles.IsNameFor(image, "photo.png.json").Should().BeFalse();

        files.Write(image, MediaKind.Image, Sidecar("../escape.txt", "x"), []).Should().BeEmpty();
        files.Write(Path.Combine(folder, "clip.mp4"), MediaKind.Video, Sidecar("clip.txt", "x"), []).Should().BeEmpty("videos keep .txt for transcripts");
        File.Exists(Path.Combine(folder, "..", "escape.txt")).Should().BeFalse();
    }

    [Fact]
    public void Recorded_outputs_are_read_back_for_the_image_only()
    {
        var image = Path.Combine(folder, "photo.png");
        var sidecar = sidecars.SidecarPath(image);
        File.WriteAllText(sidecar, """{ "outputs": { "booru": "photo.txt", "evil": "../x.txt", "other": "notes.txt" } }""");

        StageTextFiles.RecordedIn(image, sidecar).Should().Equal(Path.Combine(folder, "photo.txt"));
    }
}
