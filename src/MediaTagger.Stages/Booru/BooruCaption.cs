namespace MediaTagger.Stages.Booru;

/// <summary>
/// The kohya-style caption line of one image (what tag_images_by_wd14_tagger.py writes to image.txt): the selected
/// tags joined by a separator (", " as kohya's --caption_separator), in groups: "score" is one list by score, or a
/// comma-separated order of the groups "character", "general" and "rating" (each by score; a group left out is not
/// written, so "character,general" never writes the rating tag). Tags of <see cref="AlwaysFirst"/> that are present
/// move to the front in the order given (kohya's --always_first_tags). Parentheses may be escaped ("\(") for trainers.
/// </summary>
internal sealed record BooruCaption
{
    public const string ScoreOrder = "score";

    private static readonly string[] Groups = ["character", "general", "rating"];

    /// <summary>"score", or the groups in the order they are written.</summary>
    public string Order { get; init; } = "character,general,rating";

    public IReadOnlyList<string> AlwaysFirst { get; init; } = [];

    public string Separator { get; init; } = ", ";

    public bool EscapeParentheses { get; init; }

    /// <summary>What is wrong with an order, or null when it is "score" or a list of distinct known groups.</summary>
    public static string? OrderProblem(string order)
    {
        if (string.Equals(order.Trim(), ScoreOrder, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = order.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Any(p => !Groups.Contains(p.ToLowerInvariant())) || parts.Distinct(StringComparer.OrdinalIgnoreCase).Count() != parts.Length)
        {
            return $"'{order}' is neither \"score\" nor a comma-separated order of {string.Join(", ", Groups)} (each at most once)";
        }

        return null;
    }

    public string Format(IReadOnlyList<BooruTag> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        List<BooruTag> ordered;
        if (string.Equals(Order.Trim(), ScoreOrder, StringComparison.OrdinalIgnoreCase))
        {
            ordered = [.. tags.OrderByDescending(t => t.Score)];
        }
        else
        {
            ordered = [];
            foreach (var group in Order.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var category = group.ToLowerInvariant() switch
                {
                    "character" => BooruCategory.Character,
                    "rating" => BooruCategory.Rating,
                    _ => BooruCategory.General,
                };
                ordered.AddRange(tags.Where(t => t.Category == category).OrderByDescending(t => t.Score));
            }
        }

        var names = ordered.Select(t => t.Tag).ToList();
        foreach (var first in AlwaysFirst.Reverse())
        {
            if (names.Remove(first))
            {
                names.Insert(0, first);
            }
        }

        return string.Join(Separator, names.Select(n => EscapeParentheses ? n.Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal) : n));
    }
}
