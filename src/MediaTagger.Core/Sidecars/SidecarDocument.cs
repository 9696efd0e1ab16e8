using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;

namespace MediaTagger.Core.Sidecars;

/// <summary>How one stage ended for one file, as the journal recorded it.</summary>
public sealed record StageRecord(string Stage, string State, int Attempts, JsonObject? Result, string? Error);

/// <summary>Everything the canonical sidecar is made from.</summary>
public sealed record SidecarInput(
    string Path,
    long Size,
    DateTimeOffset Modified,
    string? Sha256,
    MediaType Type,
    string Pipeline,
    string ConfigHash,
    IReadOnlyList<StageRecord> Stages,
    IReadOnlyList<string> Notes);

/// <summary>
/// The canonical sidecar (schema mediatagger/sidecar@1, docs/sidecar.md). Derived formats are rendered from this
/// one record, never from stage internals.
/// </summary>
public static class SidecarDocument
{
    public const string Schema = "mediatagger/sidecar@1";

    public static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>complete: every stage succeeded; failed: none did (or the first, probe, did not); partial: in between.</summary>
    public static string StatusOf(IReadOnlyList<StageRecord> stages)
    {
        if (stages.Count == 0)
        {
            return "complete";
        }

        var ok = stages.Count(s => s.State == "done");
        return ok == stages.Count ? "complete" : ok == 0 || stages[0].State != "done" ? "failed" : "partial";
    }

    /// <summary>The stage whose normalized list is the sidecar's "tags" when the pipeline has it.</summary>
    public const string TagsStage = "tags";

    /// <summary>The stage whose "summary" and "title" are the sidecar's.</summary>
    public const string SummaryStage = "llm";

    public static JsonObject Build(SidecarInput input, string generatorVersion, DateTimeOffset at)
    {
        var source = new JsonObject
        {
            ["path"] = input.Path,
            ["size"] = input.Size,
            ["mtime"] = input.Modified.ToString("O", CultureInfo.InvariantCulture),
            ["sha256"] = input.Sha256,
            ["kind"] = input.Type.Kind.ToString().ToLowerInvariant(),
            ["format"] = input.Type.Format,
            ["mime"] = input.Type.Mime,
        };

        // The probe stage's measurements describe the source itself.
        if (input.Stages.FirstOrDefault(s => s.Stage == "probe")?.Result is { } probe)
        {
            foreach (var key in new[] { "width", "height", "orientation", "duration", "kind" })
            {
                if (probe[key] is { } value)
                {
                    source[key] = value.DeepClone();
                }
            }
        }

        var stages = new JsonObject();
        var errors = new JsonArray();
        var tags = new List<string>();
        foreach (var stage in input.Stages)
        {
            var entry = stage.Result?.DeepClone().AsObject() ?? [];
            entry["status"] = stage.State;
            entry["attempts"] = stage.Attempts;
            if (stage.Error is not null)
            {
                entry["error"] = stage.Error;
                errors.Add(new JsonObject { ["stage"] = stage.Stage, ["message"] = stage.Error });
            }

            if (entry["tags"] is JsonArray stageTags)
            {
                // A tag is a string, or an object naming it ({"tag": ..., "score": ...}, as the booru stage writes).
                tags.AddRange(stageTags.Select(TagText).OfType<string>());
            }

            stages[stage.Stage] = entry;
        }

        return new JsonObject
        {
            ["schema"] = Schema,
            ["source"] = source,
            ["status"] = StatusOf(input.Stages),
            ["stages"] = stages,
            ["tags"] = TopLevelTags(input.Stages, tags),
            ["summary"] = TextOf(input.Stages, SummaryStage, "summary"),
            ["title"] = TextOf(input.Stages, SummaryStage, "title"),
            ["errors"] = errors,
            ["notes"] = new JsonArray(input.Notes.Select(n => (JsonNode)n).ToArray()),
            // Files written from this record (format: file name in the sidecar's folder); filled in by the publisher.
            ["outputs"] = new JsonObject(),
            ["generator"] = new JsonObject
            {
                ["name"] = "mediatagger",
                ["version"] = generatorVersion,
                ["at"] = at.ToString("O", CultureInfo.InvariantCulture),
                ["pipeline"] = input.Pipeline,
                ["configHash"] = input.ConfigHash,
            },
        };
    }

    /// <summary>
    /// The text of one "tags" entry: a string, or an object's "tag" string; null for anything else.
    /// </summary>
    private static string? TagText(JsonNode? entry) => entry switch
    {
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
        JsonObject o when o["tag"] is JsonValue t && t.GetValueKind() == System.Text.Json.JsonValueKind.String => t.GetValue<string>(),
        _ => null,
    };

    /// <summary>
    /// The tags stage's list when it ran (merged, cleaned, held to a vocabulary); without that stage in the
    /// pipeline, every stage's "tags" merged as written, without case-insensitive duplicates; [] when the tags stage failed.
    /// </summary>
    private static JsonArray TopLevelTags(IReadOnlyList<StageRecord> stages, List<string> merged)
    {
        if (stages.FirstOrDefault(s => s.Stage == TagsStage) is { } normalized)
        {
            return normalized.State == "done" && normalized.Result?["tags"] is JsonArray list ? (JsonArray)list.DeepClone() : [];
        }

        return new JsonArray(merged.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Select(t => (JsonNode)t).ToArray());
    }

    private static string? TextOf(IReadOnlyList<StageRecord> stages, string stage, string key) =>
        stages.FirstOrDefault(s => s.Stage == stage && s.State == "done")?.Result?[key] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
}
