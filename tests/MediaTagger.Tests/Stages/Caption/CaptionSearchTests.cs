using MediaTagger.Stages.Caption;

namespace MediaTagger.Tests.Stages.Caption;

/// <summary>Greedy and beam search over small next-token tables, where the best caption is known by hand.</summary>
public sealed class CaptionSearchTests
{
    private const int Bos = 0, Eos = 1, A = 2, B = 3, C = 4, D = 5;

    /// <summary>Log-probabilities by the last token (a bigram model); unlisted tokens are nearly impossible.</summary>
    private sealed class TableScorer(Dictionary<int, Dictionary<int, double>> table, int vocabulary = 6) : INextTokenScorer
    {
        public int Calls { get; private set; }

        public List<int> RowsPerCall { get; } = [];

        public int VocabularySize => vocabulary;

        public void Score(IReadOnlyList<SequenceRow> rows, Span<float> logits, CancellationToken cancellationToken)
        {
            Calls++;
            RowsPerCall.Add(rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                var row = logits.Slice(r * vocabulary, vocabulary);
                row.Fill(-30f);
                var last = rows[r].Tokens[^1];
                // Source 1 sees the table shifted: its rows prefer D where source 0 prefers A, so batching mixes nothing.
                var key = rows[r].Source == 1 && last == Bos ? -1 : last;
                if (table.TryGetValue(key, out var next))
                {
                    foreach (var (token, p) in next)
                    {
                        row[token] = (float)Math.Log(p);
                    }
                }
            }
        }
    }

    // Greedy takes A (0.5) then is stuck with A's flat continuations; beam finds B (0.4) then C (0.9) then EOS.
    private static Dictionary<int, Dictionary<int, double>> Trap() => new()
    {
        [Bos] = new() { [A] = 0.5, [B] = 0.4, [C] = 0.1 },
        [A] = new() { [C] = 0.3, [D] = 0.3, [Eos] = 0.4 },
        [B] = new() { [C] = 0.9, [Eos] = 0.1 },
        [C] = new() { [Eos] = 1.0 },
        [D] = new() { [Eos] = 1.0 },
        [-1] = new() { [D] = 0.9, [C] = 0.1 },
    };

    private static CaptionSearchOptions Options(int beams) => new() { NumBeams = beams, MinLength = 0, MaxLength = 10, EosToken = Eos };

    [Fact]
    public void Beam_search_finds_the_more_probable_caption_that_greedy_misses()
    {
        var greedy = CaptionSearch.Generate(new TableScorer(Trap()), [Bos], 1, Options(1))[0];
        var beam = CaptionSearch.Generate(new TableScorer(Trap()), [Bos], 1, Options(3))[0];

        greedy.Tokens.Should().Equal(Bos, A);
        greedy.Ended.Should().BeTrue();
        beam.Tokens.Should().Equal(Bos, B, C);
        beam.Ended.Should().BeTrue();
        // 0.4 * 0.9 * 1.0 = 0.36 beats 0.5 * 0.4 = 0.20, over 3 tokens (length penalty 1).
        beam.Score.Should().BeApproximately(Math.Log(0.36) / 3, 1e-4);
    }

    [Fact]
    public void Min_length_keeps_eos_out_until_the_sequence_is_long_enough()
    {
        var free = CaptionSearch.Generate(new TableScorer(Trap()), [Bos], 1, Options(1))[0];
        var held = CaptionSearch.Generate(new TableScorer(Trap()), [Bos], 1, Options(1) with { MinLength = 3 })[0];

        free.Tokens.Should().HaveCount(2);
        held.Tokens.Should().Equal(Bos, A, C);
        held.Ended.Should().BeTrue();
    }

    [Fact]
    public void Max_length_ends_a_caption_that_never_reaches_eos()
    {
        var loop = new Dictionary<int, Dictionary<int, double>> { [Bos] = new() { [A] = 1 }, [A] = new() { [A] = 0.9, [Eos] = 0.1 } };

        var greedy = CaptionSearch.Generate(new TableScorer(loop), [Bos], 1, Options(1) with { MaxLength = 5 })[0];
        var beam = CaptionSearch.Generate(new TableScorer(loop), [Bos], 1, Options(2) with { MaxLength = 5, MinLength = 5 })[0];

        greedy.Tokens.Should().Equal(Bos, A, A, A, A);
        greedy.Ended.Should().BeFalse();
        beam.Tokens.Should().HaveCount(5);
        beam.Ended.Should().BeFalse();
    }

