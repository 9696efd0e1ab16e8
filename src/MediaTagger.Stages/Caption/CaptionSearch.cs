namespace MediaTagger.Stages.Caption;

/// <summary>One sequence the decoder extends: which image (source) it describes, and its tokens so far.</summary>
public readonly record struct SequenceRow(int Source, IReadOnlyList<int> Tokens);

/// <summary>
/// The model side of caption search: the next-token logits of each row (all rows of one call have the same length).
/// The ONNX text decoder is one; tests use small tables.
/// </summary>
public interface INextTokenScorer
{
    int VocabularySize { get; }

    /// <summary>Writes rows.Count x <see cref="VocabularySize"/> logits, row-major, into <paramref name="logits"/>.</summary>
    void Score(IReadOnlyList<SequenceRow> rows, Span<float> logits, CancellationToken cancellationToken);
}

/// <summary>
/// How captions are searched, with the meaning of transformers' generate arguments of the same names: lengths count the
/// whole sequence (the [DEC] start and the prompt included), <see cref="MinLength"/> forbids EOS while the sequence is
/// shorter, <see cref="MaxLength"/> ends the search. <see cref="NumBeams"/> 1 is greedy search.
/// </summary>
public sealed record CaptionSearchOptions
{
    public int NumBeams { get; init; } = 3;

    public int MinLength { get; init; } = 5;

    public int MaxLength { get; init; } = 30;

    /// <summary>CTRL's penalty (Keskar et al. 2019) on every token already in the sequence; 1 leaves scores alone.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Beam hypotheses are ranked by sum of log-probabilities / length^LengthPenalty.</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>When above 0, no n-gram of this size occurs twice in a caption.</summary>
    public int NoRepeatNgramSize { get; init; }

    /// <summary>Beam search stops as soon as NumBeams hypotheses ended; otherwise when none of the live beams can beat them.</summary>
    public bool EarlyStopping { get; init; }

    /// <summary>The token that ends a caption ([SEP] for BLIP).</summary>
    public int EosToken { get; init; } = 102;
}

/// <summary>A searched caption: its tokens (the prompt included, EOS not), its score, and whether it reached EOS.</summary>
public sealed record GeneratedSequence(IReadOnlyList<int> Tokens, double Score, bool Ended);

/// <summary>
/// Greedy and beam search over an <see cref="INextTokenScorer"/>, for several images at once (every live row of every
/// image goes to the scorer in one call per step). It follows transformers' generate (v4 GreedySearch and
/// BeamSearchScorer/BeamHypotheses): greedy applies the logits processors to the raw logits and takes the arg-max; beam
/// search applies them to log-softmax scores, adds each beam's running score, keeps the top 2 x NumBeams candidates,
/// ends a hypothesis on an EOS ranked within the top NumBeams, and finalizes unfinished beams at the maximum length.
/// Ties go to the lower beam and token index, so a search is deterministic.
/// </summary>
public static class CaptionSearch
{
    /// <summary>Searches one caption per source (0..sources-1), each starting from <paramref name="prompt"/>.</summary>
    public static IReadOnlyList<GeneratedSequence> Generate(INextTokenScorer scorer, IReadOnlyList<int> prompt, int sources, CaptionSearchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.NumBeams, 1);
        if (prompt.Count == 0)
        {
            throw new ArgumentException("a caption starts from at least the decoder's start token", nameof(prompt));
        }

