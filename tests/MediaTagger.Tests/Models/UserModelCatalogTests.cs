using MediaTagger.Core.Models;
using MediaTagger.Stages;

namespace MediaTagger.Tests.Models;

/// <summary>models/user-catalog.json (what `models add` writes) merged into the catalog, and the roles a family accepts.</summary>
public sealed class UserModelCatalogTests : IDisposable
{
    private const string Sha = "f51f32d6fde21453f8aa72c08228a29342439b0a0bded7a8ac421513e3bac069";

    private readonly string folder = Directory.CreateTempSubdirectory("mt-user-catalog-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string ProductCatalog()
    {
        var path = Path.Combine(folder, "catalog.json");
        File.Copy(ModelCatalogTests.RepoFile("models", "catalog.json"), path, overwrite: true);
        return path;
    }

    private static ModelEntry Blip(string id = "blip-base") => new(id, "caption", "mine", "BSD-3-Clause", ["cpu", "4gb"], Heavy: true, TestOnly: false,
        new ModelFootprint(247_000_000, 4, 25, 64 << 20),
        [
            new ModelFile("vision", "vision_model.onnx", "", Sha, 587, null),
            new ModelFile("decoder", "text_decoder_model.onnx", "https://huggingface.co/Xenova/blip-image-captioning-base/resolve/main/onnx/text_decoder_model.onnx", Sha, 3918, null),
            new ModelFile("vocab", "vocab.txt", "", Sha, 75, null),
        ],
        ModelEntry.UserSource);

    [Fact]
    public void Load_merges_the_user_catalog_beside_the_product_one_and_marks_its_entries()
    {
        var catalogPath = ProductCatalog();
        UserModelCatalog.Write(ModelCatalog.UserCatalogBeside(catalogPath), [Blip()]);

        var catalog = ModelCatalog.Load(catalogPath);

        var blip = catalog["blip-base"];
        blip.IsUser.Should().BeTrue();
        blip.Should().BeEquivalentTo(Blip(), "the user catalog keeps every field `models add` wrote");
        blip.File("decoder").ImportOnly.Should().BeFalse();
        blip.File("vision").ImportOnly.Should().BeTrue("a file added without --source-url has no public source");
        catalog["mobilenetv2-int8"].Source.Should().Be(ModelEntry.ProductSource);
        catalog.Models.Should().HaveCount(ModelCatalog.Load(catalogPath, userCatalogPath: null).Models.Count + 1);
    }

    [Fact]
    public void A_user_entry_replaces_a_product_entry_of_the_same_id_so_a_later_product_catalog_cannot_break_it()
    {
        var catalogPath = ProductCatalog();
        UserModelCatalog.Write(ModelCatalog.UserCatalogBeside(catalogPath), [Blip("mobilenetv2-int8") with { Family = "imagenet" }]);

        var catalog = ModelCatalog.Load(catalogPath);

        catalog["mobilenetv2-int8"].IsUser.Should().BeTrue();
        catalog["mobilenetv2-int8"].File("vision").Checksum.Should().Be(Sha);
        catalog.Models.Count(m => m.Id == "mobilenetv2-int8").Should().Be(1);
    }

    [Theory]
    [InlineData("{ \"models\": [ { \"id\": ", "is not a valid model catalog")]
    [InlineData("[]", "is not a valid model catalog")]
    [InlineData("{ \"models\": [ { \"id\": \"x\", \"family\": \"caption\", \"footprint\": { \"parameters\": 1, \"bytesPerParameter\": 1, \"overheadPercent\": 0 }, \"files\": [ { \"role\": \"vision\", \"name\": \"v.onnx\", \"size\": 1 } ] } ] }",
        "$.models[0].files[0] needs a sha256")]
    [InlineData("{ \"models\": [ { \"id\": \"x\", \"family\": \"caption\" } ] }", "$.models[0].footprint is missing")]
    public void A_malformed_user_catalog_is_an_error_naming_the_file_and_the_problem(string json, string problem)
    {
        var catalogPath = ProductCatalog();
        var userPath = ModelCatalog.UserCatalogBeside(catalogPath);
        File.WriteAllText(userPath, json);

        var act = () => ModelCatalog.Load(catalogPath);

        act.Should().Throw<ModelCatalogException>()
            .Which.Should().Match<ModelCatalogException>(e => e.CatalogPath == userPath && e.Message.Contains(userPath) && e.Message.Contains(problem));
    }

    [Fact]
    public void Rewriting_the_user_catalog_keeps_the_other_entries()
    {
        var userPath = Path.Combine(folder, ModelCatalog.UserCatalogName);
        UserModelCatalog.Write(userPath, [Blip("a"), Blip("b")]);

        UserModelCatalog.Write(userPath, UserModelCatalog.Read(userPath).Where(m => m.Id != "a"));

        UserModelCatalog.Read(userPath).Select(m => m.Id).Should().Equal("b");
        Directory.GetFiles(folder).Should().NotContain(f => f.Contains(Core.Sidecars.SidecarWriter.TempMarker, StringComparison.Ordinal), "the rewrite leaves no temporary file");
    }

    [Fact]
    public void The_estimate_of_a_model_added_without_parameters_is_its_file_size_and_its_tiers_follow_the_budgets()
    {
        var small = UserModelCatalog.Estimate(1L << 30, null, null);
        var large = UserModelCatalog.Estimate(0, 7_000_000_000, 2);

        small.EstimatedBytes.Should().BeGreaterThan(1L << 30);
        UserModelCatalog.TiersFor(small.EstimatedBytes).Should().Equal("cpu", "4gb", "8gb");
        UserModelCatalog.TiersFor(large.EstimatedBytes).Should().Equal("cpu");
    }

    [Fact]
    public void Each_family_names_the_roles_its_stage_reads()
    {
        var families = StageServiceCollectionExtensions.StageFamilies().ToDictionary(f => f.Name);

        families["caption"].ModelRoles!.Problem("caption", ["vision", "decoder", "vocab"]).Should().BeNull();
        families["clip"].ModelRoles!.Problem("clip", ["visual", "textual", "merges"]).Should().BeNull();
        families["booru"].ModelRoles!.Problem("booru", ["model", "tags"]).Should().BeNull("WD14");
        families["booru"].ModelRoles!.Problem("booru", ["model", "tags-txt"]).Should().BeNull("DeepDanbooru");
        families["booru"].ModelRoles!.Problem("booru", ["model", "tags-txt", "tags-character"]).Should().BeNull("DeepDanbooru with character tags");
        families["ocr"].ModelRoles!.Problem("ocr", ["detector", "recognizer", "dictionary"]).Should().BeNull("the classifier is optional");
        families["probe"].ModelRoles.Should().BeNull("probe runs no model");
    }

    [Theory]
    [InlineData("caption", new[] { "vision", "decoder" }, "missing role vocab. Expected roles: vision, decoder, vocab")]
    [InlineData("caption", new[] { "vision", "decoder", "vocab", "tokenizer" }, "unknown role tokenizer. Expected roles: vision, decoder, vocab")]
    [InlineData("booru", new[] { "model" }, "Expected roles: model, tags (WD14) or model, tags-txt, [tags-character] (DeepDanbooru)")]
    [InlineData("booru", new[] { "model", "tags", "tags-txt" }, "roles of different layouts mixed")]
    public void A_wrong_or_missing_role_is_refused_with_the_expected_roles(string family, string[] roles, string message)
    {
        var stageFamily = StageServiceCollectionExtensions.StageFamilies().Single(f => f.Name == family);

        stageFamily.ModelRoles!.Problem(family, roles).Should().Contain(message);
    }
}
