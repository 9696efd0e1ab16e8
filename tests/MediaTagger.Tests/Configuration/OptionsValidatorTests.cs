using MediaTagger.Core.Configuration;
using MediaTagger.Core.Stages;
using MediaTagger.Stages;
using MediaTagger.Stages.ImageNet;
using MediaTagger.Stages.Probe;
using MediaTagger.Tests.Stages;

namespace MediaTagger.Tests.Configuration;

public sealed class OptionsValidatorTests
{
    private static readonly IReadOnlyList<IStageFamily> Stages = StageTestServices.Families(s => s.AddProbeStage().AddImageNetStage());

    private static MediaTaggerOptions Valid() => new()
    {
        Watch = [new WatchEntry { Path = Path.GetTempPath(), Pipeline = "default" }],
        Pipelines = new() { ["default"] = new PipelineDefinition { Image = [new StageDefinition { Stage = "probe" }] } },
    };

    [Fact]
    public void A_valid_configuration_passes()
    {
        new MediaTaggerOptionsValidator(Stages, "/").Validate(null, Valid()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Every_problem_is_listed_at_once_with_its_json_path()
    {
        var o = Valid();
        o.Worker.StableWindowSeconds = 0;
        o.Worker.Profile = "lots";
        o.Watch.Add(new WatchEntry { Path = "/definitely/not/here", Pipeline = "nope" });
        o.Pipelines["default"].Audio.Add(new StageDefinition { Stage = "whisperx" });
        o.Outputs.Sidecar = "mirror";
        o.Outputs.Formats.Add("docx");
        o.Schedules.Add(new ScheduleEntry { Cron = "61 * * * *", Paths = [Path.GetTempPath()] });

        var result = new MediaTaggerOptionsValidator(Stages, "/").Validate(null, o);

        result.Failed.Should().BeTrue();
        result.Failures.Should().Contain(f => f.StartsWith("$.worker.stableWindowSeconds", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("$.worker.profile", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("$.watch[1].path", StringComparison.Ordinal) && f.Contains("/definitely/not/here", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("$.watch[1].pipeline", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("$.pipelines.default.audio[0].stage", StringComparison.Ordinal) && f.Contains("whisperx", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("$.outputs.mirrorRoot", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("$.outputs.formats[0]", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("$.schedules[0].cron", StringComparison.Ordinal));
        result.Failures.Should().HaveCount(8);
    }

    [Fact]
    public void The_shipped_pipelines_json_is_valid()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "pipelines.json")))
        {
            root = Path.GetDirectoryName(root)!;
        }

        var options = PipelinesFile.Load(Path.Combine(root, "pipelines.json"));
        new MediaTaggerOptionsValidator(StageTestServices.Families(s => s.AddMediaTaggerStages()), root).Validate(null, options).Failures.Should().BeNullOrEmpty();
        options.Pipelines["default"].Image.Select(s => s.Stage).Should().Equal("probe", "imagenet", "faces", "ocr");
        options.Pipelines["dataset"].Image.Select(s => s.Stage).Should().Equal("probe", "clip", "booru", "caption");
        options.Watch.Should().OnlyContain(w => w.Pipeline == "default", "the dataset pipeline needs models the samples run does not have; it is run by name");
    }
}