        return options.NumBeams == 1
            ? Greedy(scorer, prompt, sources, options, cancellationToken)
            : BeamSearch(scorer, prompt, sources, options, cancellationToken);
    }

    private static GeneratedSequence[] Greedy(INextTokenScorer scorer, IReadOnlyList<int> prompt, int sources, CaptionSearchOptions options, CancellationToken cancellationToken)
    {
        var vocab = scorer.VocabularySize;
        var sequences = Enumerable.Range(0, sources).Select(_ => new List<int>(prompt)).ToArray();
        var scores = new double[sources];
        var ended = new bool[sources];
        var live = Enumerable.Range(0, sources).ToList();
        var logits = new float[Math.Max(1, sources) * vocab];
        for (var length = prompt.Count; length < options.MaxLength && live.Count > 0; length++)
        {
            var rows = live.Select(s => new SequenceRow(s, sequences[s])).ToArray();
            scorer.Score(rows, logits.AsSpan(0, rows.Length * vocab), cancellationToken);
            var still = new List<int>(live.Count);
            for (var r = 0; r < rows.Length; r++)
            {
                var s = live[r];
                var row = logits.AsSpan(r * vocab, vocab);
                ApplyProcessors(row, sequences[s], options);
                var best = ArgMax(row);
                scores[s] += LogSoftmaxAt(row, best);
                if (best == options.EosToken)
                {
                    ended[s] = true;
                    continue;
                }

                sequences[s].Add(best);
                still.Add(s);
            }

            live = still;
        }

        return [.. Enumerable.Range(0, sources).Select(s => new GeneratedSequence(sequences[s], scores[s], ended[s]))];
    }

    private static GeneratedSequence[] BeamSearch(INextTokenScorer scorer, IReadOnlyList<int> prompt, int sources, CaptionSearchOptions options, CancellationToken cancellationToken)
    {
        var vocab = scorer.VocabularySize;
        var k = options.NumBeams;
        // transformers starts every beam but the first at -1e9 so the first step expands one beam; one live beam is the same.
        var beams = Enumerable.Range(0, sources).Select(_ => new List<Beam> { new([.. prompt], 0) }).ToArray();
        var hypotheses = Enumerable.Range(0, sources).Select(_ => new Hypotheses(k, options.LengthPenalty)).ToArray();
        var done = new bool[sources];
        var logits = Array.Empty<float>();
        var length = prompt.Count;
        for (; length < options.MaxLength && done.Contains(false); length++)
        {
            var rows = new List<SequenceRow>();
            for (var s = 0; s < sources; s++)
            {
                if (!done[s])
                {
                    rows.AddRange(beams[s].Select(b => new SequenceRow(s, b.Tokens)));
                }
            }

            if (logits.Length < rows.Count * vocab)
            {
                logits = new float[rows.Count * vocab];
            }

            scorer.Score(rows, logits.AsSpan(0, rows.Count * vocab), cancellationToken);
            var r = 0;
            for (var s = 0; s < sources; s++)
            {
                if (done[s])
                {
                    continue;
                }

                var live = beams[s];
                var candidates = new TopCandidates(2 * k);
                for (var b = 0; b < live.Count; b++, r++)
                {
                    var row = logits.AsSpan(r * vocab, vocab);
                    LogSoftmax(row);
                    ApplyProcessors(row, live[b].Tokens, options);
                    for (var t = 0; t < vocab; t++)
                    {
                        candidates.Offer(live[b].Score + row[t], b, t);
                    }
                }

                var next = new List<Beam>(k);
                var ranked = candidates.Ranked();
                for (var rank = 0; rank < ranked.Count && next.Count < k; rank++)
                {
                    var (score, beam, token) = ranked[rank];
                    if (token == options.EosToken)
                    {
                        // An EOS outside the top NumBeams would crowd out better continuations; transformers skips it.
                        if (rank < k)
                        {
                            hypotheses[s].Add(live[beam].Tokens, score, ended: true);
                        }

                        continue;
                    }

                    next.Add(new Beam([.. live[beam].Tokens, token], score));
                }

                done[s] = hypotheses[s].IsDone(ranked[0].Score, length, options.EarlyStopping);
                beams[s] = next;
            }
        }

        var results = new GeneratedSequence[sources];
        for (var s = 0; s < sources; s++)
        {
            if (!done[s])
            {
                foreach (var beam in beams[s])
                {
                    hypotheses[s].Add(beam.Tokens, beam.Score, ended: false);
                }
            }

            results[s] = hypotheses[s].Best();
        }

        return results;
    }

    /// <summary>Repetition penalty, no-repeat n-grams and the minimum length, on one row of scores.</summary>
    internal static void ApplyProcessors(Span<float> scores, IReadOnlyList<int> tokens, CaptionSearchOptions options)
    {
        if (options.RepetitionPenalty != 1.0)
        {
            var penalty = (float)options.RepetitionPenalty;
            foreach (var token in tokens.Distinct())
            {
                if ((uint)token < (uint)scores.Length)
                {
                    // transformers' RepetitionPenaltyLogitsProcessor: a negative score grows more negative.
                    scores[token] = scores[token] < 0 ? scores[token] * penalty : scores[token] / penalty;
                }
            }
        }

        var n = options.NoRepeatNgramSize;
        if (n > 0 && tokens.Count + 1 >= n)
        {
            var prefixStart = tokens.Count - n + 1;
            for (var i = 0; i + n <= tokens.Count; i++)
            {
                var same = true;
                for (var j = 0; j < n - 1 && same; j++)
                {
                    same = tokens[i + j] == tokens[prefixStart + j];
                }

                if (same && (uint)tokens[i + n - 1] < (uint)scores.Length)
                {
                    scores[tokens[i + n - 1]] = float.NegativeInfinity;
                }
            }
        }

        if (tokens.Count < options.MinLength && (uint)options.EosToken < (uint)scores.Length)
        {
            scores[options.EosToken] = float.NegativeInfinity;
        }
    }

    /// <summary>log(softmax(x)) in place, in float after subtracting the maximum; the sum is accumulated in double.</summary>
    internal static void LogSoftmax(Span<float> row)
    {
        var max = float.NegativeInfinity;
        foreach (var v in row)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (var v in row)
        {
            sum += Math.Exp(v - max);
        }

        var log = (float)Math.Log(sum);
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = row[i] - max - log;
        }
    }

    private static double LogSoftmaxAt(ReadOnlySpan<float> row, int index)
    {
        var max = float.NegativeInfinity;
        foreach (var v in row)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (var v in row)
        {
            sum += Math.Exp(v - max);
        }

        return row[index] - max - Math.Log(sum);
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }

    private sealed record Beam(List<int> Tokens, double Score);

    /// <summary>The best <c>capacity</c> (score, beam, token) triples offered, best first; ties keep the earlier offer.</summary>
    private sealed class TopCandidates(int capacity)
    {
        private readonly List<(double Score, int Beam, int Token)> items = new(capacity + 1);

        public void Offer(double score, int beam, int token)
        {
            if (double.IsNaN(score) || (items.Count == capacity && score <= items[^1].Score))
            {
                return;
            }

            var at = items.Count;
            while (at > 0 && items[at - 1].Score < score)
            {
                at--;
            }

            items.Insert(at, (score, beam, token));
            if (items.Count > capacity)
            {
                items.RemoveAt(capacity);
            }
        }

        public List<(double Score, int Beam, int Token)> Ranked() => items;
    }

    /// <summary>transformers' BeamHypotheses: the NumBeams best ended sequences by length-penalized score.</summary>
    private sealed class Hypotheses(int capacity, double lengthPenalty)
    {
        private readonly List<(double Normalized, GeneratedSequence Sequence)> items = [];

        public void Add(List<int> tokens, double sumLogProbs, bool ended)
        {
            var normalized = sumLogProbs / Math.Pow(tokens.Count, lengthPenalty);
            if (items.Count >= capacity && normalized <= items.Min(i => i.Normalized))
            {
                return;
            }

            items.Add((normalized, new GeneratedSequence([.. tokens], normalized, ended)));
            if (items.Count > capacity)
            {
                items.RemoveAt(items.FindIndex(i => i.Normalized == items.Min(x => x.Normalized)));
            }
        }

        public bool IsDone(double bestRunning, int length, bool earlyStopping) =>
            items.Count >= capacity && (earlyStopping || items.Min(i => i.Normalized) >= bestRunning / Math.Pow(length, lengthPenalty));

        // The first-added among equals wins, as max() over transformers' list does.
        public GeneratedSequence Best() => items.Count == 0
            ? throw new InvalidOperationException("beam search ended without a hypothesis")
            : items.Aggregate((a, b) => b.Normalized > a.Normalized ? b : a).Sequence;
    }
}