    [Fact]
    public void Repetition_penalty_breaks_a_repeating_greedy_caption()
    {
        // A repeats (logit 2 vs 1.5 for B); a penalty of 2 halves A's positive logit once it is in the sequence.
        var scorer = new LogitScorer();
        var plain = CaptionSearch.Generate(scorer, [Bos], 1, Options(1) with { MaxLength = 4 })[0];
        var penalized = CaptionSearch.Generate(scorer, [Bos], 1, Options(1) with { MaxLength = 4, RepetitionPenalty = 2.0 })[0];

        plain.Tokens.Should().Equal(Bos, A, A, A);
        penalized.Tokens.Should().Equal(Bos, A, B, C);
    }

    [Fact]
    public void No_repeat_ngram_size_forbids_a_repeated_pair()
    {
        var scorer = new LogitScorer();
        var result = CaptionSearch.Generate(scorer, [Bos], 1, Options(1) with { MaxLength = 5, NoRepeatNgramSize = 2 })[0];

        // A A is taken once; the second A after A would repeat the pair (A, A), so B comes instead.
        result.Tokens.Should().Equal(Bos, A, A, B, A);
    }

    [Fact]
    public void Images_of_a_batch_are_scored_together_and_searched_apart()
    {
        var scorer = new TableScorer(Trap());
        var results = CaptionSearch.Generate(scorer, [Bos], 2, Options(3));

        results[0].Tokens.Should().Equal(Bos, B, C);
        results[1].Tokens.Should().Equal(Bos, D);
        // One decoder call per step for both images: the first step has one live beam per image.
        scorer.RowsPerCall[0].Should().Be(2);
        scorer.RowsPerCall.Skip(1).Should().OnlyContain(n => n > 2);
    }

    [Fact]
    public void The_same_search_gives_the_same_caption_every_time()
    {
        var first = CaptionSearch.Generate(new TableScorer(Trap()), [Bos], 2, Options(4));
        var second = CaptionSearch.Generate(new TableScorer(Trap()), [Bos], 2, Options(4));

        first.Select(r => string.Join(",", r.Tokens)).Should().Equal(second.Select(r => string.Join(",", r.Tokens)));
        first.Select(r => r.Score).Should().Equal(second.Select(r => r.Score));
    }

    [Fact]
    public void Length_penalty_zero_ranks_by_total_probability_and_favours_shorter_captions()
    {
        // BOS -> A (0.6) -> EOS (0.5): 0.30 over 2 tokens; BOS -> B (0.4) -> C (1) -> EOS: 0.40 over 3 tokens.
        var table = new Dictionary<int, Dictionary<int, double>>
        {
            [Bos] = new() { [A] = 0.6, [B] = 0.4 },
            [A] = new() { [Eos] = 0.5, [D] = 0.5 },
            [B] = new() { [C] = 1.0 },
            [C] = new() { [Eos] = 1.0 },
            [D] = new() { [Eos] = 0.01, [D] = 0.99 },
        };
        var byTotal = CaptionSearch.Generate(new TableScorer(table), [Bos], 1, Options(2) with { LengthPenalty = 0 })[0];

        byTotal.Tokens.Should().Equal(Bos, B, C);
        byTotal.Score.Should().BeApproximately(Math.Log(0.4), 1e-4);
    }

    [Fact]
    public void Log_softmax_of_a_row_sums_to_one_in_probability()
    {
        var row = new float[] { 1000f, 999f, -5f, 0f };
        CaptionSearch.LogSoftmax(row);
        row.Sum(v => Math.Exp(v)).Should().BeApproximately(1.0, 1e-5);
        row[0].Should().BeApproximately((float)-Math.Log(1 + Math.Exp(-1)), 1e-4f);
    }

    /// <summary>Raw logits: A 2, B 1.5, C 1.2, D 0.5, EOS very low, BOS never.</summary>
    private sealed class LogitScorer : INextTokenScorer
    {
        public int VocabularySize => 6;

        public void Score(IReadOnlyList<SequenceRow> rows, Span<float> logits, CancellationToken cancellationToken)
        {
            for (var r = 0; r < rows.Count; r++)
            {
                float[] values = [-50f, -20f, 2f, 1.5f, 1.2f, 0.5f];
                values.CopyTo(logits.Slice(r * 6, 6));
            }
        }
    }
}
