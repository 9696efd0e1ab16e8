using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Processing;
using MediaTagger.Core.Stages;

namespace MediaTagger.Tests.Processing;

public sealed class StageSetTests
{
    private sealed class NullStage(string name) : IStage
    {
        public string Name => name;

        public IReadOnlySet<MediaKind> Kinds { get; } = new HashSet<MediaKind> { MediaKind.Image };

        public StageModelInfo? Model => null;

        public string Device => "cpu";

        public IReadOnlyDictionary<string, string> Parameters { get; } = new Dictionary<string, string>();

        public Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StageOutcome>>([]);
    }

    private static MediaTaggerOptions Options() => new()
    {
        Pipelines = new() { ["default"] = new PipelineDefinition { Image = [new StageDefinition { Stage = "imagenet", With = { ["topK"] = "3" } }] } },
    };

    [Fact]
    public void A_stage_is_created_once_with_its_definition()
    {
        var created = 0;
        using var set = new StageSet(Options(), d =>
        {
            created++;
            d.With["topK"].Should().Be("3");
            return new NullStage(d.Stage);
        });

        set.Get("imagenet").Should().BeSameAs(set.Get("imagenet"));
        created.Should().Be(1);
    }

    [Fact]
    public void A_stage_that_could_not_be_created_is_tried_again_once_its_model_is_there()
    {
        var modelInstalled = false;
        using var set = new StageSet(Options(), d => modelInstalled ? new NullStage(d.Stage) : throw new InvalidOperationException("model missing"));

        var first = () => set.Get("imagenet");
        first.Should().Throw<InvalidOperationException>();
        modelInstalled = true;
        set.Get("imagenet").Name.Should().Be("imagenet");
    }
}
