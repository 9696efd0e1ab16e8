using System.Text;

namespace MediaTagger.Stages.Llm;

/// <summary>
/// A prompt with {placeholders}: "{{" and "}}" are literal braces; an unknown placeholder is a configuration error
/// found when the worker starts, not a surprise in the prompt.
/// </summary>
internal static class PromptTemplate
{
    /// <summary>Why <paramref name="template"/> is unusable with <paramref name="known"/> placeholders, or null.</summary>
    public static string? Problem(string template, IReadOnlyCollection<string> known)
    {
        try
        {
            var unknown = Names(template).Where(n => !known.Contains(n)).Distinct().ToList();
            return unknown.Count == 0
                ? null
                : $"unknown placeholder(s) {string.Join(", ", unknown.Select(u => "{" + u + "}"))} (known: {string.Join(", ", known.Select(k => "{" + k + "}"))}; write {{{{ for a literal brace)";
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The template with each placeholder replaced by its value ("" for a known one without a value).</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        var builder = new StringBuilder(template.Length);
        Walk(template, text => builder.Append(text), name => builder.Append(values.GetValueOrDefault(name, "")));
        return builder.ToString();
    }

    private static List<string> Names(string template)
    {
        var names = new List<string>();
        Walk(template, _ => { }, names.Add);
        return names;
    }

    private static void Walk(string template, Action<string> literal, Action<string> placeholder)
    {
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                literal("{");
                i += 2;
            }
            else if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                literal("}");
                i += 2;
            }
            else if (c == '{')
            {
                var end = template.IndexOf('}', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"the '{{' at character {i + 1} is never closed (write {{{{ for a literal brace)");
                }

                placeholder(template[(i + 1)..end].Trim());
                i = end + 1;
            }
            else if (c == '}')
            {
                throw new FormatException($"the '}}' at character {i + 1} closes nothing (write }}}} for a literal brace)");
            }
            else
            {
                var next = template.IndexOfAny(['{', '}'], i);
                next = next < 0 ? template.Length : next;
                literal(template[i..next]);
                i = next;
            }
        }
    }
}
