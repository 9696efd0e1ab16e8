using MediaTagger.Stages.Clip;

namespace MediaTagger.Tests.Stages;

/// <summary>
/// The CLIP tokenizer against published token ids: OpenAI's and transformers' documentation example ("a photo of a
/// cat"), and ids the transformers.js test suite lists for CLIP (Xenova/clip-vit-base-patch16, the same vocabulary).
/// Needs the real merges file (../shared/models/clip/bpe_simple_vocab_16e6.txt.gz).
/// </summary>
public sealed class ClipTokenizerTests
{
    private static readonly Lazy<ClipTokenizer?> Shared = new(() => MergesPath() is { } path ? ClipTokenizer.FromMergesFile(path) : null);

    private static ClipTokenizer Tokenizer
    {
        get
        {
            if (Shared.Value is { } tokenizer)
            {
                return tokenizer;
            }

            var message = $"the CLIP merges file is missing ({Candidate()}); set MEDIATAGGER_SHARED_DIR to the shared folder";
            if (Environment.GetEnvironmentVariable("MEDIATAGGER_REQUIRE_ASSETS") == "1")
            {
                throw new InvalidOperationException(message);
            }

            throw new SkipException(message);
        }
    }

    private static string Candidate()
    {
        var shared = Environment.GetEnvironmentVariable("MEDIATAGGER_SHARED_DIR") is { Length: > 0 } env ? env : FindShared();
        return Path.Combine(shared, "models", "clip", "bpe_simple_vocab_16e6.txt.gz");
    }

