using MediaTagger.Stages.Vad;

namespace MediaTagger.Tests.Stages;

/// <summary>
/// The reference segment algorithm on made-up probability sequences. With the defaults one probability stands for
/// 512 samples (32 ms at 16 kHz); the tests count in windows and compare in samples.
/// </summary>
public sealed class SpeechSegmenterTests
{
    private const int W = 512;

    // No padding unless a test is about padding: the raw boundaries are then exact multiples of a window.
    private static readonly SpeechSegmenterSettings Unpadded = new() { SpeechPad = TimeSpan.Zero };

    private static IReadOnlyList<SpeechSegment> Run(SpeechSegmenterSettings settings, params (float Probability, int Windows)[] runs)
    {
        var segmenter = new SpeechSegmenter(settings);
        long windows = 0;
        foreach (var (probability, count) in runs)
        {
            for (var i = 0; i < count; i++)
            {
                segmenter.Push(probability);
            }

            windows += count;
        }

        return segmenter.Finish(windows * W);
    }

    private static SpeechSegment S(long startWindow, long endWindow) => new(startWindow * W, endWindow * W);

    [Fact]
    public void Silence_gives_no_segment_and_steady_speech_one_segment_to_the_end()
    {
        Run(Unpadded, (0.1f, 200)).Should().BeEmpty();
        Run(Unpadded, (0.1f, 10), (0.9f, 50)).Should().Equal(S(10, 60));
    }

    [Fact]
    public void Hysteresis_keeps_speech_going_between_the_two_thresholds()
    {
        // 0.4 is below the threshold (0.5) but above the negative threshold (0.35): it neither starts nor ends speech.
        Run(Unpadded, (0.4f, 20), (0.9f, 10), (0.4f, 30), (0.1f, 20)).Should().Equal(S(20, 60));
    }

    [Fact]
    public void A_pause_shorter_than_the_minimum_silence_does_not_end_the_segment()
    {
        // Silence is measured from the first quiet window to the start of the latest one, against 100 ms (3.125
        // windows): a 4-window pause measures 96 ms and is bridged, a 5-window pause measures 128 ms and splits.
        Run(Unpadded, (0.9f, 20), (0.1f, 4), (0.9f, 20), (0.1f, 10)).Should().Equal(S(0, 44));
        Run(Unpadded, (0.9f, 20), (0.1f, 5), (0.9f, 20), (0.1f, 10)).Should().Equal(S(0, 20), S(25, 45));
    }

    [Fact]
    public void Speech_shorter_than_the_minimum_is_dropped()
    {
        // 250 ms is 7.8 windows: 7 windows (224 ms) are dropped, 8 (256 ms) kept, in the middle and at the end.
        Run(Unpadded, (0.1f, 10), (0.9f, 7), (0.1f, 10)).Should().BeEmpty();
        Run(Unpadded, (0.1f, 10), (0.9f, 8), (0.1f, 10)).Should().Equal(S(10, 18));
        Run(Unpadded, (0.1f, 10), (0.9f, 7)).Should().BeEmpty();
        Run(Unpadded, (0.1f, 10), (0.9f, 8)).Should().Equal(S(10, 18));
    }

    [Fact]
    public void Segments_are_padded_but_not_past_the_audio_and_a_close_gap_is_shared()
    {
        var padded = new SpeechSegmenterSettings(); // 30 ms = 480 samples
        Run(padded, (0.1f, 10), (0.9f, 20), (0.1f, 30)).Should().Equal(new SpeechSegment((10 * W) - 480, (30 * W) + 480));
        Run(padded, (0.9f, 20)).Should().Equal([new SpeechSegment(0, 20 * W)], "padding stops at the start and the end of the audio");

        // A 300 ms pause and 400 ms of padding: each segment gets half of the 4.69-window gap instead.
        var wide = new SpeechSegmenterSettings { SpeechPad = TimeSpan.FromMilliseconds(400) };
        var segments = Run(wide, (0.1f, 20), (0.9f, 20), (0.1f, 10), (0.9f, 20), (0.1f, 30));
        segments.Should().HaveCount(2);
        segments[0].End.Should().Be(segments[1].Start, "the gap is split between them");
        segments[0].End.Should().Be((40 * W) + (10 * W / 2));
    }

    [Fact]
    public void Long_speech_is_split_at_its_last_pause_so_no_segment_exceeds_the_maximum()
    {
        // Max 5 s = 80000 samples, less a window and the padding: 79488 samples (155.25 windows) of raw speech.
        var settings = Unpadded with { MaxSpeech = TimeSpan.FromSeconds(5) };
        // Speech with a 6-window dip at windows 100..105: over 98 ms, so a place to split at, yet too short to end the segment.
        var longMinSilence = settings with { MinSilence = TimeSpan.FromMilliseconds(500) };

        var segments = Run(longMinSilence, (0.9f, 100), (0.1f, 6), (0.9f, 200), (0.1f, 40));

        segments[0].Should().Be(S(0, 100), "the split is at the start of the last pause of at least 98 ms");
        segments[1].Start.Should().Be(106 * W, "the next segment starts where speech resumed");
        segments.Should().OnlyContain(s => s.Length <= 80000);
    }

    [Fact]
    public void Long_speech_without_a_pause_is_cut_at_the_maximum()
    {
        var settings = new SpeechSegmenterSettings { MaxSpeech = TimeSpan.FromSeconds(5) };

        var segments = Run(settings, (0.9f, 400));

        segments.Should().HaveCountGreaterThan(2);
        segments.Should().OnlyContain(s => s.Length <= 80000, "padding included, a segment is at most the maximum");
        segments.Sum(s => s.Length).Should().BeGreaterThan(380 * W, "cutting loses at most the window where each cut is made");
    }

    [Fact]
    public void A_negative_threshold_at_or_above_the_threshold_is_refused()
    {
        var create = () => new SpeechSegmenter(new SpeechSegmenterSettings { Threshold = 0.5f, NegThreshold = 0.5f });

        create.Should().Throw<ArgumentException>().WithMessage("*must be below the threshold*");
    }
}
