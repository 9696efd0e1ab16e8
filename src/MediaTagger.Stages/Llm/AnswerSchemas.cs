using System.Text.Json.Nodes;
using MediaTagger.Stages.Tags;

namespace MediaTagger.Stages.Llm;

/// <summary>The schemas the llm stage asks for: the answer (extensible per pipeline), a transcript part's summary, and a synonym map.</summary>
internal static class AnswerSchemas
{
    /// <summary>A vocabulary of at most this many terms becomes an enum in the grammar; a larger one is left to the tags stage.</summary>
    public const int MaxEnumTerms = 1000;

    /// <summary>The base answer: { "summary": string, "tags": [string], "title"?: string }.</summary>
    public static JsonObject Base() => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["summary"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 400, ["description"] = "two or three factual sentences on what the file shows or says" },
            ["tags"] = new JsonObject
            {
                ["type"] = "array",
                ["description"] = "up to 10 lowercase keywords",
                ["maxItems"] = 10,
                ["items"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 32 },
            },
            ["title"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 80, ["description"] = "a short title" },
        },
        ["required"] = new JsonArray("summary", "tags"),
    };

    /// <summary>
    /// The base answer with <paramref name="extension"/>'s properties added or replacing the base ones and its
    /// required list joined; "summary" must stay a string and "tags" an array of strings, since the sidecar reads them.
    /// With a vocabulary of at most <see cref="MaxEnumTerms"/> terms, each tag must be one of its terms.
    /// </summary>
    public static OutputSchema Answer(string? extension, TagVocabulary? vocabulary)
    {
        try
        {
            return Merged(extension, vocabulary);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            // Not JSON, or a keyword of the wrong JSON type ("type": 3): a problem with the file, said as such.
            throw new FormatException("the schema file is not a usable JSON schema: " + ex.Message, ex);
        }
    }

    private static OutputSchema Merged(string? extension, TagVocabulary? vocabulary)
    {
        var schema = Base();
        var properties = schema["properties"]!.AsObject();
        var required = schema["required"]!.AsArray();
        if (extension is not null)
        {
            if (JsonNode.Parse(extension) is not JsonObject extra || extra["properties"] is not JsonObject added)
            {
                throw new FormatException("the schema file must be a JSON object with \"properties\" (added to summary, tags and title)");
            }

            foreach (var (name, value) in added)
            {
                properties[name] = value?.DeepClone();
            }

            if (extra["required"] is JsonArray more)
            {
                foreach (var name in more.Select(n => n?.GetValue<string>()).OfType<string>())
                {
                    if (!required.Any(r => r?.GetValue<string>() == name))
                    {
                        required.Add(name);
                    }
                }
            }
        }

        if (properties["summary"] is not JsonObject summary || summary["type"]?.GetValue<string>() != "string")
        {
            throw new FormatException("\"summary\" must stay a string (the sidecar's summary)");
        }

        if (properties["tags"] is not JsonObject tags || tags["type"]?.GetValue<string>() != "array" || tags["items"] is not JsonObject items
            || (items["type"]?.GetValue<string>() != "string" && items["enum"] is null))
        {
            throw new FormatException("\"tags\" must stay an array of strings (merged into the sidecar's tags)");
        }

        if (vocabulary is not null && vocabulary.Terms.Count <= MaxEnumTerms)
        {
            tags["items"] = new JsonObject { ["enum"] = new JsonArray(vocabulary.Terms.Select(t => (JsonNode)t).ToArray()) };
            tags["uniqueItems"] = true;
        }

        return OutputSchema.Parse(schema);
    }

    /// <summary>One transcript part's (or a group of parts') summary.</summary>
    public static OutputSchema Part(int maxChars) => OutputSchema.Parse(new JsonObject
    {
        ["type"] = "object",
        ["properties"] = new JsonObject { ["summary"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = maxChars } },
        ["required"] = new JsonArray("summary"),
    });

    /// <summary>Each of <paramref name="tags"/> to one of <paramref name="terms"/>, or null when none fits.</summary>
    public static OutputSchema Synonyms(IReadOnlyList<string> tags, IReadOnlyList<string> terms)
    {
        var choice = new JsonArray([.. terms.Select(t => (JsonNode)t), null]);
        var properties = new JsonObject();
        foreach (var tag in tags)
        {
            properties[tag] = new JsonObject { ["enum"] = choice.DeepClone() };
        }

        return OutputSchema.Parse(new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray(tags.Select(t => (JsonNode)t).ToArray()),
        });
    }

    /// <summary>"summary (two or three sentences…), tags (…), title (…)": the fields for the prompt's {fields}.</summary>
    public static string Fields(OutputSchema schema) => string.Join(", ", schema.PropertyNames.Select(name =>
        schema.Source["properties"]?[name]?["description"]?.GetValue<string>() is { } description ? $"{name} ({description})" : name));
}
