using MediaTagger.Native.Whisper;

namespace MediaTagger.Tests.Native;

/// <summary>How VAD speech is cut out for whisper and how whisper's times are mapped back to the original audio.</summary>
public class WhisperVadSpeechAudioTests
{
    private const int Rate = 16000;

    [Fact]
    public void Speech_pieces_are_joined_with_a_100_ms_pause_and_keep_their_samples()
    {
        var pcm = Enumerable.Range(0, 10 * Rate).Select(i => (float)i).ToArray();

        // Speech at 1–2 s and 5–6 s; no overlap.
        var speech = WhisperVad.SpeechAudio.Cut(pcm, [(1 * Rate, 2 * Rate), (5 * Rate, 6 * Rate)], overlap: 0);

        speech.SegmentCount.Should().Be(2);
        speech.Samples.Should().HaveCount(2 * Rate + (Rate / 10));
        speech.Samples[0].Should().Be(1 * Rate);
        speech.Samples[Rate - 1].Should().Be((2 * Rate) - 1);
        speech.Samples.AsSpan(Rate, Rate / 10).ToArray().Should().OnlyContain(s => s == 0f);
        speech.Samples[Rate + (Rate / 10)].Should().Be(5 * Rate);
    }

    [Theory]
    [InlineData(0, 1000)]       // start of the first piece
    [InlineData(500, 1500)]     // inside the first piece
    [InlineData(1000, 2000)]    // end of the first piece
    [InlineData(1100, 5000)]    // end of the pause = start of the second piece
    [InlineData(1600, 5500)]    // inside the second piece
    [InlineData(2100, 6000)]    // end of the speech
    public void Whisper_times_map_back_to_the_original_timeline(long processedMs, long originalMs)
    {
        var pcm = new float[10 * Rate];
        var speech = WhisperVad.SpeechAudio.Cut(pcm, [(1 * Rate, 2 * Rate), (5 * Rate, 6 * Rate)], overlap: 0);

        speech.ToOriginalMs(processedMs).Should().Be(originalMs);
    }

    [Fact]
    public void Overlap_extends_all_but_the_last_piece_and_ranges_are_clamped_to_the_audio()
    {
        var pcm = new float[3 * Rate];

        var speech = WhisperVad.SpeechAudio.Cut(pcm, [(0, Rate), (2 * Rate, 4 * Rate)], overlap: Rate / 10);

        // 1.1 s + 0.1 s pause + 1 s (the second range is cut at the end of the audio, and gets no overlap).
        speech.Samples.Should().HaveCount(Rate + (Rate / 10) + (Rate / 10) + Rate);
    }

    [Fact]
    public void No_speech_gives_no_samples()
    {
        var speech = WhisperVad.SpeechAudio.Cut(new float[Rate], [], overlap: 0);

        speech.Samples.Should().BeEmpty();
        speech.SegmentCount.Should().Be(0);
    }
}
