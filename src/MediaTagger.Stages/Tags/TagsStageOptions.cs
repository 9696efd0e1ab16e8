namespace MediaTagger.Stages.Tags;

/// <summary>
/// How the tags stage merges and cleans the tags of the stages before it (pipelines.json "with": from,
/// labelThreshold, underscores, lowercase, escapeParentheses, replace, replaceFile, undesired, undesiredFile,
/// vocabulary, llmSynonyms, maxTags). Its list becomes the sidecar's top-level "tags". Files are read when the stage
/// starts; paths are relative to the worker's working directory, and their checksums are part of the configuration,
/// so editing one makes every sidecar it shaped stale.
/// </summary>
public sealed record TagsStageOptions
{
    /// <summary>The stages whose results are read, comma-separated; empty = every stage before this one.</summary>
    public string From { get; set; } = "";

    /// <summary>A classifier's label (a "labels" entry with a score) becomes a tag at this score or above.</summary>
    public double LabelThreshold { get; set; } = 0.25;

    /// <summary>"long_hair" becomes "long hair" (emoticons such as "^_^" stay).</summary>
    public bool Underscores { get; set; } = true;

    /// <summary>Tags are written in lower case.</summary>
    public bool Lowercase { get; set; } = true;

    /// <summary>Parentheses are written "\(" and "\)", as Stable Diffusion caption files want.</summary>
    public bool EscapeParentheses { get; set; }

    /// <summary>Replacement rules in kohya's --tag_replacement form: "source,target;source2,target2" (an empty target removes).</summary>
    public string Replace { get; set; } = "";

    /// <summary>A file of replacement rules, one "source,target" a line.</summary>
    public string ReplaceFile { get; set; } = "";

    /// <summary>Tags never written, comma-separated (kohya's --undesired_tags).</summary>
    public string Undesired { get; set; } = "";

    /// <summary>A file of undesired tags, comma- or line-separated.</summary>
    public string UndesiredFile { get; set; } = "";

    /// <summary>
    /// A controlled vocabulary: only its terms are written; a line is a term and its aliases ("cat, kitty, kitten").
    /// Other tags are mapped to a term (alias, or the llm stage's synonym map) or dropped, and each mapping and drop is
    /// recorded in the stage's result.
    /// </summary>
    public string Vocabulary { get; set; } = "";

    /// <summary>Use the llm stage's "synonyms" (its mapping of tags outside the vocabulary to terms) when it has one.</summary>
    public bool LlmSynonyms { get; set; } = true;

    /// <summary>At most this many tags; the first seen are kept.</summary>
    public int MaxTags { get; set; } = 64;

    internal IReadOnlyList<string> FromStages => TagRules.ParseList(From);

    internal IEnumerable<string> Files => new[] { ReplaceFile, UndesiredFile, Vocabulary }.Where(f => f.Length > 0);

    internal static StageParameters<TagsStageOptions> Parameters { get; } = new StageParameters<TagsStageOptions>(TagsStage.StageName)
        .OptionalText("from", o => o.From, (o, v) => o.From = v)
        .Number("labelThreshold", o => o.LabelThreshold, (o, v) => o.LabelThreshold = v, 0.0, 1.0)
        .Flag("underscores", (o, v) => o.Underscores = v)
        .Flag("lowercase", (o, v) => o.Lowercase = v)
        .Flag("escapeParentheses", (o, v) => o.EscapeParentheses = v)
        .OptionalText("replace", o => o.Replace, (o, v) => o.Replace = v, TagRules.ReplacementsProblem)
        .OptionalText("replaceFile", o => o.ReplaceFile, (o, v) => o.ReplaceFile = v, FileProblem)
        .OptionalText("undesired", o => o.Undesired, (o, v) => o.Undesired = v)
        .OptionalText("undesiredFile", o => o.UndesiredFile, (o, v) => o.UndesiredFile = v, FileProblem)
        .OptionalText("vocabulary", o => o.Vocabulary, (o, v) => o.Vocabulary = v, FileProblem)
        .Flag("llmSynonyms", (o, v) => o.LlmSynonyms = v)
        .Integer("maxTags", o => o.MaxTags, (o, v) => o.MaxTags = v, 1, 10_000);

    /// <summary>The rules these options describe, with their lists and files read.</summary>
    internal TagRules Rules()
    {
        var rules = new TagRules { UnderscoresToSpaces = Underscores, Lowercase = Lowercase, EscapeParentheses = EscapeParentheses };
        var replacements = TagRules.ParseReplacements(Replace).Concat(ReplaceFile.Length > 0 ? TagRules.ParseReplacements(File.ReadAllText(ReplaceFile)) : []);
        var undesired = TagRules.ParseList(Undesired).Concat(UndesiredFile.Length > 0 ? TagRules.ParseList(File.ReadAllText(UndesiredFile)) : []);
        return rules.WithLists(replacements, undesired);
    }

    internal static string? FileProblem(string path) => File.Exists(path) ? null : $"the file {path} does not exist (paths are relative to the working directory)";
}
