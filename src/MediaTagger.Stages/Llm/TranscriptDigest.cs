using System.Globalization;
using MediaTagger.Native.Llama;

namespace MediaTagger.Stages.Llm;

/// <summary>A stretch of transcript: its text and where it lies in the media (seconds; null when unknown).</summary>
internal sealed record TranscriptPiece(double? Start, double? End, string Text);

/// <summary>One generation of the digest: map (a transcript part) or reduce (a group of summaries), with its exact budget.</summary>
internal sealed record DigestStep(string Kind, int Level, int PromptTokens, int MaxOutputTokens, int Pieces);

/// <summary>The digest of a transcript too long for one prompt, and the steps that made it.</summary>
internal sealed record DigestResult(IReadOnlyList<TranscriptPiece> Summaries, IReadOnlyList<DigestStep> Steps)
{
    public int MapSteps => Steps.Count(s => s.Kind == TranscriptDigest.Map);

    public int ReduceSteps => Steps.Count(s => s.Kind == TranscriptDigest.Reduce);
}

/// <summary>
/// Map-reduce summarizing of a long transcript inside the context window. The transcript is cut at segment
/// boundaries into parts whose map prompt, measured exactly with the model's tokenizer and chat template, leaves room
/// for the part's summary; each part is summarized; while the summaries together are still too long for the final
/// prompt, consecutive summaries are grouped the same way and summarized again. Every generation's prompt plus its
/// answer fits the context, which is checked before it runs.
/// </summary>
internal sealed class TranscriptDigest(ILlmSession session, string system, string mapPrompt, string reducePrompt, int partSummaryChars)
{
    public const string Map = "map";
    public const string Reduce = "reduce";

    /// <summary>Placeholders of the map and reduce prompts.</summary>
    public static readonly IReadOnlyList<string> Placeholders = ["from", "to", "transcript"];

    private readonly OutputSchema partSchema = AnswerSchemas.Part(partSummaryChars);

    /// <summary>Tokens one part summary may take: the schema's longest answer.</summary>
    public int PartTokens => partSchema.MaxChars;

    /// <summary>
    /// Summarizes <paramref name="pieces"/> until <paramref name="fitsFinal"/> accepts the joined summaries. Throws
    /// <see cref="InvalidOperationException"/> when the context cannot hold a part and its summary, or when a level
    /// of summaries does not get shorter.
    /// </summary>
    /// <param name="failed">Receives a step's answer that did not pass its schema after the retry (the raw text is kept).</param>
    public DigestResult Run(IReadOnlyList<TranscriptPiece> pieces, Func<string, bool> fitsFinal, Action<StructuredAnswer> failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        var steps = new List<DigestStep>();
        var level = Summarize(Split(pieces, mapPrompt), mapPrompt, Map, 0, steps, failed, cancellationToken);
        for (var depth = 1; !fitsFinal(Join(level)); depth++)
        {
            if (level.Count == 1)
            {
                throw new InvalidOperationException("one part summary is still too long for the final prompt; raise contextTokens or lower partSummaryChars");
            }

            var groups = Group(level, reducePrompt);
            if (groups.Count >= level.Count)
            {
                throw new InvalidOperationException($"the context ({session.ContextTokens} tokens) cannot hold two part summaries of up to {PartTokens} tokens and an answer; raise contextTokens or lower partSummaryChars");
            }

            level = Summarize(groups, reducePrompt, Reduce, depth, steps, failed, cancellationToken);
        }

        return new DigestResult(level, steps);
    }

    /// <summary>The pieces as the transcript placeholder shows them: "[00:01:05–00:02:10] text", one a line.</summary>
    public static string Join(IEnumerable<TranscriptPiece> pieces) => string.Join("\n", pieces.Select(p =>
        p.Start is { } s && p.End is { } e ? $"[{Clock(s)}–{Clock(e)}] {p.Text.Trim()}" : p.Text.Trim()));

