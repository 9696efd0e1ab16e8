namespace MediaTagger.Stages.Tags;

/// <summary>A tag as a stage produced it, and which stage.</summary>
internal sealed record TagCandidate(string Tag, string Source);

/// <summary>A tag that was changed on the way: by a replacement rule, a vocabulary alias or the LLM's synonym map.</summary>
internal sealed record TagChange(string From, string To, string Rule, string Source);

/// <summary>A tag that was left out, and why.</summary>
internal sealed record TagDrop(string Tag, string Reason, string Source);

/// <summary>The clean tag list, where each tag came from, and every change and drop on the way.</summary>
internal sealed record TagNormalization(
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Sources,
    IReadOnlyList<TagChange> Changes,
    IReadOnlyList<TagDrop> Drops);

/// <summary>
/// Merges the tags of every stage into one list. Each tag, in this order: cleaned (<see cref="TagRules.Clean"/>);
/// replaced (a replacement to nothing removes it); dropped when undesired; held to the vocabulary when there is
/// one (a term stays, an alias becomes its term, a tag the LLM mapped to a term becomes that term, anything else is
/// dropped); then duplicates merge into the first (their sources are kept) and the list is cut at
/// <see cref="MaxTags"/>. The order is the order tags were first seen: stage by stage, as each stage ranked them.
/// </summary>
internal sealed class TagNormalizer(TagRules rules, TagVocabulary? vocabulary, int maxTags)
{
    public const string ReplacementRule = "replacement";
    public const string AliasRule = "vocabulary alias";
    public const string SynonymRule = "llm synonym";

    public int MaxTags => maxTags;

    /// <param name="candidates">Tags in the order they were produced.</param>
    /// <param name="synonyms">The LLM's map from tags outside the vocabulary to a term (or null for none), by cleaned tag.</param>
    public TagNormalization Normalize(IEnumerable<TagCandidate> candidates, IReadOnlyDictionary<string, string?>? synonyms = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var tags = new List<string>();
        var sources = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var changes = new List<TagChange>();
        var drops = new List<TagDrop>();
        var seenChanges = new HashSet<(string, string, string)>();
        var seenDrops = new HashSet<(string, string)>();

        foreach (var candidate in candidates)
        {
            var tag = rules.Clean(candidate.Tag);
            if (tag.Length == 0)
            {
                continue;
            }

            if (rules.Replacements.TryGetValue(tag, out var replacement))
            {
                if (replacement.Length == 0)
                {
                    Drop(tag, "replaced by nothing", candidate.Source);
                    continue;
                }

                Change(tag, replacement, ReplacementRule, candidate.Source);
                tag = replacement;
            }

            if (rules.Undesired.Contains(tag))
            {
                Drop(tag, "undesired", candidate.Source);
                continue;
            }

            if (vocabulary is not null)
            {
                var term = vocabulary.TermOf(tag);
                if (term is not null && term != tag)
                {
                    Change(tag, term, AliasRule, candidate.Source);
                }
                else if (term is null && synonyms is not null && synonyms.TryGetValue(tag, out var mapped) && mapped is not null && vocabulary.Contains(rules.Clean(mapped)))
                {
                    term = rules.Clean(mapped);
                    Change(tag, term, SynonymRule, candidate.Source);
                }

                if (term is null)
                {
                    Drop(tag, "not in the vocabulary", candidate.Source);
                    continue;
                }

                tag = term;
            }

            if (sources.TryGetValue(tag, out var from))
            {
                if (!from.Contains(candidate.Source, StringComparer.Ordinal))
                {
                    from.Add(candidate.Source);
                }

                continue;
            }

            if (tags.Count >= maxTags)
            {
                Drop(tag, $"beyond maxTags ({maxTags})", candidate.Source);
                continue;
            }

            tags.Add(tag);
            sources[tag] = [candidate.Source];
        }

        return new TagNormalization(
            tags,
            tags.ToDictionary(t => t, t => (IReadOnlyList<string>)sources[t], StringComparer.Ordinal),
            changes,
            drops);

        void Change(string from, string to, string rule, string source)
        {
            if (seenChanges.Add((from, to, rule)))
            {
                changes.Add(new TagChange(from, to, rule, source));
            }
        }

        void Drop(string tag, string reason, string source)
        {
            if (seenDrops.Add((tag, reason)))
            {
                drops.Add(new TagDrop(tag, reason, source));
            }
        }
    }
}
