using MediaTagger.Core.Models;
using MediaTagger.Core.Scheduling;

namespace MediaTagger.Tests.Scheduling;

/// <summary>`models plan`: the scheduler's rule (each model against the budget, one heavy model resident at a time) with its numbers.</summary>
public sealed class ModelPlanTests : IDisposable
{
    private const long MiB = 1L << 20;
    private readonly string root = Directory.CreateTempSubdirectory("mt-plan-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static ModelEntry Model(string id, bool heavy, long estimatedMiB) => new(
        id, "test", id, "MIT", ["4gb"], heavy, TestOnly: true, new ModelFootprint(estimatedMiB * MiB, 1, 0),
        [new ModelFile("model", id + ".bin", "https://example.invalid/" + id, new string('0', 64), 1, null)]);

    private static SchedulerSettings FourGb => new(MemoryBudget.Parse("4gb"), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60),
        HostOverheadBytes: SchedulerSettings.ModelHostOverheadBytes);

    [Fact]
    public void On_4gb_two_heavy_models_that_each_fit_share_the_heavy_slot_and_the_peak_is_the_larger_plus_the_light_ones()
    {
        var whisper = Model("big-asr", heavy: true, 2000);
        var llm = Model("big-llm", heavy: true, 3000);
        var ocr = Model("small-ocr", heavy: false, 300);
        PlannedStage[] stages =
        [
            new("default/audio/whisper", whisper), new("default/audio/llm", llm), new("default/image/ocr", ocr), new("default/video/ocr", ocr),
        ];

        var plan = ModelPlan.Build(stages, FourGb, new ModelStore(root, null), _ => null);

        plan.Settings.Budget.Bytes.Should().Be(3584 * MiB, "4gb leaves 512 MiB for the display and the runtime");
        plan.Models.Select(m => (m.Model.Id, m.NeedBytes / MiB, m.Fits)).Should().Equal(("big-asr", 2080L, true), ("big-llm", 3080L, true), ("small-ocr", 380L, true));
        plan.Models.Single(m => m.Model.Id == "small-ocr").UsedBy.Should().Equal("default/image/ocr", "default/video/ocr");
        plan.PeakHeavy!.Model.Id.Should().Be("big-llm", "only one heavy model is resident at a time");
        plan.PeakBytes.Should().Be((3080 + 380) * MiB);
        plan.PeakFits.Should().BeTrue();
        plan.AllFit.Should().BeTrue();
        plan.Missing.Should().Equal("big-asr", "big-llm", "small-ocr");
    }

    [Fact]
    public void A_model_larger_than_the_budget_does_not_fit_and_a_measured_footprint_replaces_the_estimate()
    {
        var huge = Model("huge", heavy: true, 5000);
        var small = Model("small", heavy: false, 100);

        var plan = ModelPlan.Build([new("p/image/a", huge), new("p/image/b", small)], FourGb, new ModelStore(root, null),
            id => id == "small" ? 150 * MiB : null);

        plan.AllFit.Should().BeFalse();
        var refused = plan.Models.Single(m => m.Model.Id == "huge");
        refused.Fits.Should().BeFalse();
        refused.NeedBytes.Should().Be(5080 * MiB);
        ModelAdmission.ProfileFor(refused.NeedBytes).Should().Be("5120MB", "the smallest whole-GiB budget that admits it");
        var measured = plan.Models.Single(m => m.Model.Id == "small");
        (measured.NeedBytes, measured.Measured).Should().Be((150 * MiB, true));
        plan.PeakHeavy.Should().BeNull("a model that cannot be admitted is not part of the resident set");
        plan.PeakBytes.Should().Be(150 * MiB);
    }

    [Fact]
    public void A_stage_naming_an_unknown_model_is_a_problem_of_the_plan()
    {
        var plan = ModelPlan.Build([new("p/image/clip", null, "no model 'clip-vit-x' in the catalog")], FourGb, new ModelStore(root, null), _ => null);

        plan.AllFit.Should().BeFalse();
        plan.Problems.Should().ContainSingle().Which.Should().Contain("p/image/clip").And.Contain("clip-vit-x");
    }
}
