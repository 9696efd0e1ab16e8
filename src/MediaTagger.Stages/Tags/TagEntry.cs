using System.Text.Json;
using System.Text.Json.Nodes;

namespace MediaTagger.Stages.Tags;

/// <summary>How a stage result writes one tag or label: a string, or an object with a "tag", "name" or "label".</summary>
internal static class TagEntry
{
    /// <summary>The tag's text, or null when the entry is neither form.</summary>
    public static string? TextOf(JsonNode? entry) => entry switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonObject o => Text(o, "tag") ?? Text(o, "name") ?? Text(o, "label"),
        _ => null,
    };

    private static string? Text(JsonObject entry, string key) =>
        entry[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
