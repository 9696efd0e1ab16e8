using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Stages.Tags;

/// <summary>
/// Needs no model: gathers the tags of the stages before it (their "tags", and "labels" at or above the label
/// threshold), cleans and merges them with <see cref="TagNormalizer"/>, and records where each tag came from and
/// every change and drop. Its "tags" become the sidecar's top-level tags.
/// </summary>
internal sealed class TagsStage : IStage
{
    public const string StageName = "tags";

    /// <summary>The stage whose "synonyms" map tags outside the vocabulary to its terms.</summary>
    public const string LlmStage = "llm";

    private static readonly IReadOnlySet<MediaKind> AllKinds = new HashSet<MediaKind> { MediaKind.Image, MediaKind.Audio, MediaKind.Video };

    private readonly TagsStageOptions options;
    private readonly TagRules rules;
    private readonly TagNormalizer normalizer;
    private readonly IReadOnlyList<string> from;
    private readonly ILogger logger;

    public TagsStage(TagsStageOptions options, ILogger<TagsStage>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        TagsStageOptions.Parameters.ThrowIfAny(TagsStageOptions.Parameters.Problems(options), "options");
        this.options = options with { };
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        rules = this.options.Rules();
        var vocabulary = this.options.Vocabulary.Length > 0 ? TagVocabulary.Load(this.options.Vocabulary, rules) : null;
        normalizer = new TagNormalizer(rules, vocabulary, this.options.MaxTags);
        from = this.options.FromStages;
        Parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["from"] = this.options.From,
            ["labelThreshold"] = this.options.LabelThreshold.ToString(CultureInfo.InvariantCulture),
            ["underscores"] = this.options.Underscores ? "true" : "false",
            ["lowercase"] = this.options.Lowercase ? "true" : "false",
            ["escapeParentheses"] = this.options.EscapeParentheses ? "true" : "false",
            ["replacements"] = rules.Replacements.Count.ToString(CultureInfo.InvariantCulture),
            ["undesired"] = rules.Undesired.Count.ToString(CultureInfo.InvariantCulture),
            ["vocabulary"] = vocabulary is null ? "" : $"{this.options.Vocabulary} ({vocabulary.Terms.Count} terms, sha256 {vocabulary.Sha256[..16]})",
            ["llmSynonyms"] = this.options.LlmSynonyms ? "true" : "false",
            ["maxTags"] = this.options.MaxTags.ToString(CultureInfo.InvariantCulture),
        };
        TagsStageLog.Ready(this.logger, rules.Replacements.Count, rules.Undesired.Count, vocabulary is null ? "none" : $"{vocabulary.Terms.Count} terms", this.options.MaxTags);
    }

    public string Name => StageName;

    public IReadOnlySet<MediaKind> Kinds => AllKinds;

    public StageModelInfo? Model => null;

    public string Device => "cpu";

    public IReadOnlyDictionary<string, string> Parameters { get; }

    public Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        IReadOnlyList<StageOutcome> outcomes = batch.Select(input => StageOutcome.Ok(Normalize(input))).ToArray();
        return Task.FromResult(outcomes);
    }

    private JsonObject Normalize(StageInput input)
    {
        var candidates = new List<TagCandidate>();
        foreach (var (stage, result) in input.EarlierResults)
        {
            if (stage != StageName && (from.Count == 0 || from.Contains(stage, StringComparer.OrdinalIgnoreCase)))
            {
                candidates.AddRange(CandidatesOf(input.Path, stage, result));
            }
        }

        var synonyms = options.LlmSynonyms && input.EarlierResults.TryGetValue(LlmStage, out var llm) && llm["synonyms"] is JsonObject map
            ? map.Where(p => p.Value is null || p.Value.GetValueKind() == JsonValueKind.String)
                .ToDictionary(p => rules.Clean(p.Key), p => p.Value?.GetValue<string>(), StringComparer.Ordinal)
            : null;

        var normalized = normalizer.Normalize(candidates, synonyms);
        TagsStageLog.Normalized(logger, input.Path, normalized.Tags.Count, candidates.Count, normalized.Changes.Count, normalized.Drops.Count);
        return new JsonObject
        {
            ["tags"] = new JsonArray(normalized.Tags.Select(t => (JsonNode)t).ToArray()),
            ["sources"] = new JsonObject(normalized.Sources.Select(p =>
                KeyValuePair.Create(p.Key, (JsonNode?)new JsonArray(p.Value.Select(s => (JsonNode)s).ToArray())))),
            ["changes"] = new JsonArray(normalized.Changes.Select(c => (JsonNode)new JsonObject
            {
                ["from"] = c.From,
                ["to"] = c.To,
                ["rule"] = c.Rule,
                ["stage"] = c.Source,
            }).ToArray()),
            ["dropped"] = new JsonArray(normalized.Drops.Select(d => (JsonNode)new JsonObject
            {
                ["tag"] = d.Tag,
                ["reason"] = d.Reason,
                ["stage"] = d.Source,
            }).ToArray()),
        };
    }

    /// <summary>A result's "tags", then its "labels" scored at or above the threshold (<see cref="TagEntry"/>).</summary>
    private IEnumerable<TagCandidate> CandidatesOf(string path, string stage, JsonObject result)
    {
        foreach (var field in new[] { "tags", "labels" })
        {
            if (result[field] is not JsonArray entries)
            {
                continue;
            }

            foreach (var entry in entries)
            {
                var tag = TagEntry.TextOf(entry);
                double? score = entry is JsonObject o && o["score"] is JsonValue s && s.TryGetValue<double>(out var d) ? d : null;
                if (tag is null)
                {
                    TagsStageLog.Malformed(logger, path, stage, field, $"expected a string or an object with a tag, got {entry?.ToJsonString() ?? "null"}");
                    continue;
                }

                // Labels are a classifier's ranked guesses: only the confident ones are tags. Tags were thresholded by their stage.
                if (field == "labels" && score < options.LabelThreshold)
                {
                    continue;
                }

                yield return new TagCandidate(tag, stage);
            }
        }
    }
}
