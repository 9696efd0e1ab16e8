using System.Globalization;
using System.Text;

namespace MediaTagger.Stages.Caption;

/// <summary>
/// The uncased BERT WordPiece tokenizer BLIP uses (transformers BertTokenizer over bert-base-uncased's vocab.txt, plus
/// BLIP's two added tokens). Encoding: the basic tokenizer (drop NUL, U+FFFD and control characters, whitespace to
/// spaces, spaces around CJK ideographs, lower-case, strip accents, split off punctuation), then greedy longest-match
/// WordPiece with "##" continuations; a word longer than 100 characters, or one no pieces cover, is [UNK].
/// Decoding: special tokens skipped, pieces joined, and transformers' clean_up_tokenization_spaces applied.
/// </summary>
public sealed class BertTokenizer
{
    /// <summary>transformers' WordpieceTokenizer.max_input_chars_per_word.</summary>
    public const int MaxCharsPerWord = 100;

    /// <summary>BLIP's added tokens (Salesforce/blip-image-captioning-*: bos_token "[DEC]", additional "[ENC]").</summary>
    public const string DecoderBos = "[DEC]";

    public const string EncoderToken = "[ENC]";

    private readonly Dictionary<string, int> ids;
    private readonly string[] tokens;
    private readonly HashSet<int> special;

    public BertTokenizer(IReadOnlyList<string> vocabulary, IEnumerable<string>? addedTokens = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var all = vocabulary.ToList();
        foreach (var added in addedTokens ?? [])
        {
            if (!all.Contains(added, StringComparer.Ordinal))
            {
                all.Add(added);
            }
        }

        tokens = [.. all];
        ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (var i = 0; i < tokens.Length; i++)
        {
            // vocab.txt has no duplicates; were there one, transformers keeps the last index, as this does.
            ids[tokens[i]] = i;
        }

        Pad = Require("[PAD]");
        Unknown = Require("[UNK]");
        Cls = Require("[CLS]");
        Sep = Require("[SEP]");
        Mask = ids.GetValueOrDefault("[MASK]", -1);
        Bos = ids.GetValueOrDefault(DecoderBos, -1);
        special = new[] { Pad, Unknown, Cls, Sep, Mask, Bos, ids.GetValueOrDefault(EncoderToken, -1) }.Where(i => i >= 0).ToHashSet();
    }

    public int Pad { get; }

    public int Unknown { get; }

    public int Cls { get; }

    /// <summary>[SEP]: the end of a caption (BLIP's text config sep_token_id, which generation uses as EOS).</summary>
    public int Sep { get; }

    public int Mask { get; }

    /// <summary>[DEC], BLIP's decoder start (30522 with BLIP's vocabulary), or -1 when the vocabulary lacks it.</summary>
    public int Bos { get; }

    public int VocabularySize => tokens.Length;

    /// <summary>
    /// Reads a vocab.txt (one token a line, the line number is its id) and appends BLIP's added tokens, [DEC] then
    /// [ENC], after it: 30522 and 30523 for bert-base-uncased, as Salesforce/blip-image-captioning-base's added_tokens.
    /// </summary>
    public static BertTokenizer ForBlip(string vocabPath)
    {
        var lines = File.ReadAllLines(vocabPath);
        // transformers' load_vocab strips the trailing newline only (rstrip("\n")); a blank line still counts as a token.
        return new BertTokenizer(lines, [DecoderBos, EncoderToken]);
    }

    public string TokenOf(int id) => id >= 0 && id < tokens.Length ? tokens[id] : throw new ArgumentOutOfRangeException(nameof(id), $"token id {id} is outside the vocabulary of {tokens.Length}");

    public int IdOf(string token) => ids.TryGetValue(token, out var id) ? id : Unknown;

    /// <summary>The WordPiece ids of <paramref name="text"/>, without [CLS] or [SEP].</summary>
    public IReadOnlyList<int> Encode(string text) => [.. Tokenize(text).Select(IdOf)];

