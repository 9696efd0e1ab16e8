using MediaTagger.Native.Llama;

namespace MediaTagger.Tests.Native;

/// <summary>The binding's greedy pick must be the token llama.cpp's greedy sampler would pick.</summary>
public class LlamaGreedyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(33)]
    [InlineData(32000)]
    public void The_largest_logit_wins_wherever_it_lies(int length)
    {
        var random = new Random(length);
        var logits = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
        var expected = Array.IndexOf(logits, logits.Max());

        LlamaSampler.ArgMax(logits).Should().Be(expected);
    }

    [Fact]
    public void Of_equal_largest_logits_the_first_wins()
    {
        var logits = new float[100];
        logits[3] = 5;
        logits[40] = 5;
        logits[99] = 5;

        LlamaSampler.ArgMax(logits).Should().Be(3);
    }

    [Fact]
    public void All_negative_logits_still_pick_the_largest()
    {
        var logits = Enumerable.Range(0, 50).Select(i => -100f - i).ToArray();
        logits[47] = -1;

        LlamaSampler.ArgMax(logits).Should().Be(47);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(70)]
    public void A_nan_logit_is_left_to_the_native_sampler(int at)
    {
        var logits = new float[72];
        logits[at] = float.NaN;

        LlamaSampler.ArgMax(logits).Should().Be(-1);
    }
}
