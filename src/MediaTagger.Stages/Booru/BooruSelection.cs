using MediaTagger.Stages.Tags;

namespace MediaTagger.Stages.Booru;

/// <summary>A selected tag, cleaned (underscores, replacements), with its probability and category.</summary>
public sealed record BooruTag(string Tag, float Score, BooruCategory Category);

/// <summary>A rating ("general", "sensitive", "questionable", "explicit"; DeepDanbooru's "safe" ...) with its probability.</summary>
public sealed record BooruRating(string Label, float Score);

/// <summary>
/// What was selected for one image. <see cref="Tags"/>: general and character tags (and the rating tag when asked
/// for), ordered as the options say; <see cref="Ratings"/>: every rating, best first; the thresholds that applied
/// (MCut computes them per image).
/// </summary>
public sealed record BooruSelection(
    IReadOnlyList<BooruTag> Tags,
    BooruRating? Rating,
    IReadOnlyList<BooruRating> Ratings,
    float GeneralThreshold,
    float CharacterThreshold)
{
    public IEnumerable<BooruTag> Characters => Tags.Where(t => t.Category == BooruCategory.Character);
}

/// <summary>How tags are chosen from a tagger's probabilities (see <see cref="BooruSelector"/>).</summary>
internal sealed record BooruSelectionRules
{
    public float GeneralThreshold { get; init; } = 0.35f;

    public float CharacterThreshold { get; init; } = 0.85f;

    /// <summary>General tags by MCut instead of <see cref="GeneralThreshold"/>.</summary>
    public bool GeneralMcut { get; init; }

    /// <summary>Character tags by MCut (never below <see cref="CharacterMcutFloor"/>) instead of <see cref="CharacterThreshold"/>.</summary>
    public bool CharacterMcut { get; init; }

    /// <summary>The lowest threshold MCut may give characters: 0.15 in SmilingWolf's wd-tagger space.</summary>
    public float CharacterMcutFloor { get; init; } = 0.15f;

    /// <summary>The best rating also goes into the tag list, as "rating:LABEL", after the other tags.</summary>
    public bool RatingTag { get; init; }

    /// <summary>Character tags before general ones (kohya --character_tags_first); else one list by score.</summary>
    public bool CharacterFirst { get; init; }

    /// <summary>At most this many general and character tags, the best kept.</summary>
    public int MaxTags { get; init; } = 100;

    /// <summary>Underscores, replacements and undesired tags (the tags stage's rules, shared).</summary>
    public TagRules Rules { get; init; } = new() { Lowercase = false };
}

/// <summary>
/// Chooses tags from one image's probabilities the way kohya's tag_images_by_wd14_tagger.py and SmilingWolf's
/// wd-tagger space do: general and character tags each at or above their own threshold, or above an MCut threshold
/// (maximum cut thresholding, Largeron et al. 2012: the probabilities sorted, the cut in the middle of the largest
/// gap between neighbours; for characters never below 0.15); the ratings reported apart, best first. Each tag is then
/// cleaned (<see cref="TagRules.Clean"/>: underscores to spaces except kaomoji), replaced (kohya's "a,b;c,d"; a
/// replacement to nothing removes the tag) and dropped when undesired; two tags that become one keep the higher score.
/// </summary>
internal static class BooruSelector
{
    public static BooruSelection Select(BooruLabels labels, ReadOnlySpan<float> probabilities, BooruSelectionRules rules)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(rules);
        if (probabilities.Length != labels.Count)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities for {labels.Count} tags", nameof(probabilities));
        }

        var general = new List<(int Index, float P)>();
        var characters = new List<(int Index, float P)>();
        var ratings = new List<BooruRating>();
        for (var i = 0; i < labels.Count; i++)
        {
            switch (labels.Labels[i].Category)
            {
                case BooruCategory.General:
                    general.Add((i, probabilities[i]));
                    break;
                case BooruCategory.Character:
                    characters.Add((i, probabilities[i]));
                    break;
                default:
                    ratings.Add(new BooruRating(BooruLabels.RatingName(labels.Labels[i].Name), probabilities[i]));
                    break;
            }
        }

        var generalThreshold = rules.GeneralMcut ? Mcut(general.Select(g => g.P)) : rules.GeneralThreshold;
        var characterThreshold = rules.CharacterMcut ? Math.Max(rules.CharacterMcutFloor, Mcut(characters.Select(c => c.P))) : rules.CharacterThreshold;

        var chosen = new Dictionary<string, BooruTag>(StringComparer.Ordinal);
        foreach (var (index, p) in general.Where(g => g.P >= generalThreshold).Concat(characters.Where(c => c.P >= characterThreshold)))
        {
            var label = labels.Labels[index];
            var tag = rules.Rules.Clean(label.Name);
            if (tag.Length > 0 && rules.Rules.Replacements.TryGetValue(tag, out var replacement))
            {
                tag = replacement;
            }

            if (tag.Length == 0 || rules.Rules.Undesired.Contains(tag))
            {
                continue;
            }

            if (!chosen.TryGetValue(tag, out var earlier) || earlier.Score < p)
            {
                chosen[tag] = new BooruTag(tag, p, label.Category);
            }
        }

        var ordered = chosen.Values
            .OrderBy(t => rules.CharacterFirst && t.Category == BooruCategory.Character ? 0 : 1)
            .ThenByDescending(t => t.Score)
            .ThenBy(t => t.Tag, StringComparer.Ordinal)
            .Take(rules.MaxTags)
            .ToList();

        var byScore = ratings.OrderByDescending(r => r.Score).ToArray();
        var best = byScore.FirstOrDefault();
        if (rules.RatingTag && best is not null)
        {
            ordered.Add(new BooruTag("rating:" + best.Label, best.Score, BooruCategory.Rating));
        }

        return new BooruSelection(ordered, best, byScore, generalThreshold, characterThreshold);
    }

    /// <summary>
    /// The MCut threshold of a set of probabilities: sorted high to low, the midpoint of the largest gap between
    /// neighbours. One value is its own threshold (it is kept); none gives +infinity (nothing is kept).
    /// </summary>
    public static float Mcut(IEnumerable<float> probabilities)
    {
        var sorted = probabilities.OrderByDescending(p => p).ToArray();
        if (sorted.Length == 0)
        {
            return float.PositiveInfinity;
        }

        if (sorted.Length == 1)
        {
            return sorted[0];
        }

        var cut = 0;
        var widest = float.NegativeInfinity;
        for (var i = 0; i < sorted.Length - 1; i++)
        {
            var gap = sorted[i] - sorted[i + 1];
            if (gap > widest)
            {
                widest = gap;
                cut = i;
            }
        }

        return (sorted[cut] + sorted[cut + 1]) / 2;
    }
}
