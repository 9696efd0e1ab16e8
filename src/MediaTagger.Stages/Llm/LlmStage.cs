using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Native;
using MediaTagger.Native.Llama;
using MediaTagger.Stages.Tags;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Stages.Llm;

/// <summary>
/// A summary, tags and a title for every file from what the stages before it found (labels, tags, caption, OCR
/// text, faces, transcript), written by a local GGUF instruct model through llama.cpp. The prompt is measured with
/// the model's own tokenizer and chat template; a transcript too long for it is digested map-reduce first
/// (<see cref="TranscriptDigest"/>). The answer is held to a JSON schema by llama.cpp's grammar sampler, then parsed
/// and validated; an invalid or cut-off answer is asked once more, then the file fails with the raw text kept.
/// </summary>
internal sealed class LlmStage : IStage, IDisposable
{
    public const string StageName = "llm";

    /// <summary>The GGUF file whose checksum is the stage's provenance.</summary>
    public const string ProvenanceRole = "model";

    /// <summary>The files the stage reads from its model, by role (what `models add` checks).</summary>
    public static readonly ModelRoles Roles = ModelRoles.Of(["model"]);

    /// <summary>At most this many tags outside the vocabulary are mapped for one file.</summary>
    private const int MaxSynonymTags = 32;

    private static readonly IReadOnlySet<MediaKind> AllKinds = new HashSet<MediaKind> { MediaKind.Image, MediaKind.Audio, MediaKind.Video };

    private readonly LlamaSession session;
    private readonly LlmStageOptions options;
    private readonly OutputSchema schema;
    private readonly string fields;
    private readonly TagVocabulary? vocabulary;
    private readonly TagRules tagRules = new();
    private readonly TranscriptDigest digest;
    private readonly int maxOutput;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly JsonObject engine;

    public LlmStage(ModelEntry model, IReadOnlyDictionary<string, string> files, LlmStageOptions options, StageContext context)
        : this(model.Id, files[ProvenanceRole], model.Footprint.WorkingBytes, options, context.Loggers, context.Time)
    {
    }

    /// <summary>A stage over a GGUF outside the catalog (tests, benchmarks); <paramref name="workingBytes"/> 0 = the default context.</summary>
    internal LlmStage(string modelId, string modelPath, long workingBytes, LlmStageOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        LlmStageOptions.Parameters.ThrowIfAny(LlmStageOptions.Parameters.Problems(options), "options");
        loggers ??= NullLoggerFactory.Instance;
        logger = loggers.CreateLogger<LlmStage>();
        this.options = options with { };
        this.time = time ?? TimeProvider.System;
        vocabulary = this.options.Vocabulary.Length > 0 ? TagVocabulary.Load(this.options.Vocabulary, tagRules) : null;
        if (vocabulary is not null && vocabulary.Terms.Count > AnswerSchemas.MaxEnumTerms)
        {
            LlmStageLog.VocabularyTooLarge(logger, vocabulary.Terms.Count, AnswerSchemas.MaxEnumTerms);
        }

        schema = this.options.AnswerSchema(vocabulary);
        fields = AnswerSchemas.Fields(schema);
        var llama = new LlamaSession(modelPath, workingBytes, this.options, logger, this.time);
        session = llama;
        try
        {
            maxOutput = this.options.MaxOutputTokens > 0 ? this.options.MaxOutputTokens : schema.MaxChars;
            digest = new TranscriptDigest(session, this.options.System, this.options.MapPrompt, this.options.ReducePrompt, this.options.PartSummaryChars);
            if (maxOutput >= llama.ContextTokens || digest.PartTokens >= llama.ContextTokens)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Invalid llm stage options: an answer may take {maxOutput} tokens (a part summary {digest.PartTokens}) but the context holds {llama.ContextTokens} ({llama.ContextReason}); raise contextTokens, or shorten the schema's maxLength/maxItems or partSummaryChars."));
            }

            Device = llama.Device;
            Model = new StageModelInfo(modelId, ModelStore.Sha256Of(modelPath));
            engine = new JsonObject
            {
                ["name"] = "llama.cpp " + LlamaBackend.NativeVersion,
                ["gpuLayers"] = llama.GpuLayers,
                ["contextTokens"] = llama.ContextTokens,
                ["context"] = llama.ContextReason,
                ["chatTemplate"] = llama.TemplateSource,
            };
            var sampling = this.options.Temperature <= 0 ? "greedy" : string.Create(CultureInfo.InvariantCulture,
                $"temperature {this.options.Temperature}, top-k {this.options.TopK}, top-p {this.options.TopP}, min-p {this.options.MinP}, seed {this.options.Seed}");
            LlmStageLog.Ready(logger, modelId, llama.Description, Device, llama.GpuLayers, llama.ContextTokens, llama.ContextReason, maxOutput, llama.TemplateSource, sampling);
        }
        catch
        {
            llama.Dispose();
            throw;
        }

        Parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["contextTokens"] = session.ContextTokens.ToString(CultureInfo.InvariantCulture),
            ["maxOutputTokens"] = maxOutput.ToString(CultureInfo.InvariantCulture),
            ["temperature"] = this.options.Temperature.ToString(CultureInfo.InvariantCulture),
            ["seed"] = this.options.Seed.ToString(CultureInfo.InvariantCulture),
            ["topK"] = this.options.TopK.ToString(CultureInfo.InvariantCulture),
            ["topP"] = this.options.TopP.ToString(CultureInfo.InvariantCulture),
            ["minP"] = this.options.MinP.ToString(CultureInfo.InvariantCulture),
            ["repeatPenalty"] = this.options.RepeatPenalty.ToString(CultureInfo.InvariantCulture),
            ["chatTemplate"] = this.options.ChatTemplate,
            ["schema"] = this.options.Schema,
            ["vocabulary"] = this.options.Vocabulary,
            ["synonyms"] = this.options.Synonyms ? "true" : "false",
        };
    }

    public string Name => StageName;

    public IReadOnlySet<MediaKind> Kinds => AllKinds;

    public StageModelInfo? Model { get; }

    public string Device { get; } = "cpu";

    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>The schema every answer is held to (the base one with the pipeline's extension and vocabulary).</summary>
    internal OutputSchema Schema => schema;

    public Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = new List<StageOutcome>(batch.Count);
        foreach (var input in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            outcomes.Add(RunOne(input, cancellationToken));
        }

        return Task.FromResult<IReadOnlyList<StageOutcome>>(outcomes);
    }

    public void Dispose() => session.Dispose();

    private StageOutcome RunOne(StageInput input, CancellationToken cancellationToken)
    {
        StructuredAnswer? failed = null;
        try
        {
            return Summarize(input, answer => failed = answer, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is NativeEngineException or InvalidOperationException or ArgumentException)
        {
            // The same prompt fails the same way next time: the file fails with the reason (and any raw answer).
            LlmStageLog.InputFailed(logger, input.Path, ex.Message);
            return Failure(ex.Message, failed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LlmStageLog.Unexpected(logger, input.Path, ex);
            return Failure("summarizing failed unexpectedly: " + ex.Message, failed);
        }
    }

    private StageOutcome Summarize(StageInput input, Action<StructuredAnswer> failed, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var facts = PromptFacts.Of(input, options.LabelThreshold);
        facts = facts with
        {
            Caption = facts.Caption is null ? null : session.Truncate(facts.Caption, options.MaxFactTokens),
            Text = facts.Text is null ? null : session.Truncate(facts.Text, options.MaxFactTokens),
        };

        var whole = facts.Transcript is null ? "" : string.Join(" ", facts.Transcript.Select(p => p.Text));
        var messages = Messages(facts, whole);
        JsonObject? digestInfo = null;
        if (session.CountTokens(messages) + maxOutput > session.ContextTokens)
        {
            if (facts.Transcript is not { Count: > 0 } pieces)
            {
                throw new InvalidOperationException($"the prompt takes {session.CountTokens(messages)} tokens, more than the {session.ContextTokens - maxOutput} the context leaves beside the answer; shorten the prompt or lower maxFactTokens");
            }

            var result = digest.Run(pieces, text => session.CountTokens(Messages(facts, Digested(text))) + maxOutput <= session.ContextTokens, failed, cancellationToken);
            messages = Messages(facts, Digested(TranscriptDigest.Join(result.Summaries)));
            LlmStageLog.Digested(logger, input.Path, result.MapSteps, result.ReduceSteps);
            digestInfo = new JsonObject
            {
                ["mapSteps"] = result.MapSteps,
                ["reduceSteps"] = result.ReduceSteps,
                ["maxPromptTokens"] = result.Steps.Max(s => s.PromptTokens),
                ["parts"] = new JsonArray(result.Summaries.Select(s => (JsonNode)new JsonObject
                {
                    ["start"] = s.Start,
                    ["end"] = s.End,
                    ["summary"] = s.Text,
                }).ToArray()),
            };
        }

        var answer = StructuredAnswer.Ask(session, messages, schema, maxOutput, cancellationToken);
        if (!answer.Success)
        {
            LlmStageLog.InvalidAnswer(logger, input.Path, answer.Attempts, answer.Problem!);
            return Failure($"the model gave no valid answer after {answer.Attempts} attempts: {answer.Problem}", answer);
        }

        var value = answer.Value!;
        var output = new JsonObject
        {
            ["summary"] = value["summary"]?.DeepClone(),
            ["title"] = value["title"]?.DeepClone(),
            ["tags"] = value["tags"]?.DeepClone(),
            ["answer"] = value.DeepClone(),
            ["generations"] = answer.Attempts,
            ["promptTokens"] = answer.PromptTokens,
            ["generatedTokens"] = answer.GeneratedTokens,
            ["engine"] = engine.DeepClone(),
        };
        if (digestInfo is not null)
        {
            output["digest"] = digestInfo;
        }

        if (options.Synonyms && vocabulary is not null)
        {
            output["synonyms"] = MapSynonyms(input, facts, cancellationToken);
        }

        var elapsed = (long)time.GetElapsedTime(started).TotalMilliseconds;
        output["ms"] = elapsed;
        LlmStageLog.Summarized(logger, input.Path, elapsed, answer.PromptTokens, answer.GeneratedTokens, answer.Attempts);
        return StageOutcome.Ok(output);
    }

    /// <summary>The earlier stages' tags that are not in the vocabulary, each mapped by the model to a term or null.</summary>
    private JsonObject MapSynonyms(StageInput input, PromptFacts facts, CancellationToken cancellationToken)
    {
        var outside = facts.Tags.Concat(facts.Labels.Select(l => l.Label))
            .Select(tagRules.Clean)
            .Where(t => t.Length > 0 && vocabulary!.TermOf(t) is null)
            .Distinct(StringComparer.Ordinal)
            .Take(MaxSynonymTags)
            .ToList();
        var map = new JsonObject();
        if (outside.Count == 0)
        {
            return map;
        }

        var synonymSchema = AnswerSchemas.Synonyms(outside, vocabulary!.Terms);
        var messages = new[]
        {
            new ChatMessage("system", options.System),
            new ChatMessage("user", $"Vocabulary: {string.Join(", ", vocabulary.Terms)}\n\nFor each of these tags give the vocabulary term that means the same or names it more generally, or null when none does: {string.Join(", ", outside)}. Answer with JSON."),
        };
        var tokens = session.CountTokens(messages);
        var budget = Math.Min(synonymSchema.MaxChars, session.ContextTokens - tokens);
        if (budget < synonymSchema.MaxChars / 4)
        {
            throw new InvalidOperationException($"the synonym prompt takes {tokens} tokens of the {session.ContextTokens}-token context; a smaller vocabulary or a larger contextTokens is needed");
        }

        var answer = StructuredAnswer.Ask(session, messages, synonymSchema, budget, cancellationToken);
        if (!answer.Success)
        {
            throw new InvalidOperationException($"the model gave no valid synonym map after {answer.Attempts} attempts: {answer.Problem}");
        }

        foreach (var (tag, term) in answer.Value!)
        {
            map[tag] = term?.DeepClone();
        }

        var mapped = map.Count(p => p.Value is not null);
        LlmStageLog.SynonymsMapped(logger, input.Path, mapped, outside.Count);
        return map;
    }

    private IReadOnlyList<ChatMessage> Messages(PromptFacts facts, string transcript) =>
    [
        new ChatMessage("system", options.System),
        new ChatMessage("user", PromptTemplate.Render(options.Prompt, facts.Values(transcript, fields))),
    ];

    private static string Digested(string summaries) => "(too long to quote; summaries of its parts follow)\n" + summaries;

    private static StageOutcome Failure(string error, StructuredAnswer? answer) =>
        answer is null
            ? StageOutcome.Fail(error)
            : new StageOutcome(new JsonObject { ["raw"] = answer.Raw, ["problem"] = answer.Problem, ["generations"] = answer.Attempts }, error);
}
