using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core.Stages;
using MediaTagger.Stages.Tags;

namespace MediaTagger.Stages.Llm;

/// <summary>
/// What the stages before the llm stage found in one file, as prompt text: labels (any stage's "labels" above the
/// threshold, best first), tags (any stage's "tags"), a caption (any "caption"), OCR text, face count, the
/// transcript (the whisper stage) and the duration (the probe).
/// </summary>
internal sealed record PromptFacts(
    string Name,
    string Kind,
    double? DurationSeconds,
    IReadOnlyList<(string Label, double Score)> Labels,
    IReadOnlyList<string> Tags,
    string? Caption,
    string? Text,
    int? Faces,
    IReadOnlyList<TranscriptPiece>? Transcript,
    string? Language)
{
    private const int MaxLabels = 10;

    public static PromptFacts Of(StageInput input, double labelThreshold)
    {
        ArgumentNullException.ThrowIfNull(input);
        var results = input.EarlierResults;
        double? duration = results.TryGetValue("probe", out var probe) && Number(probe["duration"]) is { } d ? d : null;

        var labels = results.Values
            .SelectMany(r => r["labels"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(l => (Label: Str(l["label"]), Score: Number(l["score"]) ?? 0))
            .Where(l => l.Label is not null && l.Score >= labelThreshold)
            .GroupBy(l => l.Label!, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.MaxBy(l => l.Score))
            .OrderByDescending(l => l.Score)
            .Take(MaxLabels)
            .Select(l => (l.Label!, l.Score))
            .ToList();

        var tags = results.Where(r => r.Key != "tags").SelectMany(r => r.Value["tags"] as JsonArray ?? [])
            .Select(TagEntry.TextOf)
            .OfType<string>()
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

        var caption = results.Values.Select(r => Str(r["caption"])).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));
        var text = results.TryGetValue("ocr", out var ocr) ? Str(ocr["text"]) : null;
        int? faces = results.TryGetValue("faces", out var f) && Number(f["count"]) is { } n ? (int)n : null;

        List<TranscriptPiece>? transcript = null;
        string? language = null;
        if (results.TryGetValue(Core.Transcripts.Transcript.StageName, out var whisper))
        {
            language = Str(whisper["language"]);
            transcript = (whisper["segments"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Select(s => new TranscriptPiece(Number(s["start"]), Number(s["end"]), Str(s["text"])?.Trim() ?? ""))
                .Where(s => s.Text.Length > 0)
                .ToList();
            if (transcript.Count == 0 && Str(whisper["text"]) is { Length: > 0 } whole)
            {
                transcript.Add(new TranscriptPiece(null, null, whole.Trim()));
            }
        }

        return new PromptFacts(Path.GetFileName(input.Path), input.Kind.ToString().ToLowerInvariant(), duration, labels, tags, caption,
            string.IsNullOrWhiteSpace(text) ? null : text.Trim(), faces, transcript, language);
    }

    /// <summary>The placeholder values, with the transcript shown as <paramref name="transcript"/> (the whole one, or its digest).</summary>
    public Dictionary<string, string> Values(string transcript, string fields)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["name"] = Name,
            ["kind"] = Kind,
            ["duration"] = DurationSeconds is { } d ? TranscriptDigest.Clock(d) : "",
            ["labels"] = string.Join(", ", Labels.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Label} ({l.Score:P0})"))),
            ["tags"] = string.Join(", ", Tags),
            ["caption"] = Caption ?? "",
            ["text"] = Text ?? "",
            ["faces"] = Faces?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["transcript"] = transcript,
            ["language"] = Language ?? "",
            ["fields"] = fields,
        };

        var facts = new StringBuilder();
        facts.Append("File name: ").Append(Name).Append('\n');
        Line("Duration", values["duration"]);
        Line("Image labels", values["labels"]);
        Line("Tags", values["tags"]);
        Line("Caption", values["caption"]);
        Line("Text in the picture", values["text"]);
        Line("Faces", values["faces"]);
        if (Transcript is not null)
        {
            Line("Transcript" + (Language is { Length: > 0 } l ? $" (language {l})" : ""), transcript.Length > 0 ? "\n" + transcript : "none (no speech was recognised)");
        }

        values["facts"] = facts.ToString().TrimEnd();
        return values;

        void Line(string label, string value)
        {
            if (value.Length > 0)
            {
                facts.Append(label).Append(": ").Append(value).Append('\n');
            }
        }
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double? Number(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;
}
