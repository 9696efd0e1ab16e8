using MediaTagger.Stages.Tags;

namespace MediaTagger.Stages.Llm;

/// <summary>
/// Parameters of the llm stage (pipelines.json "with": model, contextTokens, maxOutputTokens, gpuLayers, threads,
/// temperature, seed, topK, topP, minP, repeatPenalty, chatTemplate, system, prompt, mapPrompt, reducePrompt,
/// schema, vocabulary, synonyms, labelThreshold, maxFactTokens). Files are read when the stage starts; paths are
/// relative to the worker's working directory and their contents are part of the configuration.
/// </summary>
public sealed record LlmStageOptions
{
    /// <summary>Placeholders a prompt template may use; {{ and }} write a literal brace.</summary>
    public static readonly IReadOnlyList<string> Placeholders =
        ["name", "kind", "duration", "labels", "tags", "caption", "text", "faces", "transcript", "language", "facts", "fields"];

    public const string DefaultSystem =
        "You write catalogue entries for a media library. Use only the facts you are given and do not invent details. Answer with JSON only.";

    public const string DefaultPrompt =
        "What automatic analysis found in a {kind} file:\n{facts}\n\nDescribe the file. Answer with JSON holding: {fields}.";

    public const string DefaultMapPrompt =
        "Here is part of a transcript, from {from} to {to}:\n{transcript}\n\nSummarize what is said in this part in a few sentences. Answer with JSON holding: summary.";

    public const string DefaultReducePrompt =
        "Here are summaries of consecutive parts of one transcript, from {from} to {to}:\n{transcript}\n\nCombine them into one summary of a few sentences. Answer with JSON holding: summary.";

    /// <summary>The catalog id of the GGUF instruct model.</summary>
    public string Model { get; set; } = "qwen2.5-1.5b-instruct-q4_k_m";

    /// <summary>Tokens of context; 0 = from the model's memory budget (its catalog working memory over the KV cache per token), capped by what it was trained on and 8192.</summary>
    public int ContextTokens { get; set; }

    /// <summary>Most tokens of one answer; 0 = the longest answer the schema allows (so a grammar-held answer always completes).</summary>
    public int MaxOutputTokens { get; set; }

    /// <summary>Layers offloaded to the GPU: -1 = all when llama.cpp has a GPU backend and a GPU is present, else none.</summary>
    public int GpuLayers { get; set; } = -1;

    /// <summary>CPU threads; 0 = one per processor.</summary>
    public int Threads { get; set; }

    /// <summary>0 = greedy (the most likely token every time); above 0 samples with the seed.</summary>
    public double Temperature { get; set; } = 0.2;

    /// <summary>The sampling seed: the same seed, model and input give the same answer.</summary>
    public int Seed { get; set; } = 42;

    public int TopK { get; set; } = 40;

    public double TopP { get; set; } = 0.95;

    public double MinP { get; set; } = 0.05;

    /// <summary>1 = off; above 1 discourages repeating the last 64 tokens.</summary>
    public double RepeatPenalty { get; set; } = 1.1;

    /// <summary>
    /// "" = the GGUF's own chat template (tokenizer.chat_template), falling back to ChatML when the file has none;
    /// otherwise a template name llama.cpp knows (chatml, llama3, phi3, mistral-v7, gemma, ...) used instead.
    /// </summary>
    public string ChatTemplate { get; set; } = "";

    public string System { get; set; } = DefaultSystem;

    /// <summary>The user message; placeholders in <see cref="Placeholders"/>.</summary>
    public string Prompt { get; set; } = DefaultPrompt;

    /// <summary>The prompt for one part of a long transcript ({from}, {to}, {transcript}).</summary>
    public string MapPrompt { get; set; } = DefaultMapPrompt;

    /// <summary>The prompt that merges part summaries ({from}, {to}, {transcript}).</summary>
    public string ReducePrompt { get; set; } = DefaultReducePrompt;

    /// <summary>A JSON schema file whose properties are added to (or refine) the base answer { summary, tags, title? }.</summary>
    public string Schema { get; set; } = "";

    /// <summary>A controlled vocabulary (the tags stage's format): the answer's tags are held to its terms.</summary>
    public string Vocabulary { get; set; } = "";

