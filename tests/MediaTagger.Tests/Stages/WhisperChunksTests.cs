using System.Text.Json.Nodes;
using MediaTagger.Stages.Whisper;

namespace MediaTagger.Tests.Stages;

/// <summary>How the whisper stage plans what to transcribe from a vad result, with no native code.</summary>
public sealed class WhisperChunksTests
{
    private static MediaSpan S(double start, double end) => new(start, end);

    [Fact]
    public void Speech_segments_are_merged_into_chunks_of_at_most_the_limit_ending_at_pauses()
    {
        var chunks = WhisperChunks.Plan([S(1, 5), S(6, 12), S(13, 29), S(31, 40), S(41, 45)], maxChunkSeconds: 30);

        // 1..29 fits in 30 s; adding 31..40 would make 39 s, so the chunk ends at the pause 29..31.
        chunks.Should().Equal(S(1, 29), S(31, 45));
        chunks.Should().OnlyContain(c => c.Duration <= 30);
    }

    [Fact]
    public void A_segment_longer_than_the_limit_is_cut_into_equal_parts()
    {
        var chunks = WhisperChunks.Plan([S(10, 85)], maxChunkSeconds: 30);

        chunks.Should().HaveCount(3);
        chunks[0].Start.Should().Be(10);
        chunks[^1].End.Should().Be(85);
        chunks.Should().OnlyContain(c => c.Duration <= 30 + 1e-9 && Math.Abs(c.Duration - 25) < 1e-9);
    }

    [Fact]
    public void Unsorted_overlapping_and_broken_segments_are_cleaned_up()
    {
        var chunks = WhisperChunks.Plan([S(20, 22), S(-1, 2), S(1.5, 3), S(9, 8), S(4, 4), S(double.NaN, 5), S(50, 70)], maxChunkSeconds: 10, mediaSeconds: 60);

        chunks.Should().Equal(S(0, 3), S(20, 22), S(50, 60));
    }

    [Fact]
    public void No_speech_plans_no_chunks()
    {
        WhisperChunks.Plan([], 30).Should().BeEmpty();
        WhisperChunks.Plan([S(5, 5)], 30).Should().BeEmpty();
    }

    [Fact]
    public void Times_within_a_chunk_become_times_in_the_media()
    {
        var chunk = S(31.5, 45);

        WhisperChunks.ToGlobal(chunk, 0).Should().Be(31.5);
        WhisperChunks.ToGlobal(chunk, 2_340).Should().Be(33.84);
        WhisperChunks.ToGlobal(chunk, 99_000).Should().Be(45, "whisper's last timestamp may pass the audio it was given");
    }

    [Fact]
    public void The_vad_result_is_read_from_the_earlier_results_and_its_absence_is_not_an_empty_plan()
    {
        var vad = JsonNode.Parse("""{ "segments": [ { "start": 0.5, "end": 2.25 }, { "start": 3, "end": 4 } ], "speechRatio": 0.6 }""")!.AsObject();

        WhisperChunks.SpeechOf(new Dictionary<string, JsonObject> { ["vad"] = vad }).Should().Equal(S(0.5, 2.25), S(3, 4));
        WhisperChunks.SpeechOf(new Dictionary<string, JsonObject> { ["vad"] = JsonNode.Parse("""{ "segments": [] }""")!.AsObject() })
            .Should().NotBeNull().And.BeEmpty();
        WhisperChunks.SpeechOf(new Dictionary<string, JsonObject>()).Should().BeNull();
    }

    [Fact]
    public void A_malformed_vad_result_says_what_is_wrong()
    {
        var bad = new Dictionary<string, JsonObject> { ["vad"] = JsonNode.Parse("""{ "segments": [ { "start": "soon", "end": 2 } ] }""")!.AsObject() };

        var read = () => WhisperChunks.SpeechOf(bad);

        read.Should().Throw<FormatException>().WithMessage("*start*soon*");
    }

    [Fact]
    public void Chunk_audio_is_collected_across_windows_and_only_the_chunks_are_kept()
    {
        // 10 samples per second; samples hold their own index so positions can be checked.
        var collector = new ChunkAudioCollector([S(0.5, 1.5), S(2.5, 2.8), S(9, 12)], sampleRate: 10);
        var window1 = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();
        var window2 = Enumerable.Range(20, 10).Select(i => (float)i).ToArray();

        var first = collector.Accept(0, window1).ToList();
        var second = collector.Accept(2, window2).ToList();
        var last = collector.Finish(3).ToList();

        first.Should().ContainSingle();
        first[0].Samples.Should().Equal(5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f);
        second.Should().ContainSingle();
        second[0].Samples.Should().Equal(25f, 26f, 27f);
        last.Should().BeEmpty("the last chunk starts after the audio ended");
        collector.Finished.Should().BeTrue();
    }

    [Fact]
    public void A_chunk_the_audio_ends_inside_is_cut_to_the_audio()
    {
        var collector = new ChunkAudioCollector([S(1, 5)], sampleRate: 10);

        collector.Accept(0, new float[30]).Should().BeEmpty();
        var last = collector.Finish(3).Single();

        last.Chunk.Should().Be(S(1, 3));
        last.Samples.Should().HaveCount(20);
    }
}
