using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MediaTagger.Stages.Whisper;

/// <summary>A stretch of the media in seconds from its start (speech found by the vad stage, or a chunk to transcribe).</summary>
internal readonly record struct MediaSpan(double Start, double End)
{
    public double Duration => End - Start;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Start:0.###}-{End:0.###} s");
}

/// <summary>
/// Which parts of a file whisper transcribes. With a vad result, its speech segments are merged into chunks of at
/// most maxChunkSeconds, each ended at a pause between segments (one segment longer than that is cut into equal
/// parts); silence between chunks is never decoded by whisper. Chunk times are global, so a segment whisper finds
/// at t within a chunk is at chunk start + t in the media.
/// </summary>
internal static class WhisperChunks
{
    /// <summary>The vad stage's name, under which its result is in <c>StageInput.EarlierResults</c>.</summary>
    public const string VadStage = "vad";

    /// <summary>
    /// Merges speech segments into chunks. Segments may come in any order and overlap; empty or inverted ones are
    /// dropped, negative times are clamped to 0, and times past <paramref name="mediaSeconds"/> (when known) are cut.
    /// </summary>
    public static IReadOnlyList<MediaSpan> Plan(IEnumerable<MediaSpan> speech, double maxChunkSeconds, double? mediaSeconds = null)
    {
        ArgumentNullException.ThrowIfNull(speech);
        if (!(maxChunkSeconds > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxChunkSeconds), maxChunkSeconds, "must be positive");
        }

        var end = mediaSeconds is { } known && known >= 0 ? known : double.PositiveInfinity;
        var sorted = speech
            .Where(s => double.IsFinite(s.Start) && double.IsFinite(s.End))
            .Select(s => new MediaSpan(Math.Max(0, s.Start), Math.Min(end, s.End)))
            .Where(s => s.End > s.Start)
            .OrderBy(s => s.Start)
            .ToList();

        // Overlapping or touching segments are one stretch of speech: there is no pause to cut at between them.
        var merged = new List<MediaSpan>();
        foreach (var s in sorted)
        {
            if (merged.Count > 0 && s.Start <= merged[^1].End)
            {
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, s.End) };
            }
            else
            {
                merged.Add(s);
            }
        }

        var pieces = merged.SelectMany(s => Cut(s, maxChunkSeconds));
        var chunks = new List<MediaSpan>();
        foreach (var piece in pieces)
        {
            // Tolerance: equal parts of a long segment must not fail the test by a rounding error.
            if (chunks.Count > 0 && piece.End - chunks[^1].Start <= maxChunkSeconds + 1e-9)
            {
                chunks[^1] = chunks[^1] with { End = piece.End };
            }
            else
            {
                chunks.Add(piece);
            }
        }

        return chunks;
    }

    /// <summary>
    /// The speech segments of a vad result ({"segments":[{"start":s,"end":s},...]}), or null when there is no vad
    /// result (then the whole file is transcribed). A result with no segments means no speech.
    /// </summary>
    /// <exception cref="FormatException">The vad result is not of that shape.</exception>
    public static IReadOnlyList<MediaSpan>? SpeechOf(IReadOnlyDictionary<string, JsonObject> earlierResults)
    {
        ArgumentNullException.ThrowIfNull(earlierResults);
        if (!earlierResults.TryGetValue(VadStage, out var vad))
        {
            return null;
        }

        if (vad["segments"] is not JsonArray segments)
        {
            throw new FormatException("the vad result has no \"segments\" array");
        }

        var speech = new List<MediaSpan>(segments.Count);
        foreach (var node in segments)
        {
            if (node is not JsonObject segment || Seconds(segment["start"]) is not { } start || Seconds(segment["end"]) is not { } end)
            {
                throw new FormatException($"a vad segment is not {{\"start\": seconds, \"end\": seconds}}: {node?.ToJsonString() ?? "null"}");
            }

            speech.Add(new MediaSpan(start, end));
        }

        return speech;
    }

    /// <summary>A time whisper reported in milliseconds from a chunk's start, in seconds from the media's start.</summary>
    public static double ToGlobal(MediaSpan chunk, long chunkMs) =>
        Math.Round(chunk.Start + (Math.Clamp(chunkMs / 1000.0, 0, chunk.Duration)), 3);

    private static IEnumerable<MediaSpan> Cut(MediaSpan speech, double max)
    {
        var parts = (int)Math.Ceiling((speech.Duration / max) - 1e-9);
        if (parts <= 1)
        {
            yield return speech;
            yield break;
        }

        var length = speech.Duration / parts;
        for (var i = 0; i < parts; i++)
        {
            yield return new MediaSpan(speech.Start + (i * length), i == parts - 1 ? speech.End : speech.Start + ((i + 1) * length));
        }
    }

    private static double? Seconds(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var seconds) && double.IsFinite(seconds)
            ? seconds
            : null;
}