    public static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}");
    }

    public IReadOnlyList<ChatMessage> Messages(string template, IReadOnlyList<TranscriptPiece> group) =>
    [
        new ChatMessage("system", system),
        new ChatMessage("user", PromptTemplate.Render(template, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["from"] = group[0].Start is { } s ? Clock(s) : "the start",
            ["to"] = group[^1].End is { } e ? Clock(e) : "the end",
            ["transcript"] = Join(group),
        })),
    ];

    private bool Fits(string template, IReadOnlyList<TranscriptPiece> group) =>
        session.CountTokens(Messages(template, group)) + PartTokens <= session.ContextTokens;

    /// <summary>Consecutive pieces packed greedily into parts whose prompt fits; a piece too long alone is cut at words.</summary>
    private List<List<TranscriptPiece>> Split(IReadOnlyList<TranscriptPiece> pieces, string template)
    {
        var parts = new List<List<TranscriptPiece>>();
        var current = new List<TranscriptPiece>();
        var queue = new Queue<TranscriptPiece>(pieces.Where(p => p.Text.Trim().Length > 0));
        while (queue.Count > 0)
        {
            var piece = queue.Peek();
            current.Add(piece);
            if (Fits(template, current))
            {
                queue.Dequeue();
                continue;
            }

            current.RemoveAt(current.Count - 1);
            if (current.Count > 0)
            {
                parts.Add(current);
                current = [];
                continue;
            }

            // The piece alone is too long: cut it in two at a word, sharing its time in proportion.
            queue.Dequeue();
            var halves = Halve(piece) ?? throw new InvalidOperationException(
                $"the context ({session.ContextTokens} tokens) cannot hold the map prompt with even one word and a {PartTokens}-token summary; raise contextTokens or lower partSummaryChars");
            var rest = queue.ToList();
            queue = new Queue<TranscriptPiece>([halves.First, halves.Second, .. rest]);
        }

        if (current.Count > 0)
        {
            parts.Add(current);
        }

        return parts;
    }

    /// <summary>Consecutive summaries packed greedily into groups whose reduce prompt fits (at least two a group where they fit).</summary>
    private List<List<TranscriptPiece>> Group(IReadOnlyList<TranscriptPiece> summaries, string template)
    {
        var groups = new List<List<TranscriptPiece>>();
        var current = new List<TranscriptPiece>();
        foreach (var summary in summaries)
        {
            current.Add(summary);
            if (current.Count > 1 && !Fits(template, current))
            {
                current.RemoveAt(current.Count - 1);
                groups.Add(current);
                current = [summary];
            }
        }

        groups.Add(current);
        return groups;
    }

    private static (TranscriptPiece First, TranscriptPiece Second)? Halve(TranscriptPiece piece)
    {
        var words = piece.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2)
        {
            return null;
        }

        var half = words.Length / 2;
        var first = string.Join(' ', words[..half]);
        var second = string.Join(' ', words[half..]);
        double? middle = piece.Start is { } s && piece.End is { } e ? s + ((e - s) * first.Length / Math.Max(1, first.Length + second.Length)) : null;
        return (new TranscriptPiece(piece.Start, middle ?? piece.End, first), new TranscriptPiece(middle ?? piece.Start, piece.End, second));
    }

    private List<TranscriptPiece> Summarize(List<List<TranscriptPiece>> groups, string template, string kind, int depth, List<DigestStep> steps,
        Action<StructuredAnswer> failed, CancellationToken cancellationToken)
    {
        var summaries = new List<TranscriptPiece>(groups.Count);
        foreach (var group in groups)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A summary left alone in its group at a reduce level goes on as it is.
            if (group.Count == 1 && kind == Reduce)
            {
                summaries.Add(group[0]);
                continue;
            }

            var messages = Messages(template, group);
            var prompt = session.CountTokens(messages);
            if (prompt + PartTokens > session.ContextTokens)
            {
                throw new InvalidOperationException($"a {kind} prompt of {prompt} tokens and a {PartTokens}-token answer exceed the {session.ContextTokens}-token context");
            }

            steps.Add(new DigestStep(kind, depth, prompt, PartTokens, group.Count));
            var answer = StructuredAnswer.Ask(session, messages, partSchema, PartTokens, cancellationToken);
            if (!answer.Success)
            {
                failed(answer);
                throw new InvalidOperationException($"the {kind} step over {Clock(group[0].Start ?? 0)}–{Clock(group[^1].End ?? 0)} gave no valid summary: {answer.Problem}");
            }

            summaries.Add(new TranscriptPiece(group[0].Start, group[^1].End, answer.Value!["summary"]!.GetValue<string>()));
        }

        return summaries;
    }
}
