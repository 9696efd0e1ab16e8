using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace MediaTagger.Stages.Clip;

/// <summary>
/// The byte-level BPE tokenizer of every OpenAI CLIP model, read from its merges file (bpe_simple_vocab_16e6.txt.gz).
/// The vocabulary is the 256 byte symbols, the same with the end-of-word mark, the 48 894 merges in rank order, then
/// &lt;|startoftext|&gt; (49406) and &lt;|endoftext|&gt; (49407). Text is cleaned (<see cref="Clean"/>), split by CLIP's
/// pattern, each piece byte-encoded and merged. Thread-safe: the only state that changes is the per-word cache.
/// </summary>
public sealed partial class ClipTokenizer
{
    /// <summary>CLIP's text context: start, up to 75 tokens, end.</summary>
    public const int ContextLength = 77;

    public const int StartOfText = 49406;
    public const int EndOfText = 49407;
    public const int VocabularySize = 49408;

    private const string EndOfWord = "</w>";

    // The merges file's first line is a version header; CLIP keeps the next 49152 - 256 - 2 merges.
    private const int MergeCount = 49152 - 256 - 2;

    // U+FB00-FB06 spelled out, as ftfy's fix_latin_ligatures does.
    private static readonly string[] Ligatures = ["ff", "fi", "fl", "ffi", "ffl", "st", "st"];