    private static string? MergesPath() => File.Exists(Candidate()) ? Candidate() : null;

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MediaTagger.sln")))
            {
                return Path.Combine(dir.FullName, "..", "shared");
            }
        }

        return "../shared";
    }

    private static int[] Ids(string text)
    {
        var ids = Tokenizer.Encode(text);
        var end = Array.IndexOf(ids, (long)ClipTokenizer.EndOfText);
        return ids.Take(end + 1).Select(i => (int)i).ToArray();
    }

    [SkippableFact]
    public void A_photo_of_a_cat_is_the_published_sequence_padded_with_zeros_to_77()
    {
        var ids = Tokenizer.Encode("a photo of a cat");

        ids.Should().HaveCount(77);
        ids.Take(7).Should().Equal(49406, 320, 1125, 539, 320, 2368, 49407);
        ids.Skip(7).Should().OnlyContain(i => i == 0);
        ClipTokenizer.EndPosition(ids).Should().Be(6);
    }

    [SkippableTheory]
    [InlineData("a photo of a dog", new[] { 49406, 320, 1125, 539, 320, 1929, 49407 })]
    [InlineData("How are you doing?", new[] { 49406, 829, 631, 592, 1960, 286, 49407 })]
    [InlineData("You should've done this", new[] { 49406, 592, 1535, 1200, 1700, 589, 49407 })]
    [InlineData("The company was founded in 2016.", new[] { 49406, 518, 2634, 739, 12240, 530, 273, 271, 272, 277, 269, 49407 })]
    [InlineData("0123456789 10", new[] { 49406, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 272, 271, 49407 })]
    [InlineData("def main():\n\tpass", new[] { 49406, 11649, 2623, 7, 4143, 3511, 49407 })]
    [InlineData("let a = obj.toString();\ntoString();", new[] { 49406, 1094, 320, 284, 1411, 329, 269, 580, 9696, 7, 19686, 580, 9696, 7, 19686, 49407 })]
    [InlineData("I bought an apple for $1.00 at the store.", new[] { 49406, 328, 4142, 550, 3055, 556, 259, 272, 269, 271, 271, 536, 518, 2183, 269, 49407 })]
    [InlineData("Hello World", new[] { 49406, 3306, 1002, 49407 })]
    [InlineData("", new[] { 49406, 49407 })]
    public void Text_gives_the_published_ids(string text, int[] expected) => Ids(text).Should().Equal(expected);

    [SkippableTheory]
    [InlineData("A\n'll !!to?'d''d of, can't.", new[] { 49406, 320, 1342, 748, 531, 13610, 323, 8445, 323, 539, 267, 753, 713, 269, 49407 })]
    [InlineData("test $1 R2 #3 \u20ac4 \u00a35 \u00a56 \u20a37 \u20b98 \u20b19 test", new[] { 49406, 1628, 259, 272, 337, 273, 258, 274, 6309, 275, 1950, 276, 20199, 277, 5227, 352, 278, 21777, 279, 5227, 365, 280, 1628, 49407 })]
    [InlineData("you\u2026  ", new[] { 49406, 592, 959, 49407 })]
    [InlineData("\u2581This \u2581is \u2581a \u2581test \u2581.", new[] { 49406, 4168, 479, 589, 4168, 479, 533, 4168, 479, 320, 4168, 479, 1628, 4168, 223, 269, 49407 })]
    public void Punctuation_contractions_and_symbols_split_as_clip_does(string text, int[] expected) => Ids(text).Should().Equal(expected);

    [SkippableTheory]
    [InlineData("UNwant\u00e9d,running", new[] { 49406, 569, 18356, 3459, 323, 267, 2761, 49407 })]
    [InlineData("\u751f\u6d3b\u7684\u771f\u8c1b\u662f", new[] { 49406, 33375, 162, 112, 119, 163, 248, 226, 41570, 164, 108, 249, 42891, 363, 49407 })]
    [InlineData("\U0001F602 \U0001F44D \U0001F923 \U0001F60D \U0001F62D \U0001F389 \U0001F64F \U0001F60A \U0001F525", new[] { 49406, 1558, 4201, 9909, 1754, 3915, 3986, 5503, 3020, 3016, 49407 })]
    [InlineData("caf\u00e9", new[] { 49406, 15304, 49407 })]
    public void Unicode_accents_cjk_and_emoji_are_byte_level_tokens(string text, int[] expected) => Ids(text).Should().Equal(expected);

    [SkippableFact]
    public void A_decomposed_accent_is_composed_first()
    {
        Ids("cafe\u0301").Should().Equal(Ids("caf\u00e9"));
    }

    [SkippableFact]
    public void Html_entities_are_unescaped_even_twice_escaped()
    {
        var plain = Ids("a cat & a dog");
        plain.Should().Equal(49406, 320, 2368, 261, 320, 1929, 49407);
        Ids("a cat &amp; a dog").Should().Equal(plain);
        Ids("a cat &amp;amp; a dog").Should().Equal(plain);
        Ids("a &#99;at").Should().Equal(Ids("a cat"));
    }

    [SkippableFact]
    public void Case_whitespace_curly_quotes_and_full_width_letters_do_not_change_the_ids()
    {
        var plain = Ids("don't stop the dog");
        Ids("  DON\u2019T \t stop\n\nthe   Dog  ").Should().Equal(plain);
        Ids("\uff24\uff2f\uff27").Should().Equal(Ids("dog"));
        Ids("\ufb01sh").Should().Equal(Ids("fish"));
    }

    [SkippableFact]
    public void A_long_text_is_cut_to_77_and_still_ends_with_the_end_token()
    {
        var ids = Tokenizer.Encode(string.Join(' ', Enumerable.Repeat("photo", 200)));

        ids.Should().HaveCount(77);
        ids[0].Should().Be(ClipTokenizer.StartOfText);
        ids[76].Should().Be(ClipTokenizer.EndOfText);
        ids.Skip(1).Take(75).Should().OnlyContain(i => i == 1125);
        ClipTokenizer.EndPosition(ids).Should().Be(76);
    }

    [SkippableFact]
    public void A_text_of_exactly_75_tokens_fits_without_cutting()
    {
        var ids = Tokenizer.Encode(string.Join(' ', Enumerable.Repeat("cat", 75)));

        ids[75].Should().Be(2368);
        ids[76].Should().Be(ClipTokenizer.EndOfText);
    }

    [Fact]
    public void A_merges_file_too_short_for_clip_is_refused()
    {
        var act = () => ClipTokenizer.FromMerges("#version: 0.2\nt h\n", "short.txt");
        act.Should().Throw<InvalidDataException>().WithMessage("*merge lines*");
    }
}
