using MediaTagger.Core.Models;
using MediaTagger.Core.Scheduling;

namespace MediaTagger.Tests.Models;

public sealed class ModelCatalogTests
{
    internal static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MediaTagger.sln")))
            {
                return Path.Combine([dir.FullName, .. parts]);
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public void The_shipped_catalog_is_valid_and_marks_toy_models_test_only()
    {
        var catalog = ModelCatalog.Load(RepoFile("models", "catalog.json"));
        catalog["mobilenetv2-int8"].TestOnly.Should().BeFalse();
        catalog["stories260k"].TestOnly.Should().BeTrue();
        catalog["whisper-tiny.en-empty"].TestOnly.Should().BeTrue();
        catalog.Models.SelectMany(m => m.Files).Should().OnlyContain(f => f.ImportOnly || f.Url.StartsWith("https://", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_download_comes_from_a_model_or_source_host_and_the_ocr_set_keeps_its_published_checksums()
    {
        // Weights come from where their authors publish them (model hubs, source repositories and their releases),
        // never from a package registry's CDN.
        var catalog = ModelCatalog.Load(RepoFile("models", "catalog.json"));
        string[] hosts = ["huggingface.co", "github.com", "raw.githubusercontent.com"];

        catalog.Models.SelectMany(m => m.Files).Where(f => !f.ImportOnly).Select(f => new Uri(f.Url).Host).Should().OnlyContain(h => hosts.Contains(h));
        var ocr = catalog["ppocr-v4"];
        ocr.Files.Select(f => f.Name).Should().Equal("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx", "ppocr_keys_v1.txt");
        ocr.File("detector").Checksum.Should().Be("30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff");
        ocr.File("recognizer").Checksum.Should().Be("06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0");
        ocr.Files.Should().OnlyContain(f => !f.ImportOnly && f.MirrorPath == "ocr/" + f.Name);
    }

    [Fact]
    public void Every_problem_in_a_bad_catalog_is_listed_with_its_json_path()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """
            { "models": [ { "id": "a", "family": "x", "description": "", "license": "", "tiers": [], "footprint": { "parameters": 0, "bytesPerParameter": 0, "overheadPercent": 0 },
              "files": [ { "role": "model", "name": "m", "url": "not a url", "sha256": "abc", "size": 1 } ] } ] }
            """);
        try
        {
            var act = () => ModelCatalog.Load(path);
            act.Should().Throw<ModelCatalogException>()
                .Which.Message.Should().Contain("$.models[0].files[0].sha256").And.Contain("$.models[0].files[0].url");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_shipped_whisper_models_are_verified_by_their_published_sha1_and_sized_by_tier()
    {
        var catalog = ModelCatalog.Load(RepoFile("models", "catalog.json"));
        var whisper = catalog.Models.Where(m => m.Family == "whisper" && !m.TestOnly).ToList();

        whisper.Select(m => m.Id).Should().Contain(
            ["whisper-tiny", "whisper-tiny.en", "whisper-base", "whisper-base.en", "whisper-small", "whisper-small.en", "whisper-medium",
             "whisper-medium.en", "whisper-large-v3", "whisper-large-v3-turbo", "whisper-base.en-q5_1", "whisper-small-q8_0", "whisper-large-v3-q5_0"]);
        whisper.SelectMany(m => m.Files).Should().OnlyContain(f => f.ChecksumKind == ModelChecksumKind.Sha1 && f.Size > 0);
        catalog["whisper-base.en"].File("model").Checksum.Should().Be("137c40403d78fd54d454da0f9bd998f78703390c");
        catalog["whisper-tiny"].Tiers.Should().Contain("cpu");
        catalog["whisper-medium-q5_0"].Tiers.Should().Contain("4gb").And.NotContain("cpu");
        catalog["whisper-large-v3-q5_0"].Tiers.Should().Equal("8gb");
        catalog["whisper-large-v3"].Heavy.Should().BeTrue();
        catalog["whisper-base"].Heavy.Should().BeFalse();
        catalog["whisper-small-q5_1"].Footprint.EstimatedBytes.Should().BeLessThan(catalog["whisper-small"].Footprint.EstimatedBytes);
        catalog.Models.Where(m => m.TestOnly).Select(m => m.Id).Should().NotContain(id => id.StartsWith("whisper-", StringComparison.Ordinal) && id != "whisper-tiny.en-empty");
    }

    [Fact]
    public void The_shipped_instruct_llms_are_pinned_gguf_files_one_or_more_per_tier()
    {
        var catalog = ModelCatalog.Load(RepoFile("models", "catalog.json"));
        var llms = catalog.Models.Where(m => m.Family == "llm" && !m.TestOnly).ToList();

        llms.Select(m => m.Id).Should().Contain(
            ["qwen2.5-0.5b-instruct-q4_k_m", "qwen2.5-1.5b-instruct-q4_k_m", "llama-3.2-1b-instruct-q4_k_m", "smollm2-1.7b-instruct-q4_k_m",
             "phi-3-mini-4k-instruct-q4", "phi-4-mini-instruct-q4_k_m", "qwen2.5-3b-instruct-q4_k_m", "llama-3.2-3b-instruct-q4_k_m",
             "mistral-7b-instruct-v0.3-q4_k_m", "qwen2.5-7b-instruct-q4_k_m", "llama-3.1-8b-instruct-q3_k_m"]);
        llms.Should().OnlyContain(m => m.Heavy && m.Files.Count == 1 && m.Footprint.WorkingBytes > 0);
        llms.Select(m => m.File("model")).Should().OnlyContain(f =>
            f.ChecksumKind == ModelChecksumKind.Sha256 && f.Size > 0 && f.Name.EndsWith(".gguf", StringComparison.Ordinal)
            && f.Url.StartsWith("https://huggingface.co/", StringComparison.Ordinal) && f.Url.EndsWith("/resolve/main/" + f.Name, StringComparison.Ordinal)
            && f.MirrorPath == "llm/" + f.Name);
        foreach (var tier in new[] { "cpu", "4gb", "8gb" })
        {
            llms.Should().Contain(m => m.Tiers.Contains(tier), "every tier has an instruct model");
        }

        // The weights term is the file itself (bytes per parameter = file size / parameters, to 4 digits).
        llms.Should().OnlyContain(m => Math.Abs((m.Footprint.Parameters * m.Footprint.BytesPerParameter) - m.TotalSize) < m.TotalSize * 0.001);
        catalog["qwen2.5-3b-instruct-q4_k_m"].License.Should().Be("Qwen-Research");
        catalog["phi-3-mini-4k-instruct-q4"].Tiers.Should().Equal("8gb");
        catalog["llama-3.1-8b-instruct-q3_k_m"].Tiers.Should().Equal("8gb");
    }

    [Fact]
    public void Every_model_fits_the_budget_of_each_gpu_tier_it_lists()
    {
        // What the scheduler compares with the budget before a model's first load: the catalog estimate plus the
        // runtime every model host carries (WorkerHost: 80 MiB under process isolation).
        const long hostOverhead = SchedulerSettings.ModelHostOverheadBytes;
        var catalog = ModelCatalog.Load(RepoFile("models", "catalog.json"));

        foreach (var tier in new[] { "4gb", "8gb" })
        {
            var budget = MemoryBudget.Parse(tier).Bytes;
            catalog.Models.Where(m => m.Tiers.Contains(tier))
                .Where(m => m.Footprint.EstimatedBytes + hostOverhead > budget)
                .Select(m => $"{m.Id} needs {(m.Footprint.EstimatedBytes + hostOverhead) >> 20} MiB")
                .Should().BeEmpty($"the {tier} profile allows {budget >> 20} MiB");
        }
    }

    [Theory]
    [InlineData("\"sha1\": \"abc\"", "$.models[0].files[0].sha1 must be 40 hex digits")]
    [InlineData("\"sha256\": \"137c40403d78fd54d454da0f9bd998f78703390c\"", "$.models[0].files[0].sha256 must be 64 hex digits")]
    [InlineData("\"size\": 1", "$.models[0].files[0] needs a sha256 (64 hex digits) or, where none is published, a sha1 (40 hex digits)")]
    public void A_file_needs_a_well_formed_sha256_or_sha1(string checksum, string problem)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, $$"""
            { "models": [ { "id": "a", "family": "x", "description": "", "license": "", "tiers": [], "footprint": { "parameters": 0, "bytesPerParameter": 0, "overheadPercent": 0 },
              "files": [ { "role": "model", "name": "m", "url": "https://example.invalid/m", {{checksum}} } ] } ] }
            """);
        try
        {
            var act = () => ModelCatalog.Load(path);
            act.Should().Throw<ModelCatalogException>().Which.Message.Should().Contain(problem);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_file_with_both_checksums_is_verified_by_sha256()
    {
        var file = new ModelFile("model", "m", "https://example.invalid/m", new string('a', 64), 1, null, new string('b', 40));

        file.ChecksumKind.Should().Be(ModelChecksumKind.Sha256);
        file.Checksum.Should().Be(new string('a', 64));
    }

    [Fact]
    public void An_unknown_id_lists_the_known_ones()
    {
        var catalog = ModelCatalog.Load(RepoFile("models", "catalog.json"));
        var act = () => catalog["nope"];
        act.Should().Throw<KeyNotFoundException>().WithMessage("*mobilenetv2-int8*");
    }
}