    /// <summary>With a vocabulary: also map the earlier stages' tags that are not in it to its terms ("synonyms" in the result, used by the tags stage).</summary>
    public bool Synonyms { get; set; }

    /// <summary>Labels below this score are left out of the prompt.</summary>
    public double LabelThreshold { get; set; } = 0.1;

    /// <summary>Longest OCR text or caption put into the prompt, in tokens (a longer one is cut).</summary>
    public int MaxFactTokens { get; set; } = 512;

    /// <summary>Longest summary of one transcript part, in characters.</summary>
    public int PartSummaryChars { get; set; } = 600;

    internal IEnumerable<string> Files => new[] { Schema, Vocabulary }.Where(f => f.Length > 0);

    internal static StageParameters<LlmStageOptions> Parameters { get; } = new StageParameters<LlmStageOptions>(LlmStage.StageName)
        .Text("model", o => o.Model, (o, v) => o.Model = v)
        .Integer("contextTokens", o => o.ContextTokens, (o, v) => o.ContextTokens = v, 0, 131_072)
        .Integer("maxOutputTokens", o => o.MaxOutputTokens, (o, v) => o.MaxOutputTokens = v, 0, 32_768)
        .Integer("gpuLayers", o => o.GpuLayers, (o, v) => o.GpuLayers = v, -1, 1000)
        .Integer("threads", o => o.Threads, (o, v) => o.Threads = v, 0, 256)
        .Number("temperature", o => o.Temperature, (o, v) => o.Temperature = v, 0.0, 5.0)
        .Integer("seed", o => o.Seed, (o, v) => o.Seed = v, 0, int.MaxValue)
        .Integer("topK", o => o.TopK, (o, v) => o.TopK = v, 1, 1000)
        .Number("topP", o => o.TopP, (o, v) => o.TopP = v, 0.01, 1.0)
        .Number("minP", o => o.MinP, (o, v) => o.MinP = v, 0.0, 1.0)
        .Number("repeatPenalty", o => o.RepeatPenalty, (o, v) => o.RepeatPenalty = v, 1.0, 3.0)
        .OptionalText("chatTemplate", o => o.ChatTemplate, (o, v) => o.ChatTemplate = v)
        .Text("system", o => o.System, (o, v) => o.System = v)
        .Text("prompt", o => o.Prompt, (o, v) => o.Prompt = v, t => PromptTemplate.Problem(t, Placeholders))
        .Text("mapPrompt", o => o.MapPrompt, (o, v) => o.MapPrompt = v, t => PromptTemplate.Problem(t, TranscriptDigest.Placeholders))
        .Text("reducePrompt", o => o.ReducePrompt, (o, v) => o.ReducePrompt = v, t => PromptTemplate.Problem(t, TranscriptDigest.Placeholders))
        .OptionalText("schema", o => o.Schema, (o, v) => o.Schema = v, SchemaProblem)
        .OptionalText("vocabulary", o => o.Vocabulary, (o, v) => o.Vocabulary = v, TagsStageOptions.FileProblem)
        .Flag("synonyms", (o, v) => o.Synonyms = v)
        .Number("labelThreshold", o => o.LabelThreshold, (o, v) => o.LabelThreshold = v, 0.0, 1.0)
        .Integer("maxFactTokens", o => o.MaxFactTokens, (o, v) => o.MaxFactTokens = v, 16, 32_768)
        .Integer("partSummaryChars", o => o.PartSummaryChars, (o, v) => o.PartSummaryChars = v, 40, 8000)
        .Rule("synonyms", o => o.Synonyms && o.Vocabulary.Length == 0 ? "needs a vocabulary to map tags to" : null);

    /// <summary>The answer's schema: the base one with this pipeline's schema file and vocabulary applied.</summary>
    internal OutputSchema AnswerSchema(TagVocabulary? vocabulary) =>
        AnswerSchemas.Answer(Schema.Length > 0 ? File.ReadAllText(Schema) : null, vocabulary);

    private static string? SchemaProblem(string path)
    {
        if (TagsStageOptions.FileProblem(path) is { } missing)
        {
            return missing;
        }

        try
        {
            AnswerSchemas.Answer(File.ReadAllText(path), null);
            return null;
        }
        catch (FormatException ex)
        {
            return $"{path}: {ex.Message}";
        }
        catch (IOException ex)
        {
            return $"{path}: {ex.Message}";
        }
    }
}
