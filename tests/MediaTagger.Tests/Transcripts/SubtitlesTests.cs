using MediaTagger.Core.Transcripts;

namespace MediaTagger.Tests.Transcripts;

/// <summary>
/// SRT, WebVTT and text renderings compared byte for byte with reviewed files under Transcripts/golden. After a
/// deliberate change, MEDIATAGGER_UPDATE_GOLDEN=1 rewrites them in the source tree; review the diff before committing.
/// </summary>
public sealed class SubtitlesTests
{
    private static readonly Dictionary<string, TranscriptSegment[]> Cases = new(StringComparer.Ordinal)
    {
        ["basic"] =
        [
            new(0.0, 2.5, " And so my fellow Americans,"),
            new(2.5, 5.12, " ask not what your country can do for you."),
            new(5.12, 7.0004, " Ask what you can do for your country."),
        ],
        ["hours"] =
        [
            new(-1.5, 0.25, "Before the start is the start."),
            new(59.9996, 61.0, "A minute, rounded up from 59.9996 s."),
            new(3599.9995, 3600.5, "The first hour, reached by rounding."),
            new(3723.004, 3721.0, "An end before its start ends 1 ms after it."),
            new(359_999.9994, 360_000.5, "One hundred hours: the hours take three digits."),
        ],
        ["escaping"] =
        [
            new(1, 2, "Tom & Jerry <3 each other --> forever"),
            new(2, 3, "<i>Not a tag</i> & not an entity: &amp;"),
        ],
        ["wrapping"] =
        [
            new(0, 3, "This line is exactly forty-two characters."),
            new(3, 6, "A segment a little longer than one line wraps onto a second line."),
            new(6, 16, "A long segment needs more than two lines, so it is split into several cues whose times are shared out by their length, and no cue is shown with more than two lines of forty-two characters."),
            new(16, 18, "https://example.com/a/very/long/address/that/has/no/spaces/at/all ends it"),
        ],
        ["empty"] =
        [
            new(0, 1, ""),
            new(1, 2, "   "),
            new(2, 3, "\n\t "),
            new(3, 4, "  Kept,\n\nwith its blank line folded into a space.  "),
            new(4, 5, " "),
        ],
        ["unicode"] =
        [
            new(0, 2, " Ça va ? Très bien, merci. 😀"),
            new(2, 4, "Cafe\u0301 crème, Straße, Ελληνικά και русский текст в одной строке"),
            new(4, 6, "Cafe\u0301 cre\u0300me bru\u0302le\u0301e, 😀😀😀 pour tous les amis"),
            new(6, 10, "日本語の文は単語の間に空白がないので四十二文字で切られますがそれでも二行までしか表示されません"),
        ],
    };

    public static TheoryData<string, string> Renderings()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Cases.Keys)
        {
            foreach (var format in new[] { "srt", "vtt", "txt" })
            {
                data.Add(name, format);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Each_format_matches_its_golden_file(string name, string format)
    {
        var segments = Cases[name];
        var actual = format switch
        {
            "srt" => Subtitles.ToSrt(segments),
            "vtt" => Subtitles.ToVtt(segments),
            _ => Subtitles.ToText(segments),
        };
        var file = $"{name}.{format}";
        if (Environment.GetEnvironmentVariable("MEDIATAGGER_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceFolder(), "golden", file), actual);
        }

        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Transcripts", "golden", file));
        actual.Should().Be(expected, $"{file} is the reviewed rendering");
    }

    [Theory]
    [InlineData(0.0, "00:00:00,000")]
    [InlineData(0.0004, "00:00:00,000")]
    [InlineData(0.0005, "00:00:00,001")]
    [InlineData(1.2345, "00:00:01,235")]
    [InlineData(3599.9994, "00:59:59,999")]
    [InlineData(3599.9995, "01:00:00,000")]
    [InlineData(86_399.999, "23:59:59,999")]
    [InlineData(360_000.0, "100:00:00,000")]
    [InlineData(-3.0, "00:00:00,000")]
    [InlineData(double.NaN, "00:00:00,000")]
    public void Times_round_to_the_millisecond_and_hours_grow_past_99(double seconds, string expected) =>
        Subtitles.Timestamp(Subtitles.Milliseconds(seconds), ',').Should().Be(expected);

    [Fact]
    public void A_huge_time_is_clamped_rather_than_overflowing() =>
        Subtitles.Timestamp(Subtitles.Milliseconds(double.MaxValue), '.').Should().Be("1000000:00:00.000");

    [Fact]
    public void No_cue_has_more_than_two_lines_of_42_characters_and_split_cues_cover_the_segment_without_gaps()
    {
        var cues = Subtitles.Cues(Cases["wrapping"]);

        cues.Should().AllSatisfy(c => c.Lines.Should().HaveCountLessThanOrEqualTo(2).And.AllSatisfy(l => l.Length.Should().BeLessThanOrEqualTo(42)));
        var split = cues.Where(c => c.StartMs >= 6000 && c.EndMs <= 16000).ToArray();
        split.Should().HaveCountGreaterThan(1);
        split[0].StartMs.Should().Be(6000);
        split[^1].EndMs.Should().Be(16000);
        split.Zip(split.Skip(1)).Should().AllSatisfy(p => p.Second.StartMs.Should().Be(p.First.EndMs));
    }

    [Fact]
    public void Every_cue_ends_after_it_starts_even_when_a_short_segment_is_split_many_times()
    {
        var words = string.Join(' ', Enumerable.Repeat("forty-two characters make one full line of", 10));

        var cues = Subtitles.Cues([new(5.0, 5.002, words), new(9.0, 8.0, "reversed")]);

        cues.Should().HaveCountGreaterThan(3).And.AllSatisfy(c => c.EndMs.Should().BeGreaterThan(c.StartMs));
        cues[^1].Should().BeEquivalentTo(new SubtitleCue(9000, 9001, ["reversed"]));
    }

    [Fact]
    public void A_line_is_measured_in_characters_as_read_so_accents_and_emoji_count_once()
    {
        var line = "Cafe\u0301 cre\u0300me bru\u0302le\u0301e, 😀😀😀 pour tous les amis";

        line.Length.Should().BeGreaterThan(Subtitles.MaxLineLength);
        Subtitles.Cues([new(0, 1, line)]).Should().ContainSingle().Which.Lines.Should().Equal(line);
    }

    [Fact]
    public void A_transcript_without_speech_is_a_header_only_vtt_and_empty_srt_and_txt()
    {
        TranscriptSegment[] silence = [new(0, 1, "  ")];

        Subtitles.ToVtt(silence).Should().Be("WEBVTT\n");
        Subtitles.ToSrt(silence).Should().BeEmpty();
        Subtitles.ToText(silence).Should().BeEmpty();
    }

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
