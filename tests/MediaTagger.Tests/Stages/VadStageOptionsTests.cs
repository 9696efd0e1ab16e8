using MediaTagger.Core.Configuration;
using MediaTagger.Core.Stages;
using MediaTagger.Stages;
using MediaTagger.Stages.Vad;
using static MediaTagger.Tests.Stages.StageTestServices;

namespace MediaTagger.Tests.Stages;

/// <summary>The vad stage's "with": the reference defaults, every key read, every bad value named.</summary>
public sealed class VadStageOptionsTests
{
    [Fact]
    public void The_defaults_are_the_reference_algorithms_with_segments_of_at_most_30_seconds()
    {
        using var provider = Provider(s => s.AddVadStage());

        var options = OptionsOf<VadStageOptions>(provider, new StageDefinition { Stage = "vad" });

        options.Model.Should().Be("silero-vad-v5");
        options.Segmenter().Should().Be(new SpeechSegmenterSettings
        {
            Threshold = 0.5f,
            NegThreshold = 0.35f,
            MinSpeech = TimeSpan.FromMilliseconds(250),
            MinSilence = TimeSpan.FromMilliseconds(100),
            SpeechPad = TimeSpan.FromMilliseconds(30),
            MaxSpeech = TimeSpan.FromSeconds(30),
        });
    }

    [Fact]
    public void Every_key_is_read_and_the_negative_threshold_follows_the_threshold_unless_set()
    {
        using var provider = Provider(s => s.AddVadStage());

        var options = OptionsOf<VadStageOptions>(provider, new StageDefinition
        {
            Stage = "vad",
            With =
            {
                ["threshold"] = "0.6", ["minSpeechMs"] = "100", ["minSilenceMs"] = "300", ["speechPadMs"] = "0",
                ["maxSpeechSeconds"] = "20", ["decodeTimeoutSeconds"] = "30",
            },
        });
        var explicitNeg = OptionsOf<VadStageOptions>(provider, new StageDefinition { Stage = "vad", With = { ["negThreshold"] = "0.2" } });

        options.EffectiveNegThreshold.Should().BeApproximately(0.45, 1e-9);
        options.Should().BeEquivalentTo(new { Threshold = 0.6, MinSpeechMs = 100, MinSilenceMs = 300, SpeechPadMs = 0, MaxSpeechSeconds = 20.0, DecodeTimeout = TimeSpan.FromSeconds(30) });
        explicitNeg.EffectiveNegThreshold.Should().Be(0.2);
    }

    [Fact]
    public void Every_bad_value_is_named_and_a_negative_threshold_not_below_the_threshold_is_refused()
    {
        var family = Families(s => s.AddVadStage()).Single();

        var problems = family.Check(new StageDefinition
        {
            Stage = "vad",
            With = { ["threshold"] = "1.5", ["minSpeechMs"] = "-1", ["maxSpeechSeconds"] = "1", ["speechPadMs"] = "x" },
        }, new WorkerOptions());
        var crossed = family.Check(new StageDefinition { Stage = "vad", With = { ["threshold"] = "0.3", ["negThreshold"] = "0.4" } }, new WorkerOptions());

        problems.Select(p => p.ToString()).Should().BeEquivalentTo(
            "threshold: must be between 0.01 and 0.99 (is 1.5)",
            "minSpeechMs: must be between 0 and 60000 (is -1)",
            "maxSpeechSeconds: must be between 5 and 86400 (is 1)",
            "speechPadMs: 'x' is not a whole number");
        crossed.Select(p => p.ToString()).Should().Equal("negThreshold: must be below threshold (0.3) (is 0.4)");
    }

    [Fact]
    public void Creating_from_unchecked_values_names_a_crossed_threshold_once()
    {
        using var provider = Provider(s => s.AddVadStage());

        var create = () => OptionsOf<VadStageOptions>(provider, new StageDefinition { Stage = "vad", With = { ["threshold"] = "0.3", ["negThreshold"] = "0.4" } });

        create.Should().Throw<ArgumentException>().Which.Message
            .Should().Be("Invalid vad stage options: negThreshold: must be below threshold (0.3) (is 0.4).");
    }

    [Fact]
    public void Defaults_changed_in_code_are_checked_against_each_other_when_the_family_is_added()
    {
        var add = () => Families(s => s.AddVadStage(o => o.NegThreshold = 0.6));

        add.Should().Throw<ArgumentException>().WithMessage("Invalid vad stage defaults: negThreshold: must be below threshold (0.5) (is 0.6).");
    }
}
