using System.Globalization;
using System.Text;

namespace MediaTagger.Core.Transcripts;

/// <summary>One subtitle cue: whole milliseconds from the start of the media, and at most two wrapped lines.</summary>
public sealed record SubtitleCue(long StartMs, long EndMs, IReadOnlyList<string> Lines);

/// <summary>
/// Renders a transcript as SubRip (.srt), WebVTT (.vtt) and plain text (.txt). Segments become cues of at most
/// <see cref="MaxLinesPerCue"/> lines of <see cref="MaxLineLength"/> characters (the usual broadcast limits, so a
/// player never shows a wall of text); a longer segment is split into several cues that share its time in proportion
/// to their length. Times are rounded to the millisecond; negative times become 0, and an end at or before its start
/// becomes a millisecond after it (WebVTT requires every cue to end after it starts, and some players reject a cue that
/// does not). Whitespace in a segment collapses to single spaces (a blank line would end an SRT or WebVTT cue) and
/// segments with no text are left out.
/// </summary>
public static class Subtitles
{
    public const int MaxLineLength = 42;

    public const int MaxLinesPerCue = 2;

    /// <summary>A million hours: later times are clamped here rather than overflow.</summary>
    private const double MaxSeconds = 3_600_000_000;

    /// <summary>SubRip: numbered cues from 1, "HH:MM:SS,mmm --> HH:MM:SS,mmm", a blank line between cues.</summary>
    public static string ToSrt(IEnumerable<TranscriptSegment> segments)
    {
        var text = new StringBuilder();
        var index = 0;
        foreach (var cue in Cues(segments))
        {
            if (index > 0)
            {
                text.Append('\n');
            }

            index++;
            text.Append(index.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append(Timestamp(cue.StartMs, ',')).Append(" --> ").Append(Timestamp(cue.EndMs, ',')).Append('\n');
            foreach (var line in cue.Lines)
            {
                text.Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>WebVTT: the "WEBVTT" header, then cues with "HH:MM:SS.mmm" times; &amp;, &lt; and &gt; become entities.</summary>
    public static string ToVtt(IEnumerable<TranscriptSegment> segments)
    {
        var text = new StringBuilder("WEBVTT\n");
        foreach (var cue in Cues(segments))
        {
            text.Append('\n').Append(Timestamp(cue.StartMs, '.')).Append(" --> ").Append(Timestamp(cue.EndMs, '.')).Append('\n');
            foreach (var line in cue.Lines)
            {
                text.Append(EscapeVtt(line)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Plain text: one segment per line, no times, no wrapping.</summary>
    public static string ToText(IEnumerable<TranscriptSegment> segments)
    {
        var text = new StringBuilder();
        foreach (var segment in segments)
        {
            var words = Words(segment.Text);
            if (words.Count > 0)
            {
                text.AppendJoin(' ', words).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The cues the segments make, in segment order.</summary>
    public static IReadOnlyList<SubtitleCue> Cues(IEnumerable<TranscriptSegment> segments)
    {
        var cues = new List<SubtitleCue>();
        foreach (var segment in segments)
        {
            var words = Words(segment.Text);
            if (words.Count == 0)
            {
                continue;
            }

            var start = Milliseconds(segment.Start);
            var end = Math.Max(start + 1, Milliseconds(segment.End));
            var groups = Wrap(words).Chunk(MaxLinesPerCue).ToArray();
            if (groups.Length == 1)
            {
                cues.Add(new SubtitleCue(start, end, groups[0]));
                continue;
            }

            // Each piece gets the share of the segment's time that its characters have of the segment's characters.
            var weights = groups.Select(g => g.Sum(Length) + g.Length - 1).ToArray();
            var total = (double)weights.Sum();
            var done = 0;
            var pieceStart = start;
            for (var i = 0; i < groups.Length; i++)
            {
                done += weights[i];
                var share = start + (long)Math.Round((end - start) * (done / total), MidpointRounding.AwayFromZero);
                var pieceEnd = i == groups.Length - 1 ? Math.Max(end, pieceStart + 1) : Math.Max(share, pieceStart + 1);
                cues.Add(new SubtitleCue(pieceStart, pieceEnd, groups[i]));
                pieceStart = pieceEnd;
            }
        }

        return cues;
    }

    /// <summary>"HH:MM:SS{separator}mmm"; hours take more digits past 99 (both formats allow that).</summary>
    public static string Timestamp(long milliseconds, char separator)
    {
        var ms = Math.Max(0, milliseconds);
        return string.Create(CultureInfo.InvariantCulture,
            $"{ms / 3_600_000:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}{separator}{ms % 1000:000}");
    }

    /// <summary>Seconds to whole milliseconds, half away from zero, computed in decimal so 3599.9995 s is 01:00:00.000.</summary>
    public static long Milliseconds(double seconds)
    {
        if (double.IsNaN(seconds) || seconds <= 0)
        {
            return 0;
        }

        var clamped = Math.Min(seconds, MaxSeconds);
        return (long)Math.Round((decimal)clamped * 1000m, MidpointRounding.AwayFromZero);
    }

    /// <summary>Greedy wrapping at spaces; a word longer than a line is cut at <see cref="MaxLineLength"/> characters.</summary>
    private static List<string> Wrap(List<string> words)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var lineLength = 0;
        foreach (var word in words)
        {
            var length = Length(word);
            if (lineLength > 0 && lineLength + 1 + length <= MaxLineLength)
            {
                line.Append(' ').Append(word);
                lineLength += 1 + length;
                continue;
            }

            if (lineLength > 0)
            {
                lines.Add(line.ToString());
                line.Clear();
                lineLength = 0;
            }

            var rest = word;
            while (Length(rest) > MaxLineLength)
            {
                var cut = CutAt(rest, MaxLineLength);
                lines.Add(rest[..cut]);
                rest = rest[cut..];
            }

            line.Append(rest);
            lineLength = Length(rest);
        }

        if (lineLength > 0)
        {
            lines.Add(line.ToString());
        }

        return lines;
    }

    private static List<string> Words(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(w => w.Length > 0).ToList();

    /// <summary>Characters as a reader counts them: a letter with its combining accents, or an emoji, is one.</summary>
    private static int Length(string text) => new StringInfo(text).LengthInTextElements;

    /// <summary>The UTF-16 index after the first <paramref name="elements"/> text elements.</summary>
    private static int CutAt(string text, int elements)
    {
        var index = 0;
        for (var i = 0; i < elements && index < text.Length; i++)
        {
            index += StringInfo.GetNextTextElementLength(text, index);
        }

        return index;
    }

    private static string EscapeVtt(string line) =>
        line.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
