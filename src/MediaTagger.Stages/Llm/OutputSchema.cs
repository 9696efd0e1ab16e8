using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MediaTagger.Stages.Llm;

/// <summary>
/// The JSON the LLM must answer with, from a JSON-schema subset: objects (properties, required; no other keys),
/// arrays (items, minItems, maxItems, uniqueItems), strings (minLength, maxLength), integers and numbers (minimum,
/// maximum), booleans, null, enum and const, and a type list such as ["string", "null"]. The same tree gives the
/// GBNF grammar that llama.cpp's grammar sampler holds generation to and the validator the parsed answer must pass:
/// the grammar makes the shape certain, the validator checks what a grammar cannot (unique items, number ranges)
/// and catches output that was cut off. Every string and array is bounded (maxLength and maxItems default to
/// <see cref="DefaultMaxLength"/> and <see cref="DefaultMaxItems"/>), so an answer has a longest possible length.
/// </summary>
internal sealed class OutputSchema
{
    public const int DefaultMaxLength = 256;
    public const int DefaultMaxItems = 16;

    /// <summary>The longest whitespace the grammar allows between tokens: a newline and four spaces of indentation.</summary>
    private const int MaxWhitespace = 5;

    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "uniqueItems",
        "minLength", "maxLength", "minimum", "maximum", "enum", "const", "description", "title", "$schema", "default",
    };

    private readonly Node root;

    private OutputSchema(Node root, JsonObject source)
    {
        this.root = root;
        Source = source;
        MaxChars = root.MaxChars;
    }

    /// <summary>The schema as given (after any merge), for the prompt and the sidecar's provenance.</summary>
    public JsonObject Source { get; }

    /// <summary>
    /// The longest answer the grammar allows, in characters (an escape counts as its characters). Every token the
    /// grammar sampler lets through adds at least one character, so this many tokens always complete an ASCII answer.
    /// </summary>
    public int MaxChars { get; }

    /// <summary>The top-level property names, in the order the grammar writes them.</summary>
    public IReadOnlyList<string> PropertyNames => root is ObjectNode o ? o.Properties.Select(p => p.Name).ToArray() : [];

    /// <summary>Reads a schema; throws <see cref="FormatException"/> naming the first unsupported or invalid part by its path.</summary>
    public static OutputSchema Parse(JsonObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new OutputSchema(Read(schema, "$"), (JsonObject)schema.DeepClone());
    }

    public static OutputSchema Parse(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException("the schema is not valid JSON: " + ex.Message, ex);
        }

        return node is JsonObject o ? Parse(o) : throw new FormatException("the schema must be a JSON object");
    }

    /// <summary>The grammar in llama.cpp's GBNF, starting at rule "root".</summary>
    public string ToGrammar()
    {
        var rules = new GrammarRules();
        rules.Add("ws", "( \" \" | \"\\n\" \" \"{0,4} )?");
        rules.Add("char", "[^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" [\"\\\\/bfnrt]");
        rules.Add("root", root.Emit(rules, "answer"));
        return rules.ToString();
    }

    /// <summary>Every way <paramref name="value"/> breaks the schema, each with its JSON path; empty when it conforms.</summary>
    public IReadOnlyList<string> Validate(JsonNode? value)
    {
        var problems = new List<string>();
        root.Validate(value, "$", problems);
        return problems;
    }

    private static Node Read(JsonObject schema, string path)
    {
        foreach (var (key, _) in schema)
        {
            if (!Supported.Contains(key))
            {
                throw new FormatException($"{path}: the keyword \"{key}\" is not supported (supported: {string.Join(", ", Supported.Order(StringComparer.Ordinal))})");
            }
        }

        if (schema["const"] is { } constant)
        {
            return new EnumNode([constant.DeepClone()]);
        }

        if (schema["enum"] is { } enumeration)
        {
            if (enumeration is not JsonArray values || values.Count == 0)
            {
                throw new FormatException($"{path}.enum: must be a non-empty array");
            }

            return new EnumNode([.. values.Select(v => v?.DeepClone())]);
        }

        var types = schema["type"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var t) => [t],
            JsonArray a when a.Count > 0 && a.All(t => t is JsonValue tv && tv.TryGetValue<string>(out _)) => a.Select(t => t!.GetValue<string>()).Distinct().ToArray(),
            null => throw new FormatException($"{path}: needs a \"type\" (or an \"enum\" or \"const\")"),
            _ => throw new FormatException($"{path}.type: must be a type name or a non-empty list of them"),
        };

        if (types.Length > 1)
        {
            return new AnyNode([.. types.Select(t => ReadType(schema, t, path))]);
        }

        return ReadType(schema, types[0], path);
    }

    private static Node ReadType(JsonObject schema, string type, string path) => type switch
    {
        "object" => ReadObject(schema, path),
        "array" => ReadArray(schema, path),
        "string" => ReadString(schema, path),
        "integer" => new NumberNode(true, NumberOf(schema, "minimum", path), NumberOf(schema, "maximum", path)),
        "number" => new NumberNode(false, NumberOf(schema, "minimum", path), NumberOf(schema, "maximum", path)),
        "boolean" => new BooleanNode(),
        "null" => new NullNode(),
        _ => throw new FormatException($"{path}.type: \"{type}\" is not a JSON schema type (object, array, string, integer, number, boolean, null)"),
    };

    private static ObjectNode ReadObject(JsonObject schema, string path)
    {
        if (schema["additionalProperties"] is JsonValue extra && extra.TryGetValue<bool>(out var allowed) && allowed)
        {
            throw new FormatException($"{path}.additionalProperties: only false is supported (the answer holds exactly the declared properties)");
        }

        if (schema["properties"] is not JsonObject properties || properties.Count == 0)
        {
            throw new FormatException($"{path}.properties: an object needs at least one declared property");
        }

        var required = schema["required"] switch
        {
            null => new HashSet<string>(StringComparer.Ordinal),
            JsonArray a when a.All(r => r is JsonValue rv && rv.TryGetValue<string>(out _)) => a.Select(r => r!.GetValue<string>()).ToHashSet(StringComparer.Ordinal),
            _ => throw new FormatException($"{path}.required: must be a list of property names"),
        };

        foreach (var name in required)
        {
            if (!properties.ContainsKey(name))
            {
                throw new FormatException($"{path}.required: \"{name}\" is not among the properties");
            }
        }

        var list = new List<Property>();
        foreach (var (name, value) in properties)
        {
            if (value is not JsonObject property)
            {
                throw new FormatException($"{path}.properties.{name}: must be a schema object");
            }

            list.Add(new Property(name, Read(property, $"{path}.{name}"), required.Contains(name)));
        }

        return new ObjectNode(list);
    }

    private static ArrayNode ReadArray(JsonObject schema, string path)
    {
        if (schema["items"] is not JsonObject items)
        {
            throw new FormatException($"{path}.items: an array needs an item schema");
        }

        var min = IntegerOf(schema, "minItems", path) ?? 0;
        var max = IntegerOf(schema, "maxItems", path) ?? Math.Max(min, DefaultMaxItems);
        if (max < min)
        {
            throw new FormatException($"{path}: maxItems ({max}) is below minItems ({min})");
        }

        var unique = schema["uniqueItems"] is JsonValue u && u.TryGetValue<bool>(out var flag) && flag;
        return new ArrayNode(Read(items, path + "[]"), min, max, unique);
    }

    private static StringNode ReadString(JsonObject schema, string path)
    {
        var min = IntegerOf(schema, "minLength", path) ?? 0;
        var max = IntegerOf(schema, "maxLength", path) ?? Math.Max(min, DefaultMaxLength);
        if (max < min)
        {
            throw new FormatException($"{path}: maxLength ({max}) is below minLength ({min})");
        }

        return new StringNode(min, max);
    }

    private static int? IntegerOf(JsonObject schema, string key, string path) => schema[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) && i is >= 0 and <= 100_000 => i,
        _ => throw new FormatException($"{path}.{key}: must be a whole number between 0 and 100000"),
    };

    private static double? NumberOf(JsonObject schema, string key, string path) => schema[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<double>(out var d) && double.IsFinite(d) => d,
        _ => throw new FormatException($"{path}.{key}: must be a number"),
    };

    /// <summary>A GBNF string literal for <paramref name="text"/>.</summary>
    private static string Literal(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c < 0x20 => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}"),
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }

    /// <summary>The compact JSON text of a value, as the grammar writes a literal.</summary>
    private static string JsonText(JsonNode? value) =>
        value?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null";

    private static string KindOf(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "a string",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => "a number",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "a value",
    };

    private sealed record Property(string Name, Node Node, bool Required);

    /// <summary>Named rules in the order they were first needed; structurally equal bodies share one rule.</summary>
    private sealed class GrammarRules
    {
        private readonly List<(string Name, string Body)> rules = [];
        private readonly Dictionary<string, string> byBody = new(StringComparer.Ordinal);

        /// <summary>A rule for <paramref name="body"/> named after <paramref name="hint"/>; returns its name.</summary>
        public string Named(string hint, string body)
        {
            if (byBody.TryGetValue(body, out var existing))
            {
                return existing;
            }

            var name = Sanitize(hint);
            var unique = name;
            for (var i = 2; unique == "root" || rules.Exists(r => r.Name == unique); i++)
            {
                unique = name + "-" + i.ToString(CultureInfo.InvariantCulture);
            }

            rules.Add((unique, body));
            byBody[body] = unique;
            return unique;
        }

        public void Add(string name, string body) => rules.Add((name, body));

        public override string ToString()
        {
            var builder = new StringBuilder();
            foreach (var (name, body) in rules.OrderBy(r => r.Name == "root" ? 0 : 1))
            {
                builder.Append(name).Append(" ::= ").Append(body).Append('\n');
            }

            return builder.ToString();
        }

        private static string Sanitize(string hint)
        {
            var chars = hint.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray();
            var name = new string(chars).Trim('-');
            return name.Length == 0 || char.IsAsciiDigit(name[0]) ? "r-" + name : name;
        }
    }

    private abstract class Node
    {
        public abstract int MaxChars { get; }

        /// <summary>The GBNF expression for this value; <paramref name="hint"/> names any rule it needs.</summary>
        public abstract string Emit(GrammarRules rules, string hint);

        public abstract void Validate(JsonNode? value, string path, List<string> problems);
    }

    private sealed class ObjectNode(List<Property> properties) : Node
    {
        public IReadOnlyList<Property> Properties => properties;

        public override int MaxChars =>
            2 + properties.Sum(p => Literal(p.Name).Length + 2 + p.Node.MaxChars + (3 * MaxWhitespace)) + MaxWhitespace;

        public override string Emit(GrammarRules rules, string hint)
        {
            // Declared order, required properties first so the separators stay simple: each later one is ", key: value".
            var ordered = properties.Where(p => p.Required).Concat(properties.Where(p => !p.Required)).ToList();
            var pairs = ordered.Select(p =>
                $"{Literal(JsonText(JsonValue.Create(p.Name)))} ws \":\" ws {p.Node.Emit(rules, hint + "-" + p.Name)}").ToList();
            var required = ordered.Count(p => p.Required);

            var body = new StringBuilder("\"{\" ws ");
            if (required > 0)
            {
                body.Append(string.Join(" \",\" ws ", pairs.Take(required)));
                foreach (var optional in pairs.Skip(required))
                {
                    body.Append(" ( \",\" ws ").Append(optional).Append(" )?");
                }
            }
            else
            {
                // No property is required: any subset in order, the first without a leading comma.
                var alternatives = new List<string>();
                for (var first = 0; first < pairs.Count; first++)
                {
                    var alternative = new StringBuilder(pairs[first]);
                    foreach (var later in pairs.Skip(first + 1))
                    {
                        alternative.Append(" ( \",\" ws ").Append(later).Append(" )?");
                    }

                    alternatives.Add(alternative.ToString());
                }

                body.Append("( ").Append(string.Join(" | ", alternatives.Select(a => "( " + a + " )"))).Append(" )?");
            }

            body.Append(" ws \"}\"");
            return rules.Named(hint, body.ToString());
        }

        public override void Validate(JsonNode? value, string path, List<string> problems)
        {
            if (value is not JsonObject obj)
            {
                problems.Add($"{path}: expected an object, got {KindOf(value)}");
                return;
            }

            foreach (var property in properties)
            {
                if (obj.TryGetPropertyValue(property.Name, out var child))
                {
                    property.Node.Validate(child, $"{path}.{property.Name}", problems);
                }
                else if (property.Required)
                {
                    problems.Add($"{path}.{property.Name}: required but missing");
                }
            }

            foreach (var (name, _) in obj)
            {
                if (!properties.Exists(p => p.Name == name))
                {
                    problems.Add($"{path}.{name}: not a property of the schema");
                }
            }
        }
    }

    private sealed class ArrayNode(Node item, int min, int max, bool unique) : Node
    {
        public override int MaxChars => 2 + (max * (item.MaxChars + 1 + MaxWhitespace)) + MaxWhitespace;

        public override string Emit(GrammarRules rules, string hint)
        {
            var element = item.Emit(rules, hint + "-item");
            string body;
            if (max == 0)
            {
                body = "\"[\" ws \"]\"";
            }
            else
            {
                // One element, then min-1 to max-1 more with their commas; no elements at all only when min is 0.
                var more = $"( ws \",\" ws {element} ){{{Math.Max(min - 1, 0)},{max - 1}}}";
                var elements = max == 1 ? element : $"{element} {more}";
                body = min == 0 ? $"\"[\" ws ( {elements} )? ws \"]\"" : $"\"[\" ws {elements} ws \"]\"";
            }

            return rules.Named(hint, body);
        }

        public override void Validate(JsonNode? value, string path, List<string> problems)
        {
            if (value is not JsonArray array)
            {
                problems.Add($"{path}: expected an array, got {KindOf(value)}");
                return;
            }

            if (array.Count < min || array.Count > max)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: {array.Count} items, the schema allows {min} to {max}"));
            }

            for (var i = 0; i < array.Count; i++)
            {
                item.Validate(array[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), problems);
            }

            if (unique)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var element in array)
                {
                    if (!seen.Add(JsonText(element)))
                    {
                        problems.Add($"{path}: {JsonText(element)} appears more than once (uniqueItems)");
                    }
                }
            }
        }
    }

    private sealed class StringNode(int min, int max) : Node
    {
        // A character is one code point or a two-character escape.
        public override int MaxChars => 2 + (2 * max);

        public override string Emit(GrammarRules rules, string hint) =>
            rules.Named(string.Create(CultureInfo.InvariantCulture, $"string-{min}-{max}"),
                string.Create(CultureInfo.InvariantCulture, $"\"\\\"\" char{{{min},{max}}} \"\\\"\""));

        public override void Validate(JsonNode? value, string path, List<string> problems)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var text))
            {
                problems.Add($"{path}: expected a string, got {KindOf(value)}");
                return;
            }

            var length = text.EnumerateRunes().Count();
            if (length < min || length > max)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: {length} characters, the schema allows {min} to {max}"));
            }
        }
    }

    private sealed class NumberNode(bool integer, double? minimum, double? maximum) : Node
    {
        // Up to 15 digits (exact in a double), a fraction of up to 8 for numbers; no exponent.
        public override int MaxChars => integer ? 16 : 25;

        public override string Emit(GrammarRules rules, string hint) => integer
            ? rules.Named("integer", "\"-\"? ( \"0\" | [1-9] [0-9]{0,14} )")
            : rules.Named("number", "\"-\"? ( \"0\" | [1-9] [0-9]{0,14} ) ( \".\" [0-9]{1,8} )?");

        public override void Validate(JsonNode? value, string path, List<string> problems)
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<double>(out var number))
            {
                problems.Add($"{path}: expected {(integer ? "an integer" : "a number")}, got {KindOf(value)}");
                return;
            }

            if (integer && number != Math.Floor(number))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: {number} is not a whole number"));
            }

            if (number < minimum || number > maximum)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: {number} is outside {minimum?.ToString(CultureInfo.InvariantCulture) ?? "-inf"} to {maximum?.ToString(CultureInfo.InvariantCulture) ?? "inf"}"));
            }
        }
    }

    private sealed class BooleanNode : Node
    {
        public override int MaxChars => 5;

        public override string Emit(GrammarRules rules, string hint) => "( \"true\" | \"false\" )";

        public override void Validate(JsonNode? value, string path, List<string> problems)
        {
            if (value is not JsonValue v || v.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                problems.Add($"{path}: expected a boolean, got {KindOf(value)}");
            }
        }
    }

    private sealed class NullNode : Node
    {
        public override int MaxChars => 4;

        public override string Emit(GrammarRules rules, string hint) => "\"null\"";

        public override void Validate(JsonNode? value, string path, List<string> problems)
        {
            if (value is not null)
            {
                problems.Add($"{path}: expected null, got {KindOf(value)}");
            }
        }
    }

    private sealed class EnumNode(List<JsonNode?> values) : Node
    {
        public override int MaxChars => values.Max(v => JsonText(v).Length);

        public override string Emit(GrammarRules rules, string hint) =>
            rules.Named(hint, string.Join(" | ", values.Select(v => Literal(JsonText(v)))));

        public override void Validate(JsonNode? value, string path, List<string> problems)
        {
            if (!values.Exists(v => JsonNode.DeepEquals(v, value)))
            {
                var shown = values.Count <= 8 ? string.Join(", ", values.Select(JsonText)) : $"{values.Count} allowed values";
                problems.Add($"{path}: {JsonText(value)} is not one of {shown}");
            }
        }
    }

    private sealed class AnyNode(List<Node> choices) : Node
    {
        public override int MaxChars => choices.Max(c => c.MaxChars);

        public override string Emit(GrammarRules rules, string hint) =>
            "( " + string.Join(" | ", choices.Select((c, i) => c.Emit(rules, hint + "-" + i.ToString(CultureInfo.InvariantCulture)))) + " )";

        public override void Validate(JsonNode? value, string path, List<string> problems)
        {
            var attempts = choices.Select(c =>
            {
                var found = new List<string>();
                c.Validate(value, path, found);
                return found;
            }).ToList();
            if (attempts.TrueForAll(a => a.Count > 0))
            {
                problems.AddRange(attempts.OrderBy(a => a.Count).First());
            }
        }
    }
}
