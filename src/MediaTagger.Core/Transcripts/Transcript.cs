using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MediaTagger.Core.Transcripts;

/// <summary>One timed piece of speech: seconds from the start of the media.</summary>
public sealed record TranscriptSegment(double Start, double End, string Text);

/// <summary>
/// A transcript as the sidecar carries it: stages.whisper = { "text", "language", "segments": [ { "start", "end",
/// "text" } ] }. Subtitle files are rendered from this, read back from the sidecar, never from stage internals.
/// </summary>
public sealed record Transcript(string? Language, IReadOnlyList<TranscriptSegment> Segments)
{
    /// <summary>The speech-to-text stage's name in pipelines.json and the sidecar's "stages"; shared with that stage.</summary>
    public const string StageName = "whisper";

    /// <summary>
    /// The transcript in a sidecar's stages, or null when there is none: the stage did not run or did not succeed, or
    /// its result has no "segments" array. A segment without numeric times is skipped; its text may be empty.
    /// </summary>
    public static Transcript? FromSidecar(JsonObject sidecar)
    {
        if (sidecar["stages"]?[StageName] is not JsonObject stage
            || stage["status"] is JsonValue status && status.GetValueKind() == JsonValueKind.String && status.GetValue<string>() != "done"
            || stage["segments"] is not JsonArray segments)
        {
            return null;
        }

        var parsed = new List<TranscriptSegment>(segments.Count);
        foreach (var node in segments)
        {
            if (node is JsonObject segment && Seconds(segment["start"]) is { } start && Seconds(segment["end"]) is { } end)
            {
                var text = segment["text"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : "";
                parsed.Add(new TranscriptSegment(start, end, text));
            }
        }

        var language = stage["language"] is JsonValue l && l.GetValueKind() == JsonValueKind.String ? l.GetValue<string>() : null;
        return new Transcript(language, parsed);
    }

    private static double? Seconds(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            ? double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
            : null;
}
