namespace MediaTagger.Stages.Booru;

/// <summary>What a booru tag is about: the three categories the taggers' tag files distinguish.</summary>
public enum BooruCategory
{
    General,
    Character,
    Rating,
}

/// <summary>One output of a booru tagger: its tag as the tag file spells it (underscores and all) and its category.</summary>
public sealed record BooruLabel(string Name, BooruCategory Category);

/// <summary>
/// The tag list of a booru tagger, one label per model output in output order. Two published forms:
/// <list type="bullet">
/// <item>WD14 (SmilingWolf/wd-*-tagger-v2 and -v3, file selected_tags.csv): a header "tag_id,name,category,count", then
/// one row per output; category 0 is general, 4 character, 9 rating (the first four rows: general, sensitive,
/// questionable, explicit). Danbooru's other categories (1 artist, 3 copyright, 5 meta) do not occur in these files;
/// should one appear it is read as general.</item>
/// <item>DeepDanbooru (KichangKim/DeepDanbooru project folders and their ONNX exports, file tags.txt): one tag per line
/// in output order; the last lines are "rating:safe", "rating:questionable", "rating:explicit" (v3/v4 projects), which
/// are ratings. Character tags are those listed in the project's tags-character.txt, when it is there; without it
/// every non-rating tag is general.</item>
/// </list>
/// </summary>
public sealed class BooruLabels
{
    private const string RatingPrefix = "rating:";

    private BooruLabels(IReadOnlyList<BooruLabel> labels) => Labels = labels;

    public IReadOnlyList<BooruLabel> Labels { get; }

    public int Count => Labels.Count;

    /// <summary>Reads a WD14 selected_tags.csv.</summary>
    /// <exception cref="InvalidDataException">The file is not in that form.</exception>
    public static BooruLabels FromSelectedTagsCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length < 2 || !lines[0].Trim().StartsWith("tag_id,name,category", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path} is not a WD14 selected_tags.csv (its first line must be \"tag_id,name,category,count\")");
        }

        var labels = new List<BooruLabel>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            // Tag names contain no comma in these files, but a quoted field is read as CSV would be, to be safe.
            var fields = SplitCsv(lines[i]);
            if (fields.Count < 3 || !int.TryParse(fields[2], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var category))
            {
                throw new InvalidDataException($"{path} line {i + 1} is not \"tag_id,name,category,count\": {lines[i]}");
            }

            labels.Add(new BooruLabel(fields[1], category switch
            {
                4 => BooruCategory.Character,
                9 => BooruCategory.Rating,
                _ => BooruCategory.General,
            }));
        }

        return new BooruLabels(labels);
    }

    /// <summary>Reads a DeepDanbooru tags.txt, with its tags-character.txt when given (null or a missing file: none).</summary>
    public static BooruLabels FromTagsTxt(string path, string? charactersPath = null)
    {
        var characters = charactersPath is not null && File.Exists(charactersPath)
            ? File.ReadAllLines(charactersPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal)
            : [];
        var labels = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0)
            .Select(tag => new BooruLabel(tag,
                tag.StartsWith(RatingPrefix, StringComparison.Ordinal) ? BooruCategory.Rating
                : characters.Contains(tag) ? BooruCategory.Character
                : BooruCategory.General))
            .ToArray();
        if (labels.Length == 0)
        {
            throw new InvalidDataException($"{path} lists no tag");
        }

        return new BooruLabels(labels);
    }

    /// <summary>The rating's name without DeepDanbooru's "rating:" prefix ("rating:safe" is "safe"; WD14's "general" stays).</summary>
    public static string RatingName(string tag) => tag.StartsWith(RatingPrefix, StringComparison.Ordinal) ? tag[RatingPrefix.Length..] : tag;

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else if (c != '\r')
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }
}
