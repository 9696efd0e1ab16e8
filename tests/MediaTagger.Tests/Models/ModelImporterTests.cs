using System.Security.Cryptography;
using MediaTagger.Core.Models;

namespace MediaTagger.Tests.Models;

/// <summary>`models import DIR` and `models verify` on toy files: mirror layout, flat folders, wrong and damaged files.</summary>
public sealed class ModelImporterTests : IDisposable
{
    private static readonly byte[] Weights = "detector weights"u8.ToArray();
    private static readonly byte[] Labels = "cat\ndog\n"u8.ToArray();
    private readonly string root = Directory.CreateTempSubdirectory("mt-import-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private ModelStore Store => new(Path.Combine(root, "models"), null);

    private static ModelEntry Entry() => new(
        "toy", "test", "a toy", "MIT", ["cpu"], Heavy: false, TestOnly: true, new ModelFootprint(1000, 2, 25),
        [
            new ModelFile("model", "toy.onnx", "https://example.invalid/toy.onnx", Sha(Weights), Weights.Length, "fam/toy.onnx"),
            new ModelFile("labels", "labels.txt", "", Sha(Labels), Labels.Length, "fam/labels.txt"),
        ]);

    private static string Sha(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private string Write(string relative, byte[] content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string InstalledPath(string name) => Path.Combine(root, "models", "toy", name);

    [Fact]
    public void A_mirror_folder_is_imported_by_its_mirror_paths_and_the_files_are_installed_verified()
    {
        Write("mirror/fam/toy.onnx", Weights);
        Write("mirror/fam/labels.txt", Labels);

        var result = new ModelImporter(Store).Import(Path.Combine(root, "mirror"), [Entry()], link: false).Should().ContainSingle().Subject;

        result.Complete.Should().BeTrue();
        result.Files.Should().OnlyContain(f => f.Outcome == ImportOutcome.Imported);
        File.ReadAllBytes(InstalledPath("toy.onnx")).Should().Equal(Weights);
        File.ReadAllBytes(InstalledPath("labels.txt")).Should().Equal(Labels);
        Store.Require(Entry()).Should().ContainKeys("model", "labels");
        Store.Verify(Entry()).Should().OnlyContain(v => v.State == ModelFileState.Ok && v.Location == "model-folder");
    }

    [Fact]
    public void A_flat_folder_is_matched_by_file_name_and_checksum_and_a_same_named_wrong_file_is_rejected()
    {
        Write("usb/downloads/toy.onnx", Weights);
        Write("usb/labels.txt", "not the labels"u8.ToArray());
        Write("usb/old/labels.txt", Labels);
        Write("usb/copy/labels.txt", "tampered"u8.ToArray().Concat(new byte[Labels.Length - 8]).ToArray());

        var result = new ModelImporter(Store).Import(Path.Combine(root, "usb"), [Entry()], link: false).Single();

        result.Complete.Should().BeTrue();
        var labels = result.Files.Single(f => f.File.Role == "labels");
        labels.From.Should().Be(Path.Combine(root, "usb", "old", "labels.txt"));
        labels.Rejected.Should().Contain(r => r.Path.EndsWith(Path.Combine("usb", "labels.txt"), StringComparison.Ordinal) && r.Reason.Contains("expected", StringComparison.Ordinal));
        File.ReadAllBytes(InstalledPath("labels.txt")).Should().Equal(Labels);
    }

    [Fact]
    public void Only_wrong_files_in_the_folder_install_nothing_and_say_why()
    {
        Write("usb/toy.onnx", "other weights 16"u8.ToArray());

        var result = new ModelImporter(Store).Import(Path.Combine(root, "usb"), [Entry()], link: false).Single();

        result.Complete.Should().BeFalse();
        var model = result.Files.Single(f => f.File.Role == "model");
        model.Outcome.Should().Be(ImportOutcome.WrongChecksum);
        model.Rejected.Single().Reason.Should().Contain("sha256").And.Contain(Sha(Weights));
        result.Files.Single(f => f.File.Role == "labels").Outcome.Should().Be(ImportOutcome.NotFound);
        File.Exists(InstalledPath("toy.onnx")).Should().BeFalse();
    }

    [Fact]
    public void Verify_rehashes_and_finds_a_corrupted_installed_file_despite_its_cached_checksum()
    {
        Write("mirror/fam/toy.onnx", Weights);
        Write("mirror/fam/labels.txt", Labels);
        new ModelImporter(Store).Import(Path.Combine(root, "mirror"), [Entry()], link: false);
        Store.Require(Entry()); // caches the checksums
        var installed = InstalledPath("toy.onnx");
        var stamp = File.GetLastWriteTimeUtc(installed);
        var bytes = File.ReadAllBytes(installed);
        bytes[3] ^= 0xff;
        File.WriteAllBytes(installed, bytes);
        File.SetLastWriteTimeUtc(installed, stamp); // same size and mtime: only a real re-hash notices
        File.Delete(InstalledPath("labels.txt"));

        var verified = Store.Verify(Entry());

        var model = verified.Single(v => v.File.Role == "model");
        model.State.Should().Be(ModelFileState.Corrupt);
        model.Actual.Should().Be(Sha(bytes));
        model.Note.Should().Contain("mediatagger models pull toy");
        verified.Single(v => v.File.Role == "labels").State.Should().Be(ModelFileState.Missing);
    }

    [Fact]
    public void A_catalog_file_without_a_url_loads_as_import_only()
    {
        var path = Path.Combine(root, "catalog.json");
        File.WriteAllText(path, $$"""
            { "models": [ { "id": "a", "family": "x", "description": "", "license": "", "tiers": ["cpu"], "footprint": { "parameters": 1, "bytesPerParameter": 4, "overheadPercent": 0 },
              "files": [ { "role": "model", "name": "m.onnx", "sha256": "{{Sha(Weights)}}", "size": {{Weights.Length}} },
                         { "role": "labels", "name": "l.txt", "url": "https://example.invalid/l.txt", "sha256": "{{Sha(Labels)}}", "size": {{Labels.Length}} } ] } ] }
            """);

        var model = ModelCatalog.Load(path)["a"];

        model.File("model").ImportOnly.Should().BeTrue();
        model.File("model").Url.Should().BeEmpty();
        model.File("labels").ImportOnly.Should().BeFalse();
    }
}
