using MediaTagger.Core.Configuration;
using MediaTagger.Core.Stages;
using MediaTagger.Hosting;
using MediaTagger.Stages;
using MediaTagger.Stages.Faces;
using MediaTagger.Stages.ImageNet;
using MediaTagger.Stages.Ocr;
using MediaTagger.Stages.Probe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static MediaTagger.Tests.Stages.StageTestServices;

namespace MediaTagger.Tests.Stages;

/// <summary>How stage families are added to a host, and how a definition's "with" is checked and read.</summary>
public sealed class StageFamilyTests
{
    [Fact]
    public void The_catalog_holds_exactly_the_families_that_were_added()
    {
        using var some = Provider(s => s.AddProbeStage().AddOcrStage());
        using var all = Provider(s => s.AddMediaTaggerStages().AddImageNetStage(o => o.TopK = 3));

        some.GetRequiredService<StageCatalog>().Names.Should().BeEquivalentTo("probe", "ocr");
        all.GetRequiredService<StageCatalog>().Names.Should().BeEquivalentTo("probe", "keyframes", "imagenet", "faces", "ocr", "vad", "whisper", "llm", "tags", "caption", "booru", "clip");
        all.GetServices<IStageFamily>().Should().HaveCount(12, "a family added again is still one family");
    }

    [Fact]
    public void An_unknown_stage_is_rejected_with_the_known_list()
    {
        var options = Configuration(new StageDefinition { Stage = "probe" }, new StageDefinition { Stage = "imagenet" });
        using var provider = Provider(s => s.AddProbeStage().AddOcrStage());

        var failures = Validate(options, Families(s => s.AddProbeStage().AddOcrStage()));
        var create = () => provider.GetRequiredService<StageCatalog>().Create(new StageDefinition { Stage = "imagenet" });

        failures.Should().Equal("$.pipelines.default.image[1].stage: unknown stage 'imagenet' (known: ocr, probe)");
        create.Should().Throw<ArgumentException>().WithMessage("unknown stage 'imagenet' (known: ocr, probe)*");
    }

    [Fact]
    public void Clip_templates_that_name_no_template_are_refused_at_start_not_on_every_batch()
    {
        var options = Configuration(new StageDefinition { Stage = "clip", With = { ["labels"] = "cat, dog", ["templates"] = " | " } });

        Validate(options, Families(s => s.AddMediaTaggerStages())).Should().ContainSingle()
            .Which.Should().StartWith("$.pipelines.default.image[0].with.templates: names no template");
    }

    [Fact]
    public void Every_bad_with_value_is_listed_with_its_json_path()
    {
        var options = Configuration(
            new StageDefinition { Stage = "probe", With = { ["verifyImageData"] = "maybe" } },
            new StageDefinition { Stage = "imagenet", With = { ["model"] = "mobilenetv2-int8", ["topK"] = "five" } },
            new StageDefinition { Stage = "faces", With = { ["threshold"] = "1.5", ["colour"] = "red" } },
            new StageDefinition { Stage = "ocr", With = { ["maxSide"] = "10", ["minConfidence"] = "0,5" } });
        options.Pipelines["default"].Audio.Add(new StageDefinition { Stage = "probe", With = { ["ffprobeTimeoutSeconds"] = "0" } });

        var failures = Validate(options, Families(s => s.AddMediaTaggerStages()));

        failures.Should().BeEquivalentTo(
            "$.pipelines.default.image[0].with.verifyImageData: 'maybe' is not true or false",
            "$.pipelines.default.image[1].with.topK: 'five' is not a whole number",
            "$.pipelines.default.image[2].with.threshold: must be between 0 and 1 (is 1.5)",
            "$.pipelines.default.image[2].with.colour: unknown parameter of stage faces (it takes model, threshold, iou, maxFaces)",
            "$.pipelines.default.image[3].with.maxSide: must be between 32 and 4096 (is 10)",
            "$.pipelines.default.image[3].with.minConfidence: '0,5' is not a number",
            "$.pipelines.default.audio[0].with.ffprobeTimeoutSeconds: must be between 0.001 and 86400 (is 0)",
            "$.pipelines.default.audio[0]: stage 'probe' has other parameters than at $.pipelines.default.image[0]; a stage name has one definition per worker (give both the same \"with\" and priority)");
    }

