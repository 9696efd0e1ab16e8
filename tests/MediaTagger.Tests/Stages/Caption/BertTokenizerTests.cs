using MediaTagger.Stages.Caption;

namespace MediaTagger.Tests.Stages.Caption;

/// <summary>
/// The WordPiece algorithm on a small vocabulary built here (the real bert-base-uncased vocab.txt is a download; its
/// published ids are checked by the integration tests when it is installed). Expected tokens follow transformers'
/// BertTokenizer on the same vocabulary.
/// </summary>
public sealed class BertTokenizerTests
{
    private static readonly string[] Vocabulary =
    [
        "[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        "a", "picture", "of", "hello", "world", "un", "##aff", "##able", "cafe", "naive", "it", "s", "cat", "red",
        "中", "国", ",", ".", "!", "'", "?", "##a", "resume", "ζ", "ω",
    ];

    private static readonly BertTokenizer Tokenizer = new(Vocabulary, [BertTokenizer.DecoderBos, BertTokenizer.EncoderToken]);

    [Theory]
    [InlineData("Hello, World!", "hello , world !")]
    [InlineData("  hello\tworld\nof  ", "hello world of")]
    [InlineData("A PICTURE OF", "a picture of")]
    [InlineData("Café naïve RÉSUMÉ", "cafe naive resume")]
    [InlineData("ζω", "[UNK]")]
    [InlineData("中国", "中 国")]
    [InlineData("a中国人", "a 中 国 [UNK]")]
    [InlineData("unaffable", "un ##aff ##able")]
    [InlineData("unaffablex", "[UNK]")]
    [InlineData("it's", "it ' s")]
    [InlineData("cat?!", "cat ? !")]
    [InlineData("hel\u0000lo wor\u200bld", "hello world")]
    [InlineData("hello\u2028world", "hello world")]
    public void Tokenizes_as_bert_basic_and_wordpiece_tokenizers_do(string text, string expected) =>
        string.Join(' ', Tokenizer.Tokenize(text)).Should().Be(expected);

    [Fact]
    public void A_word_over_one_hundred_characters_is_unknown_even_when_pieces_cover_it()
    {
        string.Join(' ', Tokenizer.Tokenize(new string('a', 100))).Should().Be("a" + string.Concat(Enumerable.Repeat(" ##a", 99)));
        Tokenizer.Tokenize(new string('a', 101)).Should().Equal("[UNK]");
    }

    [Fact]
    public void Hangul_decomposes_into_jamo_as_nfd_does()
    {
        // 한 (U+D55C) is ᄒ ᅡ ᆫ (U+1112 U+1161 U+11AB) in NFD; none is in the vocabulary, so the word is [UNK].
        BertTokenizer.BasicTokenize("한").Should().Equal("\u1112\u1161\u11ab");
    }

    [Fact]
    public void Blips_added_tokens_follow_the_vocabulary_and_bos_is_dec()
    {
        Tokenizer.Bos.Should().Be(Vocabulary.Length);
        Tokenizer.IdOf("[ENC]").Should().Be(Vocabulary.Length + 1);
        Tokenizer.Sep.Should().Be(4);
        Tokenizer.Pad.Should().Be(0);
        Tokenizer.VocabularySize.Should().Be(Vocabulary.Length + 2);
    }

    [Fact]
    public void Decode_skips_special_tokens_joins_pieces_and_cleans_spaces_before_punctuation()
    {
        var ids = new[] { Tokenizer.Bos, Tokenizer.IdOf("it"), Tokenizer.IdOf("'"), Tokenizer.IdOf("s"), Tokenizer.IdOf("un"), Tokenizer.IdOf("##aff"),
            Tokenizer.IdOf("##able"), Tokenizer.IdOf(","), Tokenizer.IdOf("hello"), Tokenizer.IdOf("!"), Tokenizer.Unknown, Tokenizer.Sep, Tokenizer.Pad };
        Tokenizer.Decode(ids).Should().Be("it's unaffable, hello!");
    }

    [Fact]
    public void A_vocabulary_without_bert_special_tokens_is_refused_with_the_reason()
    {
        var act = () => new BertTokenizer(["a", "b"]);
        act.Should().Throw<InvalidDataException>().WithMessage("*[PAD]*BERT vocab.txt*");
    }
}
