using MediaTagger.Core.Configuration;
using MediaTagger.Core.Journal;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Processing;
using MediaTagger.Core.Scheduling;
using MediaTagger.Core.Stages;
using MediaTagger.Tests.Journal;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Tests.Scheduling;

/// <summary>The scheduler's choices and residency rules, with stand-in stages over a real journal.</summary>
public sealed class StageSchedulerTests : JournalTestBase
{
    private const long MiB = 1L << 20;

    private readonly List<string> loaded = [];
    private readonly List<string> released = [];
    private readonly Dictionary<string, TrackedStage> hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StageModel> models = new(StringComparer.Ordinal)
    {
        ["tags"] = new("wd14", Heavy: true, EstimatedBytes: 400 * MiB),
        ["caption"] = new("blip", Heavy: true, EstimatedBytes: 900 * MiB),
        ["faces"] = new("ultraface", Heavy: false, EstimatedBytes: 50 * MiB),
        ["ocr"] = new("ppocr", Heavy: false, EstimatedBytes: 80 * MiB),
    };

    private StageScheduler Scheduler(long budgetMiB, double agingSeconds = 60, double idleSeconds = 30, Func<string, double>? priority = null)
    {
        var options = new MediaTaggerOptions
        {
            Pipelines = new()
            {
                ["default"] = new PipelineDefinition
                {
                    Image = new[] { "probe", "tags", "caption", "faces", "ocr" }.Select(s => new StageDefinition { Stage = s }).ToList(),
                },
            },
        };
        var stages = new StageSet(options, d =>
        {
            loaded.Add(d.Stage);
            var stage = new TrackedStage(d.Stage, models.TryGetValue(d.Stage, out var m) ? m.ModelId : null, released);
            hosts[d.Stage] = stage;
            return stage;
        }, Journal.RecordModelEvent, Time);
        var settings = new SchedulerSettings(new MemoryBudget($"{budgetMiB}MB", budgetMiB * MiB), TimeSpan.FromSeconds(agingSeconds), TimeSpan.FromSeconds(idleSeconds));
        return new StageScheduler(Journal, stages, settings, s => models.GetValueOrDefault(s), Time, NullLogger.Instance, priorityOf: priority);
    }

    private StageBacklog Work(string stage, int claimable, double ageSeconds) =>
        new(stage, claimable, Now - TimeSpan.FromSeconds(ageSeconds), 0, null);

    [Fact]
    public void A_resident_model_drains_its_work_before_a_stage_with_more_work_gets_a_swap()
    {
        using var scheduler = Scheduler(budgetMiB: 1000);
        scheduler.Acquire("tags");

        scheduler.Pick([Work("tags", 3, 1), Work("caption", 500, 20)], Now).Should().Be("tags");
        scheduler.Pick([Work("tags", 0, 0), Work("caption", 500, 20)], Now).Should().Be("caption", "once drained, the swap comes");
    }

    [Fact]
    public void A_stage_waiting_past_the_aging_limit_interrupts_a_trickle_for_the_resident_model()
    {
        using var scheduler = Scheduler(budgetMiB: 1000, agingSeconds: 60);
        scheduler.Acquire("tags");

        scheduler.Pick([Work("tags", 2, 1), Work("caption", 1, 61)], Now).Should().Be("caption");
        scheduler.Pick([Work("tags", 2, 1), Work("caption", 1, 59)], Now).Should().Be("tags");
    }

    [Fact]
    public void Without_a_resident_model_pending_work_times_age_times_priority_decides()
    {
        using var scheduler = Scheduler(budgetMiB: 1000, priority: s => s == "ocr" ? 10 : 1);

        scheduler.Pick([Work("tags", 10, 1), Work("caption", 20, 1)], Now).Should().Be("caption");
        scheduler.Pick([Work("tags", 15, 50), Work("caption", 20, 1)], Now).Should().Be("tags", "fifteen tasks waiting 50 s (of a 60 s aging limit) outweigh twenty fresh ones");
        scheduler.Pick([Work("faces", 10, 1), Work("ocr", 2, 1)], Now).Should().Be("ocr", "priority 10 outweighs five times the work");
        scheduler.Pick([], Now).Should().BeNull();
    }

    [Fact]
    public void A_model_free_stage_runs_without_forcing_a_swap()
    {
        using var scheduler = Scheduler(budgetMiB: 1000);
        scheduler.Acquire("tags");

        scheduler.Pick([Work("probe", 1, 0), Work("caption", 50, 10)], Now).Should().Be("probe");
        scheduler.Acquire("probe");
        scheduler.Snapshot(null).Resident.Select(r => r.Stage).Should().Equal("tags");
    }

    [Fact]
    public void At_most_one_heavy_model_is_resident_while_light_ones_stay_beside_it()
    {
        using var scheduler = Scheduler(budgetMiB: 4000);
        scheduler.Acquire("faces");
        scheduler.Acquire("tags");
        scheduler.Acquire("caption");

        var snapshot = scheduler.Snapshot(null);
        snapshot.Resident.Select(r => r.Stage).Should().BeEquivalentTo(["faces", "caption"]);
        released.Should().Equal("tags");
        snapshot.Loads.Should().Be(3);
        snapshot.Swaps.Should().Be(1);
        snapshot.ResidentBytes.Should().Be(950 * MiB);
    }