    [Fact]
    public async Task A_bad_with_value_stops_the_worker_at_start_instead_of_failing_at_first_use()
    {
        var folder = Directory.CreateTempSubdirectory("mediatagger-stagecheck-");
        try
        {
            var config = Path.Combine(folder.FullName, "pipelines.json");
            await File.WriteAllTextAsync(config, """
                {
                  "worker": { "journalPath": "journal.db" },
                  "watch": [ { "path": ".", "pipeline": "default" } ],
                  "pipelines": { "default": { "image": [ { "stage": "probe" }, { "stage": "imagenet", "with": { "topK": "0" } } ] } }
                }
                """);
            using var host = WorkerHost.CreateBuilder(config, []).Build();

            var start = () => host.StartAsync();

            (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures
                .Should().Equal("$.pipelines.default.image[1].with.topK: must be between 1 and 1000 (is 0)");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Keys_match_regardless_of_case_and_absent_keys_keep_the_defaults()
    {
        using var provider = Provider(s => s.AddMediaTaggerStages());

        var faces = OptionsOf<FacesStageOptions>(provider, new StageDefinition
        {
            Stage = "faces",
            With = { ["Threshold"] = "0.5", ["iou"] = "0.45", ["MAXFACES"] = "10", ["model"] = "other" },
        });

        faces.Should().Be(new FacesStageOptions { Model = "other", Threshold = 0.5f, Iou = 0.45f, MaxFaces = 10 });
        faces.Settings.Should().Be(new FaceDetectorSettings(0.5f, 0.45f, 10));
        OptionsOf<OcrStageOptions>(provider, new StageDefinition { Stage = "ocr" }).Should().Be(new OcrStageOptions());
    }

    [Fact]
    public void ConfigureDefaults_apply_to_every_definition_and_with_overrides_them()
    {
        using var provider = Provider(s => s.AddImageNetStage(o =>
        {
            o.Model = "toy-b";
            o.TopK = 3;
        }));
        var catalog = provider.GetRequiredService<StageCatalog>();
        var plain = new StageDefinition { Stage = "imagenet" };
        var overridden = new StageDefinition { Stage = "imagenet", With = { ["model"] = "toy-a" } };

        catalog.ModelOf(plain)!.Id.Should().Be("toy-b");
        catalog.ModelSha(plain).Should().Be(ToyModels["toy-b"].File("model").Checksum);
        OptionsOf<ImageNetStageOptions>(provider, plain).TopK.Should().Be(3);
        catalog.ModelOf(overridden)!.Id.Should().Be("toy-a");
        OptionsOf<ImageNetStageOptions>(provider, overridden).TopK.Should().Be(3);
    }

    [Fact]
    public void A_family_added_twice_runs_both_configureDefaults_in_order()
    {
        using var provider = Provider(s => s
            .AddOcrStage(o => o.Model = "toy-b")
            .AddOcrStage(o => o.MaxSide = o.Model == "toy-b" ? 1280 : 32));

        OptionsOf<OcrStageOptions>(provider, new StageDefinition { Stage = "ocr" })
            .Should().Be(new OcrStageOptions { Model = "toy-b", MaxSide = 1280 });
    }

    [Fact]
    public void Invalid_defaults_fail_when_the_family_is_added()
    {
        var add = () => new ServiceCollection().AddFacesStage(o =>
        {
            o.Threshold = 2;
            o.MaxFaces = 0;
        });

        add.Should().Throw<ArgumentException>().WithMessage("Invalid faces stage defaults: threshold: must be between 0 and 1 (is 2); maxFaces: must be at least 1 (is 0).");
    }

    [Fact]
    public void Creating_a_stage_from_unchecked_with_values_names_every_bad_key_before_looking_for_the_model()
    {
        using var provider = Provider(s => s.AddFacesStage());
        var definition = new StageDefinition { Stage = "faces", With = { ["threshold"] = "high", ["iou"] = "2" } };

        var create = () => provider.GetRequiredService<StageCatalog>().Create(definition);

        create.Should().Throw<ArgumentException>()
            .WithMessage("Invalid faces stage options: threshold: 'high' is not a number; iou: must be between 0 and 1 (is 2).");
    }

    private static MediaTaggerOptions Configuration(params StageDefinition[] image) => new()
    {
        Watch = [new WatchEntry { Path = Path.GetTempPath(), Pipeline = "default" }],
        Pipelines = new() { ["default"] = new PipelineDefinition { Image = [.. image] } },
    };

    private static IEnumerable<string> Validate(MediaTaggerOptions options, IReadOnlyList<IStageFamily> families) =>
        new MediaTaggerOptionsValidator(families, "/").Validate(null, options).Failures ?? [];
}
