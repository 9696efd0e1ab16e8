using System.Buffers;
using System.Text.Json;
using MediaTagger.Media.Images;
using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.ImageNet;

/// <summary>One ImageNet class with its softmax probability.</summary>
public sealed record ImageLabel(string Label, int ClassIndex, float Score);

/// <summary>Top-k labels for one image, or the reason it could not be classified.</summary>
public sealed record ImageNetResult(string Path, IReadOnlyList<ImageLabel> Labels, string? Error);

/// <summary>
/// A 1000-class ImageNet classifier (MobileNetV2 and friends): 224x224 centre crop, torchvision normalisation,
/// softmax over logits. Images of a batch are decoded in parallel and run as one tensor.
/// </summary>
public sealed class ImageNetClassifier : IDisposable
{
    public const int InputSize = 224;
    private readonly OnnxSession session;
    private readonly string[] labels;
    private readonly string inputName;
    private readonly string outputName;
    private readonly bool dynamicBatch;

    public ImageNetClassifier(string modelPath, string labelsPath, OnnxSessionOptions? options = null)
    {
        labels = JsonSerializer.Deserialize<string[]>(File.ReadAllText(labelsPath))
            ?? throw new InvalidDataException($"{labelsPath} holds no label list");
        session = OnnxSession.FromFile(modelPath, options);
        var input = session.Inputs[0];
        if (input.Shape.Length != 4 || input.ElementType != OnnxElementType.Float)
        {
            throw new InvalidDataException($"{modelPath}: expected a float [N,3,224,224] input, found {input}");
        }

        inputName = input.Name;
        outputName = session.Outputs[0].Name;
        dynamicBatch = input.Shape[0] < 0;
        if (labels.Length != 1000)
        {
            throw new InvalidDataException($"{labelsPath} has {labels.Length} labels, 1000 expected");
        }
    }

    /// <summary>Where the model runs ("cpu", "cuda"), as ONNX Runtime reported it.</summary>
    public string Device => session.ProviderReport.Device;

    public OnnxSession Session => session;

    /// <summary>Classifies a batch of image files; a file that cannot be decoded gets an error entry, the rest go on.</summary>
    public IReadOnlyList<ImageNetResult> Classify(IReadOnlyList<string> paths, int topK = 5, CancellationToken cancellationToken = default)
    {
        var results = new ImageNetResult?[paths.Count];
        var decoded = new RgbImage?[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            try
            {
                decoded[i] = VipsImaging.Thumbnail(paths[i], InputSize, InputSize, ImageFit.Crop);
            }
            catch (Exception ex) when (ex is Native.NativeEngineException or IOException or ArgumentException)
            {
                results[i] = new ImageNetResult(paths[i], [], ex.Message);
            }
        });

        var good = Enumerable.Range(0, paths.Count).Where(i => decoded[i] is not null).ToArray();
        var batch = dynamicBatch ? Math.Max(1, good.Length) : 1;
        for (var start = 0; start < good.Length; start += batch)
        {
            var chunk = good.AsSpan(start, Math.Min(batch, good.Length - start)).ToArray();
            var scores = Run(chunk.Select(i => decoded[i]!).ToArray(), cancellationToken);
            for (var k = 0; k < chunk.Length; k++)
            {
                results[chunk[k]] = new ImageNetResult(paths[chunk[k]], TopK(scores.AsSpan(k * 1000, 1000), topK), null);
            }
        }

        return results.Select(r => r!).ToArray();
    }

    /// <summary>Runs already-decoded 224x224 images as one batch; returns softmax probabilities [n * 1000].</summary>
    public float[] Run(IReadOnlyList<RgbImage> images, CancellationToken cancellationToken = default)
    {
        const int plane = InputSize * InputSize * 3;
        var n = images.Count;
        var buffer = ArrayPool<float>.Shared.Rent(n * plane);
        try
        {
            for (var i = 0; i < n; i++)
            {
                PixelTensor.Write(images[i].Pixels, images[i].Width, images[i].Height, PixelNormalization.ImageNet, buffer.AsSpan(i * plane, plane));
            }

            using var tensor = OnnxTensor.FromMemory(buffer.AsMemory(0, n * plane), n, 3, InputSize, InputSize);
            using var outputs = session.Run([new OnnxInput(inputName, tensor)], [outputName], cancellationToken);
            var logits = outputs.Span<float>(0);
            var probabilities = new float[n * 1000];
            for (var i = 0; i < n; i++)
            {
                Softmax(logits.Slice(i * 1000, 1000), probabilities.AsSpan(i * 1000, 1000));
            }

            return probabilities;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private ImageLabel[] TopK(ReadOnlySpan<float> probabilities, int k)
    {
        var indices = new int[probabilities.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            indices[i] = i;
        }

        var p = probabilities.ToArray();
        Array.Sort(indices, (x, y) => p[y].CompareTo(p[x]));
        return indices.Take(k).Select(i => new ImageLabel(labels[i], i, p[i])).ToArray();
    }

    private static void Softmax(ReadOnlySpan<float> logits, Span<float> output)
    {
        var max = float.MinValue;
        foreach (var v in logits)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            output[i] = MathF.Exp(logits[i] - max);
            sum += output[i];
        }

        for (var i = 0; i < output.Length; i++)
        {
            output[i] = (float)(output[i] / sum);
        }
    }

    public void Dispose() => session.Dispose();
}
