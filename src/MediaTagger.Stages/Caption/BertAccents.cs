using System.Globalization;
using System.Text;

namespace MediaTagger.Stages.Caption;

/// <summary>
/// BERT's accent stripping (transformers BasicTokenizer._run_strip_accents: NFD, then drop nonspacing marks) without
/// ICU: the product runs with invariant globalization, where <see cref="string.Normalize()"/> leaves text composed.
/// The decompositions come from a generated table (tests/tools/make_bert_accents.py); Hangul syllables decompose
/// algorithmically into their jamo, as NFD does.
/// </summary>
internal static partial class BertAccents
{
    private static readonly Dictionary<char, string> Table = BuildTable();

    /// <summary>Appends <paramref name="text"/> decomposed and without nonspacing marks to <paramref name="output"/>.</summary>
    public static void AppendStripped(ReadOnlySpan<char> text, StringBuilder output)
    {
        foreach (var c in text)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (c is >= '\uAC00' and <= '\uD7A3')
            {
                AppendHangul(c, output);
            }
            else if (c >= '\u00C0' && Table.TryGetValue(c, out var stripped))
            {
                output.Append(stripped);
            }
            else
            {
                output.Append(c);
            }
        }
    }

    // The Unicode standard's conjoining jamo decomposition (chapter 3.12).
    private static void AppendHangul(char syllable, StringBuilder output)
    {
        const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, TCount = 28, NCount = 21 * TCount;
        var index = syllable - SBase;
        output.Append((char)(LBase + (index / NCount)));
        output.Append((char)(VBase + (index % NCount / TCount)));
        if (index % TCount != 0)
        {
            output.Append((char)(TBase + (index % TCount)));
        }
    }

    private static Dictionary<char, string> BuildTable()
    {
        var values = Values.Split('\0');
        if (values.Length != Keys.Length)
        {
            throw new InvalidOperationException($"the accent table is inconsistent: {Keys.Length} keys, {values.Length} values");
        }

        var table = new Dictionary<char, string>(Keys.Length);
        for (var i = 0; i < Keys.Length; i++)
        {
            table[Keys[i]] = values[i];
        }

        return table;
    }
}
