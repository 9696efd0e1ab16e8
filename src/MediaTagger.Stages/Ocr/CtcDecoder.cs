namespace MediaTagger.Stages.Ocr;

/// <summary>
/// The recognizer's character set: class 0 is the CTC blank, classes 1..n are the dictionary's lines in order, and
/// the last class is a space (PaddleOCR appends it when "use_space_char" is on, as the v4 models were trained).
/// </summary>
public sealed class CtcCharset
{
    private readonly string[] symbols;

    public CtcCharset(IEnumerable<string> lines)
    {
        // Blank first and space last, so a class index maps straight into the array.
        symbols = [string.Empty, .. lines, " "];
    }

    /// <summary>Number of classes the model must output (blank + dictionary + space).</summary>
    public int ClassCount => symbols.Length;

    public static CtcCharset Load(string path)
    {
        // Lines are single characters; only line endings are stripped because some entries are punctuation.
        var lines = File.ReadAllText(path).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return new CtcCharset(lines);
    }

    /// <summary>The text of class <paramref name="index"/>; the blank is empty.</summary>
    public string Symbol(int index) => (uint)index < (uint)symbols.Length
        ? symbols[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"class {index} is outside the {symbols.Length}-class dictionary");
}

/// <summary>Decoded text of one line and the mean probability of its emitted characters.</summary>
public sealed record CtcResult(string Text, float Confidence);

/// <summary>Greedy (best-path) CTC decoding: argmax per time step, collapse repeats, drop blanks.</summary>
public static class CtcDecoder
{
    /// <summary>
    /// Decodes a [steps, classes] row-major matrix of per-step class probabilities. Logits are accepted too: a step
    /// that is not a distribution is softmaxed first, so the confidence stays a probability.
    /// </summary>
    public static CtcResult Decode(ReadOnlySpan<float> scores, int steps, int classes, CtcCharset dictionary)
    {
        if (scores.Length < steps * classes)
        {
            throw new ArgumentException($"expected {steps * classes} scores, got {scores.Length}", nameof(scores));
        }

        var text = new System.Text.StringBuilder();
        double sum = 0;
        var emitted = 0;
        var previous = -1;
        for (var t = 0; t < steps; t++)
        {
            var row = scores.Slice(t * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            // A repeat of the previous step's class is the same character held, unless a blank separated them.
            if (best != 0 && best != previous)
            {
                text.Append(dictionary.Symbol(best));
                sum += Probability(row, best);
                emitted++;
            }

            previous = best;
        }

        return new CtcResult(text.ToString(), emitted == 0 ? 0f : (float)(sum / emitted));
    }

    private static float Probability(ReadOnlySpan<float> row, int index)
    {
        var total = 0.0;
        var isDistribution = true;
        foreach (var v in row)
        {
            total += v;
            isDistribution &= v >= 0f && v <= 1f;
        }

        if (isDistribution && Math.Abs(total - 1.0) < 1e-2)
        {
            return row[index];
        }

        var max = float.MinValue;
        foreach (var v in row)
        {
            max = Math.Max(max, v);
        }

        double expSum = 0;
        foreach (var v in row)
        {
            expSum += Math.Exp(v - max);
        }

        return (float)(Math.Exp(row[index] - max) / expSum);
    }
}