    private static readonly (string[] ByByte, string[] InVocabularyOrder) Bytes = BuildByteSymbols();
    private static readonly string[] ByteSymbols = Bytes.ByByte;
    private readonly Dictionary<string, int> encoder;
    private readonly Dictionary<(string, string), int> ranks;
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);

    private ClipTokenizer(Dictionary<string, int> encoder, Dictionary<(string, string), int> ranks)
    {
        this.encoder = encoder;
        this.ranks = ranks;
    }

    /// <summary>Reads the gzip-compressed merges file (or a plain-text one, by its name).</summary>
    /// <exception cref="InvalidDataException">The file holds fewer merges than CLIP's vocabulary needs.</exception>
    public static ClipTokenizer FromMergesFile(string path)
    {
        using var file = File.OpenRead(path);
        using Stream text = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(text, Encoding.UTF8);
        return FromMerges(reader.ReadToEnd(), path);
    }

    internal static ClipTokenizer FromMerges(string content, string source)
    {
        var lines = content.Split('\n');
        if (lines.Length < MergeCount + 1)
        {
            throw new InvalidDataException($"{source} has {lines.Length - 1} merge lines; CLIP's vocabulary needs {MergeCount}");
        }

        var encoder = new Dictionary<string, int>(VocabularySize, StringComparer.Ordinal);
        foreach (var symbol in Bytes.InVocabularyOrder)
        {
            encoder.Add(symbol, encoder.Count);
        }

        foreach (var symbol in Bytes.InVocabularyOrder)
        {
            encoder.Add(symbol + EndOfWord, encoder.Count);
        }

        var ranks = new Dictionary<(string, string), int>(MergeCount);
        for (var i = 0; i < MergeCount; i++)
        {
            var parts = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                throw new InvalidDataException($"{source} line {i + 2} is not a merge of two symbols: '{lines[i + 1]}'");
            }

            ranks[(parts[0], parts[1])] = i;
            encoder[parts[0] + parts[1]] = encoder.Count;
        }

        encoder["<|startoftext|>"] = StartOfText;
        encoder["<|endoftext|>"] = EndOfText;
        if (encoder.Count != VocabularySize)
        {
            throw new InvalidDataException($"{source} gives a vocabulary of {encoder.Count} symbols; CLIP's has {VocabularySize}");
        }

        return new ClipTokenizer(encoder, ranks);
    }

    /// <summary>
    /// The model input for one text: start, the text's tokens, end, zeros to <paramref name="contextLength"/>. A text too
    /// long keeps its first tokens and still ends with the end token (as open_clip and transformers truncate).
    /// </summary>
    public long[] Encode(string text, int contextLength = ContextLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        var tokens = Tokenize(text);
        var ids = new long[contextLength];
        ids[0] = StartOfText;
        var kept = Math.Min(tokens.Count, contextLength - 2);
        for (var i = 0; i < kept; i++)
        {
            ids[i + 1] = tokens[i];
        }

        ids[kept + 1] = EndOfText;
        return ids;
    }

    /// <summary>The position of the end token in <paramref name="ids"/>: what CLIP's text tower pools on.</summary>
    public static int EndPosition(ReadOnlySpan<long> ids)
    {
        var i = ids.IndexOf(EndOfText);
        return i >= 0 ? i : ids.Length - 1;
    }

    /// <summary>The text's tokens without start, end or padding.</summary>
    public IReadOnlyList<int> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<int>();
        foreach (Match piece in Pieces().Matches(Clean(text)))
        {
            tokens.AddRange(Word(piece.Value));
        }

        return tokens;
    }

    /// <summary>
    /// CLIP's clean-up: a basic text fix (HTML entities unescaped twice, curly quotes straightened, full-width ASCII
    /// and Latin ligatures to plain letters, control characters dropped, NFC), whitespace runs to one space, trimmed,
    /// lower-cased. What ftfy does beyond that (undoing mojibake) is not done.
    /// </summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fixedText = WebUtility.HtmlDecode(WebUtility.HtmlDecode(text));
        var builder = new StringBuilder(fixedText.Length);
        foreach (var rune in fixedText.EnumerateRunes())
        {
            var c = rune.Value;
            switch (c)
            {
                case '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u2032':
                    builder.Append('\'');
                    break;
                case '\u201C' or '\u201D' or '\u201E' or '\u201F' or '\u2033':
                    builder.Append('"');
                    break;
                case >= 0xFF01 and <= 0xFF5E:
                    builder.Append((char)(c - 0xFF01 + 0x21));
                    break;
                case 0x3000:
                    builder.Append(' ');
                    break;
                case >= 0xFB00 and <= 0xFB06:
                    builder.Append(Ligatures[c - 0xFB00]);
                    break;
                case '\t' or '\n' or '\r' or '\f':
                    builder.Append(' ');
                    break;
                default:
                    if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.Control)
                    {
                        builder.Append(rune.ToString());
                    }

                    break;
            }
        }

        var normalized = ClipTextNormalization.Compose(builder.ToString());
        return Whitespace().Replace(normalized, " ").Trim().ToLowerInvariant();
    }

    private int[] Word(string piece)
    {
        if (cache.TryGetValue(piece, out var cached))
        {
            return cached;
        }

        int[] ids;
        if (piece is "<|startoftext|>" or "<|endoftext|>")
        {
            ids = [encoder[piece]];
        }
        else
        {
            var bytes = Encoding.UTF8.GetBytes(piece);
            var symbols = new List<string>(bytes.Length);
            for (var i = 0; i < bytes.Length; i++)
            {
                symbols.Add(i == bytes.Length - 1 ? ByteSymbols[bytes[i]] + EndOfWord : ByteSymbols[bytes[i]]);
            }

            Merge(symbols);
            ids = symbols.Select(s => encoder[s]).ToArray();
        }

        // Bounded: a long stream of unique words (search queries over months) must not grow the cache forever.
        if (cache.Count < 100_000)
        {
            cache.TryAdd(piece, ids);
        }

        return ids;
    }

    /// <summary>Applies the lowest-ranked merge present, every occurrence left to right, until none applies.</summary>
    private void Merge(List<string> symbols)
    {
        while (symbols.Count > 1)
        {
            var best = int.MaxValue;
            (string, string) pair = default;
            for (var i = 0; i < symbols.Count - 1; i++)
            {
                if (ranks.TryGetValue((symbols[i], symbols[i + 1]), out var rank) && rank < best)
                {
                    best = rank;
                    pair = (symbols[i], symbols[i + 1]);
                }
            }

            if (best == int.MaxValue)
            {
                return;
            }

            var merged = new List<string>(symbols.Count);
            for (var i = 0; i < symbols.Count; i++)
            {
                if (i < symbols.Count - 1 && symbols[i] == pair.Item1 && symbols[i + 1] == pair.Item2)
                {
                    merged.Add(pair.Item1 + pair.Item2);
                    i++;
                }
                else
                {
                    merged.Add(symbols[i]);
                }
            }

            symbols.Clear();
            symbols.AddRange(merged);
        }
    }

    /// <summary>
    /// GPT-2's reversible byte-to-character map as CLIP uses it: printable Latin-1 bytes stand for themselves, the
    /// other 68 bytes take the characters from U+0100 on, in byte order. Index = byte; the vocabulary lists the
    /// symbols in the map's order (printable ones first).
    /// </summary>
    private static (string[] ByByte, string[] InVocabularyOrder) BuildByteSymbols()
    {
        var printable = new List<int>();
        printable.AddRange(Enumerable.Range('!', '~' - '!' + 1));
        printable.AddRange(Enumerable.Range('\u00A1', '\u00AC' - '\u00A1' + 1));
        printable.AddRange(Enumerable.Range('\u00AE', '\u00FF' - '\u00AE' + 1));
        var byByte = new string[256];
        foreach (var b in printable)
        {
            byByte[b] = ((char)b).ToString();
        }

        var next = 0;
        var order = new List<int>(printable);
        for (var b = 0; b < 256; b++)
        {
            if (byByte[b] is null)
            {
                byByte[b] = ((char)(256 + next++)).ToString();
                order.Add(b);
            }
        }

        // The vocabulary's first 256 entries follow the map's order, not byte order.
        return (byByte, order.Select(b => byByte[b]).ToArray());
    }

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pieces();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}
