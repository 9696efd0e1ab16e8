using System.Collections.Concurrent;

namespace MediaTagger.Stages.Clip;

/// <summary>One zero-shot label with its probability.</summary>
public sealed record ClipLabel(string Label, float Score);

/// <summary>
/// Zero-shot classification as in OpenAI's CLIP recipe: each label's text embedding is the mean of its prompts
/// ("a photo of a {}." for every template) re-normalized, and an image's scores are softmax(logitScale x cosine) over
/// the labels. Label sets are cached per text model, labels and templates for the life of the process (a model host
/// computes them once, not per batch), and, given a cache folder, on disk across processes: a file named by the sha256
/// of the text model's checksum, the labels and the templates, holding the label vectors as little-endian float32.
/// </summary>
public sealed class ClipZeroShot
{
    /// <summary>Prompt templates from OpenAI's ImageNet ensemble that suit everyday photos.</summary>
    public static IReadOnlyList<string> DefaultTemplates { get; } =
    [
        "a photo of a {}.",
        "a blurry photo of a {}.",
        "a close-up photo of a {}.",
        "a bright photo of a {}.",
        "a cropped photo of a {}.",
        "a photo of the large {}.",
        "a photo of the small {}.",
    ];

    private static readonly ConcurrentDictionary<string, float[][]> Cache = new(StringComparer.Ordinal);

    private ClipZeroShot(IReadOnlyList<string> labels, float[][] embeddings)
    {
        Labels = labels;
        Embeddings = embeddings;
    }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>One unit vector per label.</summary>
    public IReadOnlyList<float[]> Embeddings { get; }

    /// <summary>Where the label embeddings came from: "memory", "disk" or "computed".</summary>
    public string Source { get; private init; } = "computed";

    /// <summary>
    /// The label set's embeddings: from the process's cache when this text model (by checksum) already made them, else
    /// from <paramref name="cacheDirectory"/> when it holds them, else computed (and written there; a folder that cannot
    /// be written only costs the next process the computation).
    /// </summary>
    public static ClipZeroShot For(ClipTextEncoder text, string textModelSha256, IReadOnlyList<string> labels, IReadOnlyList<string> templates,
        string? cacheDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(templates);
        var key = textModelSha256 + "\u0001" + string.Join('\u0002', labels) + "\u0001" + string.Join('\u0002', templates);
        if (Cache.TryGetValue(key, out var cached))
        {
            return new ClipZeroShot(labels, cached) { Source = "memory" };
        }

        var file = cacheDirectory is null ? null
            : Path.Combine(cacheDirectory, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))) + ".bin");
        if (file is not null && ReadCache(file, labels.Count) is { } stored)
        {
            Cache.TryAdd(key, stored);
            return new ClipZeroShot(labels, stored) { Source = "disk" };
        }

        var prompts = labels.SelectMany(l => templates.Select(t => Prompt(t, l))).ToArray();
        var vectors = text.Embed(prompts, cancellationToken);
        var embeddings = new float[labels.Count][];
        for (var l = 0; l < labels.Count; l++)
        {
            var mean = new float[vectors[0].Length];
            for (var t = 0; t < templates.Count; t++)
            {
                var v = vectors[(l * templates.Count) + t];
                for (var d = 0; d < mean.Length; d++)
                {
                    mean[d] += v[d];
                }
            }

            ClipEmbeddings.Normalize(mean);
            embeddings[l] = mean;
        }

        Cache.TryAdd(key, embeddings);
        if (file is not null)
        {
            WriteCache(file, embeddings);
        }

        return new ClipZeroShot(labels, embeddings);
    }

    /// <summary>Empties the process's cache (tests: as if a new model host started).</summary>
    internal static void ForgetInMemory() => Cache.Clear();

    private static float[][]? ReadCache(string file, int count)
    {
        try
        {
            if (!File.Exists(file) || count == 0)
            {
                return null;
            }

            var all = Core.Stages.StageEmbedding.FromBytes(File.ReadAllBytes(file));
            if (all.Length == 0 || all.Length % count != 0)
            {
                return null;
            }

            var dim = all.Length / count;
            return Enumerable.Range(0, count).Select(i => all.AsSpan(i * dim, dim).ToArray()).ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static void WriteCache(string file, float[][] embeddings)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var bytes = new Core.Stages.StageEmbedding("", "", embeddings.SelectMany(e => e).ToArray()).ToBytes();
            var temp = file + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, file, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only model folder: the next process computes the labels again.
        }
    }

    /// <summary>A template with the label in place of "{}" (a template without "{}" gets the label after it).</summary>
    public static string Prompt(string template, string label)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Contains("{}", StringComparison.Ordinal) ? template.Replace("{}", label, StringComparison.Ordinal) : template + " " + label;
    }

    /// <summary>Softmax over labels of logitScale x cosine, best first: the top <paramref name="topK"/> scoring at least <paramref name="threshold"/>.</summary>
    public IReadOnlyList<ClipLabel> Classify(ReadOnlySpan<float> image, double logitScale, int topK, double threshold)
    {
        var logits = new double[Labels.Count];
        var max = double.MinValue;
        for (var i = 0; i < logits.Length; i++)
        {
            logits[i] = logitScale * ClipEmbeddings.Dot(image, Embeddings[i]);
            max = Math.Max(max, logits[i]);
        }

        var sum = 0.0;
        for (var i = 0; i < logits.Length; i++)
        {
            logits[i] = Math.Exp(logits[i] - max);
            sum += logits[i];
        }

        return Enumerable.Range(0, logits.Length)
            .Select(i => new ClipLabel(Labels[i], (float)(logits[i] / sum)))
            .OrderByDescending(l => l.Score)
            .Where(l => l.Score >= threshold)
            .Take(topK)
            .ToArray();
    }
}
