using MediaTagger.Stages.Ocr;

namespace MediaTagger.Tests.Stages;

public sealed class OcrCtcTests
{
    // Classes: 0 blank, 1 'a', 2 'b', 3 'c', 4 space.
    private static readonly CtcCharset Charset = new(["a", "b", "c"]);

    private static float[] OneHot(params int[] classes)
    {
        var scores = new float[classes.Length * Charset.ClassCount];
        for (var t = 0; t < classes.Length; t++)
        {
            scores[(t * Charset.ClassCount) + classes[t]] = 1f;
        }

        return scores;
    }

    [Fact]
    public void Charset_puts_the_blank_first_and_the_space_last()
    {
        Charset.ClassCount.Should().Be(5);
        Charset.Symbol(0).Should().BeEmpty();
        Charset.Symbol(1).Should().Be("a");
        Charset.Symbol(3).Should().Be("c");
        Charset.Symbol(4).Should().Be(" ");
        var act = () => Charset.Symbol(5);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Charset_loads_dictionary_lines_keeping_punctuation_and_dropping_line_endings()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "'\r\n,\nx\n");
            var charset = CtcCharset.Load(path);
            charset.ClassCount.Should().Be(5);
            charset.Symbol(1).Should().Be("'");
            charset.Symbol(2).Should().Be(",");
            charset.Symbol(3).Should().Be("x");
            charset.Symbol(4).Should().Be(" ");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Repeats_collapse_and_blanks_drop()
    {
        var result = CtcDecoder.Decode(OneHot(0, 1, 1, 0, 2, 2, 2, 0, 0, 3), 10, Charset.ClassCount, Charset);
        result.Text.Should().Be("abc");
        result.Confidence.Should().BeApproximately(1f, 1e-6f);
    }

    [Fact]
    public void A_blank_between_equal_classes_keeps_both_characters()
    {
        var result = CtcDecoder.Decode(OneHot(1, 0, 1, 4, 2), 5, Charset.ClassCount, Charset);
        result.Text.Should().Be("aa b");
    }

    [Fact]
    public void All_blanks_decode_to_nothing_with_zero_confidence()
    {
        var result = CtcDecoder.Decode(OneHot(0, 0, 0), 3, Charset.ClassCount, Charset);
        result.Text.Should().BeEmpty();
        result.Confidence.Should().Be(0f);
    }

    [Fact]
    public void Confidence_is_the_mean_of_the_emitted_characters_maximum_probabilities()
    {
        float[] scores =
        [
            0.1f, 0.8f, 0.05f, 0.05f, 0f, // 'a' at 0.8
            0.1f, 0.7f, 0.1f, 0.1f, 0f,   // repeat of 'a': not emitted again
            0.9f, 0.1f, 0f, 0f, 0f,       // blank
            0.2f, 0f, 0f, 0.6f, 0.2f,     // 'c' at 0.6
        ];
        var result = CtcDecoder.Decode(scores, 4, Charset.ClassCount, Charset);
        result.Text.Should().Be("ac");
        result.Confidence.Should().BeApproximately(0.7f, 1e-5f);
    }

    [Fact]
    public void Logits_are_softmaxed_for_the_confidence()
    {
        float[] logits = [0f, 2f, 0f, 0f, 0f];
        var result = CtcDecoder.Decode(logits, 1, Charset.ClassCount, Charset);
        result.Text.Should().Be("a");
        var expected = MathF.Exp(2f) / (MathF.Exp(2f) + 4f);
        result.Confidence.Should().BeApproximately(expected, 1e-5f);
    }

    [Fact]
    public void Reading_order_is_rows_top_to_bottom_then_left_to_right()
    {
        var lines = new[]
        {
            new OcrLine("second", 1f, new OcrBox(10, 50, 100, 20)),
            new OcrLine("right", 1f, new OcrBox(200, 12, 80, 20)),
            new OcrLine("left", 1f, new OcrBox(10, 10, 80, 20)),
        };
        OcrReader.ReadingOrder(lines).Select(l => l.Text).Should().Equal("left", "right", "second");
    }

    [Fact]
    public void Detector_input_is_bounded_and_a_multiple_of_32()
    {
        TextDetector.InputSize(4000, 3000, 960).Should().Be((960, 704));
        TextDetector.InputSize(300, 34, 960).Should().Be((896, 96));
        TextDetector.InputSize(384, 191, 960).Should().Be((960, 480));
    }

    [Fact]
    public void Post_processing_finds_a_confident_block_and_grows_it_back()
    {
        const int w = 64, h = 32;
        var map = new float[w * h];
        for (var y = 10; y < 20; y++)
        {
            for (var x = 10; x < 50; x++)
            {
                map[(y * w) + x] = 0.9f;
            }
        }

        map[(2 * w) + 60] = 0.5f; // a lone weak pixel: below the minimum size
        var found = TextDetector.PostProcess(map, w, h, w * 2, h * 2, new TextDetectorOptions());
        found.Should().ContainSingle();
        var box = found[0].Box;
        found[0].Score.Should().BeApproximately(0.9f, 1e-4f);
        // 40x10 grows by 400 * 1.5 / 100 = 6 map pixels per side, then scales by 2.
        box.Should().Be(new OcrBox(8, 8, 104, 44));
    }
}
