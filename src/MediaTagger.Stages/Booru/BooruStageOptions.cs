using MediaTagger.Stages.Tags;

namespace MediaTagger.Stages.Booru;

/// <summary>
/// Parameters of the booru stage (pipelines.json "with"; keys and defaults in docs/pipelines.md). Defaults follow
/// kohya's tag_images_by_wd14_tagger.py and SmilingWolf's wd-tagger space: general 0.35, character 0.85,
/// underscores to spaces, the best rating reported apart.
/// </summary>
public sealed record BooruStageOptions
{
    /// <summary>The catalog id of the tagger (a WD14 v2/v3 model or a DeepDanbooru export).</summary>
    public string Model { get; set; } = "wd-swinv2-tagger-v3";

    public double GeneralThreshold { get; set; } = 0.35;

    public double CharacterThreshold { get; set; } = 0.85;

    /// <summary>General tags by MCut (a threshold per image at the largest gap) instead of generalThreshold.</summary>
    public bool GeneralMcut { get; set; }

    /// <summary>Character tags by MCut, never below 0.15, instead of characterThreshold.</summary>
    public bool CharacterMcut { get; set; }

    /// <summary>"best": the best rating in "rating"; "all": also every rating with its score in "ratings".</summary>
    public string Ratings { get; set; } = "best";

    /// <summary>The best rating also goes into the tags (and the .txt) as "rating:LABEL".</summary>
    public bool RatingTag { get; set; }

    /// <summary>Character tags before general ones in "tags" (kohya --character_tags_first).</summary>
    public bool CharacterFirst { get; set; }

    /// <summary>"long_hair" becomes "long hair"; kaomoji such as "^_^" and "o_o" keep theirs (kohya --remove_underscore).</summary>
    public bool Underscores { get; set; } = true;

    /// <summary>Replacement rules as kohya's --tag_replacement: "source,target;source2,target2" (an empty target removes).</summary>
    public string Replace { get; set; } = "";

    /// <summary>Tags never written, comma-separated (kohya --undesired_tags).</summary>
    public string Undesired { get; set; } = "";

    /// <summary>At most this many general and character tags, the best kept.</summary>
    public int MaxTags { get; set; } = 100;

    /// <summary>Write a kohya-style caption file for each image, beside its sidecar.</summary>
    public bool WriteTxt { get; set; }

    /// <summary>The caption's order: "score", or groups "character,general,rating" in the order written.</summary>
    public string TxtOrder { get; set; } = "character,general,rating";

    /// <summary>Tags put first in the caption when present, comma-separated (kohya --always_first_tags).</summary>
    public string AlwaysFirst { get; set; } = "";

    /// <summary>Between tags in the caption (kohya --caption_separator).</summary>
    public string Separator { get; set; } = ", ";

    /// <summary>Parentheses written "\(" and "\)" in the caption, as Stable Diffusion trainers want.</summary>
    public bool EscapeParentheses { get; set; }

    /// <summary>"replace": image.png gets image.txt (kohya); "append": image.png.txt.</summary>
    public string TxtName { get; set; } = "replace";

    /// <summary>
    /// What happens to a caption file that is already there and was not written by this worker: "keep" it, "overwrite"
    /// it, or "append" the tags it lacks. A file this worker wrote before is always replaced.
    /// </summary>
    public string TxtExisting { get; set; } = "keep";

    internal static readonly string[] RatingModes = ["best", "all"];
    internal static readonly string[] TxtNames = ["replace", "append"];
    internal static readonly string[] ExistingModes = ["keep", "overwrite", "append"];

    internal static StageParameters<BooruStageOptions> Parameters { get; } = new StageParameters<BooruStageOptions>(BooruStage.StageName)
        .Text("model", o => o.Model, (o, v) => o.Model = v)
        .Number("generalThreshold", o => o.GeneralThreshold, (o, v) => o.GeneralThreshold = v, 0.0, 1.0)
        .Number("characterThreshold", o => o.CharacterThreshold, (o, v) => o.CharacterThreshold = v, 0.0, 1.0)
        .Flag("generalMcut", (o, v) => o.GeneralMcut = v)
        .Flag("characterMcut", (o, v) => o.CharacterMcut = v)
        .Text("ratings", o => o.Ratings, (o, v) => o.Ratings = v, v => OneOf(v, RatingModes))
        .Flag("ratingTag", (o, v) => o.RatingTag = v)
        .Flag("characterFirst", (o, v) => o.CharacterFirst = v)
        .Flag("underscores", (o, v) => o.Underscores = v)
        .OptionalText("replace", o => o.Replace, (o, v) => o.Replace = v, TagRules.ReplacementsProblem)
        .OptionalText("undesired", o => o.Undesired, (o, v) => o.Undesired = v)
        .Integer("maxTags", o => o.MaxTags, (o, v) => o.MaxTags = v, 1, 10_000)
        .Flag("writeTxt", (o, v) => o.WriteTxt = v)
        .Text("txtOrder", o => o.TxtOrder, (o, v) => o.TxtOrder = v, BooruCaption.OrderProblem)
        .OptionalText("alwaysFirst", o => o.AlwaysFirst, (o, v) => o.AlwaysFirst = v)
        .Verbatim("separator", o => o.Separator, (o, v) => o.Separator = v)
        .Flag("escapeParentheses", (o, v) => o.EscapeParentheses = v)
        .Text("txtName", o => o.TxtName, (o, v) => o.TxtName = v, v => OneOf(v, TxtNames))
        .Text("txtExisting", o => o.TxtExisting, (o, v) => o.TxtExisting = v, v => OneOf(v, ExistingModes));

    /// <summary>The selection rules these options describe (lists parsed and cleaned like the tags they meet).</summary>
    internal BooruSelectionRules SelectionRules() => new()
    {
        GeneralThreshold = (float)GeneralThreshold,
        CharacterThreshold = (float)CharacterThreshold,
        GeneralMcut = GeneralMcut,
        CharacterMcut = CharacterMcut,
        RatingTag = RatingTag,
        CharacterFirst = CharacterFirst,
        MaxTags = MaxTags,
        Rules = TagRulesFor(Underscores).WithLists(TagRules.ParseReplacements(Replace), TagRules.ParseList(Undesired)),
    };

    internal BooruCaption Caption() => new()
    {
        Order = TxtOrder,
        AlwaysFirst = TagRules.ParseList(AlwaysFirst).Select(TagRulesFor(Underscores).Clean).ToArray(),
        Separator = Separator,
        EscapeParentheses = EscapeParentheses,
    };

    // The tag files spell tags in lower case already; keeping their case keeps "rating:" and character names as published.
    private static TagRules TagRulesFor(bool underscores) => new() { UnderscoresToSpaces = underscores, Lowercase = false };

    private static string? OneOf(string value, string[] allowed) =>
        allowed.Contains(value, StringComparer.Ordinal) ? null : $"'{value}' is not one of {string.Join(", ", allowed)}";
}