    [Fact]
    public void The_least_recently_used_model_makes_room_when_the_budget_is_short()
    {
        using var scheduler = Scheduler(budgetMiB: 500);
        scheduler.Acquire("faces");
        Time.Advance(TimeSpan.FromSeconds(1));
        scheduler.Acquire("ocr");
        Time.Advance(TimeSpan.FromSeconds(1));
        scheduler.Acquire("faces"); // used again: ocr is now the least recent

        scheduler.Acquire("tags"); // 400 + 50 + 80 > 500

        released.Should().Equal("ocr");
        scheduler.Snapshot(null).Resident.Select(r => r.Stage).Should().BeEquivalentTo(["faces", "tags"]);
    }

    [Fact]
    public void A_model_that_cannot_fit_is_refused_before_loading_with_the_numbers()
    {
        using var scheduler = Scheduler(budgetMiB: 800);

        var refused = () => scheduler.Acquire("caption");

        refused.Should().Throw<ModelRefusedException>()
            .WithMessage("model blip for stage caption needs 900 MiB (catalog estimate) but the '800MB' profile allows 800 MiB*worker:profile*");
        loaded.Should().BeEmpty("nothing is loaded for a refused model");
        scheduler.Snapshot(null).Refusals.Should().Be(1);
    }

    [Fact]
    public void The_measured_footprint_replaces_the_catalog_estimate()
    {
        Journal.RecordModelEvent(new ModelEvent(ModelEventKind.Load, "ultraface", "cpu", Now, 100, 700 * MiB));
        using var scheduler = Scheduler(budgetMiB: 600);

        var refused = () => scheduler.Acquire("faces");

        refused.Should().Throw<ModelRefusedException>().WithMessage("*needs 700 MiB (measured on this machine)*");
    }

    [Fact]
    public void A_model_unused_for_the_idle_ttl_is_unloaded()
    {
        using var scheduler = Scheduler(budgetMiB: 1000, idleSeconds: 30);
        scheduler.Acquire("tags");
        Time.Advance(TimeSpan.FromSeconds(29));
        scheduler.ReleaseIdle(Now).Should().Be(0);

        Time.Advance(TimeSpan.FromSeconds(2));
        scheduler.ReleaseIdle(Now).Should().Be(1);

        released.Should().Equal("tags");
        Journal.GetStatus().Models.Single(m => m.ModelId == "wd14").Unloads.Should().Be(1);
    }

    [Fact]
    public void A_loaded_model_is_reused_not_loaded_again()
    {
        using var scheduler = Scheduler(budgetMiB: 1000);
        var first = scheduler.Acquire("tags");
        scheduler.Completed("tags", first, 32);

        scheduler.Acquire("tags").Should().BeSameAs(first);

        loaded.Should().Equal("tags");
        scheduler.Snapshot(null).Resident.Single().Tasks.Should().Be(32);
    }

    [Fact]
    public void A_model_that_grew_while_working_is_counted_at_its_peak_when_the_next_one_asks_for_room()
    {
        using var scheduler = Scheduler(budgetMiB: 300);
        scheduler.Acquire("faces"); // admitted at its 50 MiB estimate
        hosts["faces"].PeakResidentBytes = 250 * MiB; // its host's peak after a batch of large images

        scheduler.Acquire("ocr"); // 80 MiB more would be 330 of 300

        released.Should().Equal("faces");
        scheduler.Snapshot(null).Resident.Single().Stage.Should().Be("ocr");
    }

    [Fact]
    public void The_peak_a_host_reached_is_journaled_at_unload_and_becomes_the_model_s_footprint()
    {
        using var scheduler = Scheduler(budgetMiB: 1000);
        scheduler.Acquire("faces");
        hosts["faces"].PeakResidentBytes = 420 * MiB;
        scheduler.ReleaseAll("test");

        Journal.MeasuredFootprintBytes("ultraface", "cpu").Should().Be(420 * MiB);
    }

    [Theory]
    [InlineData("4gb", 3584)]
    [InlineData("8GB", 7680)]
    [InlineData("6144MB", 6144)]
    [InlineData("1.5GB", 1536)]
    public void Profiles_become_budgets(string profile, long mib) =>
        MemoryBudget.Parse(profile).Bytes.Should().Be(mib * MiB);

    [Fact]
    public void The_cpu_profile_is_half_the_machine_and_nonsense_is_rejected()
    {
        MemoryBudget.Parse("cpu", machineBytes: 16L << 30).Bytes.Should().Be(8L << 30);
        var bad = () => MemoryBudget.Parse("lots");
        bad.Should().Throw<ArgumentException>().WithMessage("*'lots'*cpu, 4gb, 8gb*");
    }

    /// <summary>Stands in for a hosted stage: a footprint, a peak that tests can raise, a record of its release.</summary>
    private sealed class TrackedStage(string name, string? modelId, List<string> released) : IStage, IResidentModel, IDisposable
    {
        public string Name => name;

        public int ProcessId => 4242;

        public long LoadMs => 10;

        public long FootprintBytes => 0;

        public long ResidentBytes => PeakResidentBytes;

        public long PeakResidentBytes { get; set; }

        public string? Fault => null;

        public IReadOnlySet<MediaKind> Kinds { get; } = new HashSet<MediaKind> { MediaKind.Image };

        public StageModelInfo? Model => modelId is null ? null : new StageModelInfo(modelId, new string('0', 64));

        public string Device => "cpu";

        public IReadOnlyDictionary<string, string> Parameters { get; } = new Dictionary<string, string>();

        public Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StageOutcome>>(batch.Select(_ => StageOutcome.Ok([])).ToArray());

        public void Dispose() => released.Add(name);
    }
}