/// <summary>
/// Collects the samples of planned chunks from audio decoded as consecutive windows, so only the chunks are kept in
/// memory and handed to whisper. Feed windows in order; each chunk comes out once the audio has passed its end.
/// </summary>
internal sealed class ChunkAudioCollector
{
    private readonly IReadOnlyList<MediaSpan> chunks;
    private readonly int sampleRate;
    private int current;
    private float[]? buffer;
    private long bufferStart;

    public ChunkAudioCollector(IReadOnlyList<MediaSpan> chunks, int sampleRate)
    {
        this.chunks = chunks;
        this.sampleRate = sampleRate;
    }

    /// <summary>True once every chunk has been handed out (the rest of the audio is not needed).</summary>
    public bool Finished => current >= chunks.Count;

    /// <summary>Takes the next window (mono samples starting at <paramref name="startSeconds"/>); returns the chunks it completed.</summary>
    public IEnumerable<(MediaSpan Chunk, float[] Samples)> Accept(double startSeconds, float[] samples)
    {
        var windowStart = (long)Math.Round(startSeconds * sampleRate);
        var windowEnd = windowStart + samples.Length;
        var done = new List<(MediaSpan, float[])>();
        while (current < chunks.Count)
        {
            var (first, last) = Range(chunks[current]);
            if (first >= windowEnd)
            {
                break;
            }

            buffer ??= new float[last - first];
            bufferStart = first;
            var from = Math.Max(first, windowStart);
            var to = Math.Min(last, windowEnd);
            if (to > from)
            {
                samples.AsSpan((int)(from - windowStart), (int)(to - from)).CopyTo(buffer.AsSpan((int)(from - first)));
            }

            if (last > windowEnd)
            {
                break; // the chunk goes on in the next window
            }

            done.Add((chunks[current], buffer));
            buffer = null;
            current++;
        }

        return done;
    }

    /// <summary>
    /// After the last window: a chunk the audio ended inside, cut to the audio's end (a vad result may reach slightly
    /// past the decoded audio). Chunks that start after the audio ended are dropped.
    /// </summary>
    public IEnumerable<(MediaSpan Chunk, float[] Samples)> Finish(double decodedSeconds)
    {
        if (current < chunks.Count && buffer is not null)
        {
            var endSample = (long)Math.Round(decodedSeconds * sampleRate);
            var kept = (int)Math.Clamp(endSample - bufferStart, 0, buffer.Length);
            var chunk = chunks[current];
            current = chunks.Count;
            if (kept > 0)
            {
                return [(chunk with { End = Math.Min(chunk.End, decodedSeconds) }, buffer[..kept])];
            }
        }

        current = chunks.Count;
        return [];
    }

    private (long First, long Last) Range(MediaSpan chunk) =>
        ((long)Math.Round(chunk.Start * sampleRate), Math.Max((long)Math.Round(chunk.Start * sampleRate) + 1, (long)Math.Round(chunk.End * sampleRate)));
}
