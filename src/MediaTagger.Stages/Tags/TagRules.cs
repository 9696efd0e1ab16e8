using System.Text;

namespace MediaTagger.Stages.Tags;

/// <summary>
/// How one tag is cleaned before the lists apply: whitespace folded, underscores to spaces (not in emoticons such
/// as "^_^", which have no letter, nor in the booru kaomoji of <see cref="Kaomoji"/> such as "o_o"), lower case, optional kohya-style escaping of parentheses. Replacement and
/// undesired lists are compared after the same clean-up, so "Long_Hair" in a list matches "long hair" in a result.
/// </summary>
internal sealed record TagRules
{
    /// <summary>"long_hair" becomes "long hair".</summary>
    public bool UnderscoresToSpaces { get; init; } = true;

    /// <summary>"Tabby Cat" becomes "tabby cat"; off keeps the case of the first spelling seen.</summary>
    public bool Lowercase { get; init; } = true;

    /// <summary>"(foo)" becomes "\(foo\)", as Stable Diffusion trainers want in caption files.</summary>
    public bool EscapeParentheses { get; init; }

    /// <summary>Cleaned tag to its replacement; an empty replacement removes the tag.</summary>
    public IReadOnlyDictionary<string, string> Replacements { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Cleaned tags that are dropped wherever they come from.</summary>
    public IReadOnlySet<string> Undesired { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Booru tags that are faces drawn with an underscore and keep it: the list SmilingWolf's wd-tagger space and
    /// toriato's sd-webui-wd14-tagger use (tagger/ui.py). Those without a letter keep it by the general rule anyway.
    /// </summary>
    public static IReadOnlySet<string> Kaomoji { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "0_0", "(o)_(o)", "+_+", "+_-", "._.", "<o>_<o>", "<|>_<|>", "=_=", ">_<", "3_3", "6_9", ">_o", "@_@", "^_^", "o_o", "u_u", "x_x", "|_|", "||_||",
    };

    /// <summary>Cleans one tag; the empty string when nothing is left.</summary>
    public string Clean(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var text = tag.Replace("\\(", "(", StringComparison.Ordinal).Replace("\\)", ")", StringComparison.Ordinal);
        if (UnderscoresToSpaces && text.Any(char.IsLetter) && !Kaomoji.Contains(text.Trim().ToLowerInvariant()))
        {
            text = text.Replace('_', ' ');
        }

        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (Lowercase)
        {
            text = text.ToLowerInvariant();
        }

        if (EscapeParentheses)
        {
            text = text.Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>These rules with the lists cleaned the same way as the tags they are compared with.</summary>
    public TagRules WithLists(IEnumerable<KeyValuePair<string, string>> replacements, IEnumerable<string> undesired)
    {
        var cleanedReplacements = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (from, to) in replacements)
        {
            var key = Clean(from);
            if (key.Length > 0)
            {
                cleanedReplacements[key] = Clean(to);
            }
        }

        return this with
        {
            Replacements = cleanedReplacements,
            Undesired = undesired.Select(Clean).Where(t => t.Length > 0).ToHashSet(StringComparer.Ordinal),
        };
    }

    /// <summary>What is wrong with replacement rules (a "with" value), or null when they parse.</summary>
    public static string? ReplacementsProblem(string rules)
    {
        try
        {
            ParseReplacements(rules);
            return null;
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Reads replacement rules as kohya's --tag_replacement writes them: "source,target;source2,target2", with "\,"
    /// and "\;" for a literal comma or semicolon; a line break separates rules as ';' does. Throws
    /// <see cref="FormatException"/> for a rule without a comma.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseReplacements(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<KeyValuePair<string, string>>();
        foreach (var rule in SplitEscaped(text, ';', '\n'))
        {
            if (rule.Text.Trim().Length == 0 || rule.Text.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var parts = SplitEscaped(rule.Text, ',').Select(p => p.Text).ToList();
            if (parts.Count != 2)
            {
                throw new FormatException($"replacement rule \"{rule.Raw.Trim()}\" must be \"source,target\" (write \\, for a comma inside a tag)");
            }

            rules.Add(KeyValuePair.Create(parts[0].Trim(), parts[1].Trim()));
        }

        return rules;
    }

    /// <summary>Reads a tag list separated by commas or line breaks ("\," for a comma inside a tag; '#' starts a comment line).</summary>
    public static IReadOnlyList<string> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SplitEscaped(text, '\n')
            .Where(line => !line.Text.TrimStart().StartsWith('#'))
            .SelectMany(line => SplitEscaped(line.Text, ','))
            .Select(t => t.Text.Trim())
            .Where(t => t.Length > 0)
            .ToList();
    }

    /// <summary>Splits at any of <paramref name="separators"/> not preceded by a backslash, removing that escape.</summary>
    private static List<(string Text, string Raw)> SplitEscaped(string text, params char[] separators)
    {
        var parts = new List<(string, string)>();
        var current = new StringBuilder();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length && Array.IndexOf(separators, text[i + 1]) >= 0)
            {
                current.Append(text[i + 1]);
                i++;
            }
            else if (Array.IndexOf(separators, c) >= 0)
            {
                parts.Add((current.ToString(), text[start..i]));
                current.Clear();
                start = i + 1;
            }
            else if (c != '\r')
            {
                current.Append(c);
            }
        }

        parts.Add((current.ToString(), text[start..]));
        return parts;
    }
}
