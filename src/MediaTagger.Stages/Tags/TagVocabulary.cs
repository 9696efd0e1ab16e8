namespace MediaTagger.Stages.Tags;

/// <summary>
/// A controlled vocabulary: the only tags allowed, each with the aliases that map to it. The file has one term per
/// line, its aliases after it on the same line, comma-separated ("cat, kitty, kitten, tabby cat"); '#' starts a
/// comment line; "\," is a comma inside a tag. Terms and aliases are cleaned by the same <see cref="TagRules"/> as
/// the tags they are compared with.
/// </summary>
internal sealed class TagVocabulary
{
    private readonly Dictionary<string, string> aliases;

    private TagVocabulary(List<string> terms, Dictionary<string, string> aliases, string sha256)
    {
        Terms = terms;
        this.aliases = aliases;
        Sha256 = sha256;
    }

    /// <summary>The allowed tags, in file order.</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>The file's checksum: part of the stage's parameters, so a changed vocabulary makes sidecars stale.</summary>
    public string Sha256 { get; }

    public bool Contains(string cleaned) => aliases.TryGetValue(cleaned, out var term) && term == cleaned;

    /// <summary>The term a cleaned tag stands for (itself when it is a term), or null when it is neither term nor alias.</summary>
    public string? TermOf(string cleaned) => aliases.GetValueOrDefault(cleaned);

    /// <summary>Reads a vocabulary file; throws <see cref="FormatException"/> for an alias claimed by two terms or an empty file.</summary>
    public static TagVocabulary Load(string path, TagRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var text = File.ReadAllText(path);
        return Parse(text, rules, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))), path);
    }

    public static TagVocabulary Parse(string text, TagRules rules, string sha256, string origin)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(rules);
        var terms = new List<string>();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            var names = TagRules.ParseList(line).Select(rules.Clean).Where(n => n.Length > 0).ToList();
            if (names.Count == 0)
            {
                continue;
            }

            var term = names[0];
            foreach (var name in names)
            {
                if (map.TryGetValue(name, out var other) && other != term)
                {
                    throw new FormatException($"{origin} line {lineNumber}: \"{name}\" already stands for \"{other}\"; an alias can map to one term only");
                }

                map[name] = term;
            }

            if (!terms.Contains(term, StringComparer.Ordinal))
            {
                terms.Add(term);
            }
        }

        return terms.Count == 0 ? throw new FormatException($"{origin} holds no tags") : new TagVocabulary(terms, map, sha256);
    }
}