    /// <summary>The WordPiece tokens of <paramref name="text"/> ("##" marks a continuation).</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<string>();
        foreach (var word in BasicTokenize(text))
        {
            AppendWordPieces(word, output);
        }

        return output;
    }

    /// <summary>
    /// The text of <paramref name="tokenIds"/>: special tokens ([PAD], [UNK], [CLS], [SEP], [MASK], [DEC], [ENC])
    /// skipped, pieces joined with spaces, " ##" removed, then the clean-up of spaces before punctuation and
    /// contractions that transformers applies by default.
    /// </summary>
    public string Decode(IEnumerable<int> tokenIds)
    {
        var text = string.Join(' ', tokenIds.Where(i => !special.Contains(i)).Select(TokenOf)).Replace(" ##", "", StringComparison.Ordinal).Trim();
        return CleanUpSpaces(text);
    }

    /// <summary>transformers' clean_up_tokenization: no space before . ? ! , and in common English contractions.</summary>
    public static string CleanUpSpaces(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal)
        .Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal)
        .Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);

    /// <summary>The basic tokenizer's words: cleaned, CJK-spaced, lower-cased, accent-stripped, punctuation split off.</summary>
    internal static IReadOnlyList<string> BasicTokenize(string text)
    {
        var cleaned = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                cleaned.Append(' ');
            }
            else if (IsCjk(cp))
            {
                cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                cleaned.Append(rune.ToString());
            }
        }

        var words = new List<string>();
        var piece = new StringBuilder();
        // Python's str.split() also splits at line and paragraph separators, which cleaning keeps.
        foreach (var word in cleaned.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            piece.Clear();
            BertAccents.AppendStripped(word.ToLowerInvariant(), piece);
            SplitPunctuation(piece.ToString(), words);
        }

        return words;
    }

    private void AppendWordPieces(string word, List<string> output)
    {
        var runes = word.EnumerateRunes().Select(r => r.ToString()).ToArray();
        if (runes.Length > MaxCharsPerWord)
        {
            output.Add(TokenOf(Unknown));
            return;
        }

        var pieces = new List<string>();
        var start = 0;
        while (start < runes.Length)
        {
            string? match = null;
            for (var end = runes.Length; end > start; end--)
            {
                var candidate = (start > 0 ? "##" : "") + string.Concat(runes.AsSpan(start, end - start));
                if (ids.ContainsKey(candidate))
                {
                    match = candidate;
                    start = end;
                    break;
                }
            }

            if (match is null)
            {
                // One uncovered stretch makes the whole word unknown, as transformers does.
                output.Add(TokenOf(Unknown));
                return;
            }

            pieces.Add(match);
        }

        output.AddRange(pieces);
    }

    private static void SplitPunctuation(string word, List<string> output)
    {
        var current = new StringBuilder();
        foreach (var rune in word.EnumerateRunes())
        {
            if (IsPunctuation(rune))
            {
                if (current.Length > 0)
                {
                    output.Add(current.ToString());
                    current.Clear();
                }

                output.Add(rune.ToString());
            }
            else
            {
                current.Append(rune.ToString());
            }
        }

        if (current.Length > 0)
        {
            output.Add(current.ToString());
        }
    }

    // transformers' _is_whitespace: space, tab, newline, carriage return, or category Zs.
    private static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    // transformers' _is_control: any category C* except tab, newline and carriage return (which are whitespace).
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    // transformers' _is_punctuation: every non-alphanumeric ASCII printable (so ^ $ ` count), or category P*.
    private static bool IsPunctuation(Rune rune)
    {
        var cp = rune.Value;
        if (cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    // transformers' _is_chinese_char: the CJK Unified Ideographs blocks and their extensions and compatibility forms.
    private static bool IsCjk(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private int Require(string token) =>
        ids.TryGetValue(token, out var id) ? id : throw new InvalidDataException($"the vocabulary has no {token} token; is this a BERT vocab.txt?");
}
