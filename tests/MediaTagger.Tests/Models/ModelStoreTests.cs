using System.Security.Cryptography;
using MediaTagger.Core.Models;

namespace MediaTagger.Tests.Models;

public sealed class ModelStoreTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mt-store-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static ModelEntry Entry(byte[] content, string mirrorPath = "fam/model.bin") => new(
        "toy", "test", "a toy", "MIT", ["cpu"], Heavy: false, TestOnly: true, new ModelFootprint(1000, 2, 25),
        [new ModelFile("model", "model.bin", "https://example.invalid/model.bin", Convert.ToHexStringLower(SHA256.HashData(content)), content.Length, mirrorPath)]);

    [Fact]
    public void A_file_in_the_mirror_is_found_when_the_model_folder_lacks_it()
    {
        var content = "weights"u8.ToArray();
        Directory.CreateDirectory(Path.Combine(root, "mirror", "fam"));
        File.WriteAllBytes(Path.Combine(root, "mirror", "fam", "model.bin"), content);
        var store = new ModelStore(Path.Combine(root, "models"), Path.Combine(root, "mirror"));

        var resolved = store.Resolve(Entry(content), Entry(content).Files[0]);

        resolved.Found.Should().BeTrue();
        resolved.Source.Should().Be("mirror");
    }

    [Fact]
    public void A_file_with_the_wrong_checksum_is_never_used_and_the_reason_names_both_hashes()
    {
        var expected = "weights"u8.ToArray();
        Directory.CreateDirectory(Path.Combine(root, "models", "toy"));
        File.WriteAllBytes(Path.Combine(root, "models", "toy", "model.bin"), "tampered"u8.ToArray());
        var store = new ModelStore(Path.Combine(root, "models"), null);
        var entry = Entry(expected);

        var resolved = store.Resolve(entry, entry.Files[0]);

        resolved.Found.Should().BeFalse();
        resolved.Problem.Should().Contain(entry.Files[0].Checksum).And.Contain("has sha256");
        var act = () => store.Require(entry);
        act.Should().Throw<ModelNotInstalledException>().Which.ModelId.Should().Be("toy");
    }

    [Fact]
    public void A_missing_model_says_how_to_install_it()
    {
        var entry = Entry("x"u8.ToArray());
        var resolved = new ModelStore(Path.Combine(root, "models"), null).Resolve(entry, entry.Files[0]);
        resolved.Problem.Should().Contain("mediatagger models pull toy");
    }

    [Fact]
    public void A_changed_file_is_hashed_again_despite_the_cached_checksum()
    {
        var path = Path.Combine(root, "f.bin");
        File.WriteAllBytes(path, "one"u8.ToArray());
        var first = ModelStore.Sha256Of(path);
        File.WriteAllBytes(path, "two!"u8.ToArray());
        ModelStore.Sha256Of(path).Should().NotBe(first).And.Be(Convert.ToHexStringLower(SHA256.HashData("two!"u8.ToArray())));
    }

    [Fact]
    public void A_file_published_with_only_a_sha1_is_verified_by_sha1_and_a_wrong_one_is_refused()
    {
        var content = "ggml weights"u8.ToArray();
        const string sha1 = "b3186a03f8f12aff84c71360a5e683fc91899595"; // sha1sum of "ggml weights"
        var entry = new ModelEntry("whisper-toy", "whisper", "a toy", "MIT", ["cpu"], Heavy: false, TestOnly: true, new ModelFootprint(1000, 2, 25),
            [new ModelFile("model", "ggml-toy.bin", "https://example.invalid/ggml-toy.bin", null, content.Length, null, sha1)]);
        Directory.CreateDirectory(Path.Combine(root, "models", "whisper-toy"));
        var path = Path.Combine(root, "models", "whisper-toy", "ggml-toy.bin");
        var store = new ModelStore(Path.Combine(root, "models"), null);

        File.WriteAllBytes(path, content);
        var good = store.Resolve(entry, entry.Files[0]);
        File.WriteAllBytes(path, "other weights"u8.ToArray());
        var bad = store.Resolve(entry, entry.Files[0]);

        good.Found.Should().BeTrue();
        File.Exists(path + ".sha1").Should().BeTrue("the verified checksum is cached beside the file");
        bad.Found.Should().BeFalse();
        bad.Problem.Should().Contain("has sha1").And.Contain("expected " + sha1);
    }

    [Fact]
    public void The_footprint_estimate_adds_the_overhead()
    {
        new ModelFootprint(1_000_000, 2, 25).EstimatedBytes.Should().Be(2_500_000);
    }
}
