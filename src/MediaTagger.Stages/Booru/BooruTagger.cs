using System.Buffers;
using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Booru;

/// <summary>Every label's probability for one image, or why the image could not be tagged.</summary>
public sealed record BooruScores(string Path, float[]? Probabilities, string? Error);

/// <summary>
/// A booru tagger's ONNX model: one NHWC float32 input [N, side, side, 3] (named "input_1:0" in the WD14 v2 exports,
/// "input" in v3, "input_1" in the DeepDanbooru exports: read from the model, not assumed), one output [N, T] of
/// sigmoid probabilities in the order of the tag file (the exports end in a sigmoid: no activation is applied here).
/// The side is read from the input's shape (448 for WD14, 512 for DeepDanbooru). Images of a batch are decoded in
/// parallel and run as one tensor when the batch dimension is dynamic.
/// </summary>
public sealed class BooruTagger : IDisposable
{
    private readonly OnnxSession session;
    private readonly string inputName;
    private readonly string outputName;
    private readonly bool dynamicBatch;

    public BooruTagger(string modelPath, BooruLabels labels, BooruPreprocess preprocess, OnnxSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Labels = labels;
        Preprocess = preprocess;
        session = OnnxSession.FromFile(modelPath, options);
        try
        {
            var input = session.Inputs[0];
            if (input.ElementType != OnnxElementType.Float || input.Shape.Length != 4 || input.Shape[3] != 3 || input.Shape[1] <= 0 || input.Shape[1] != input.Shape[2])
            {
                throw new InvalidDataException($"{modelPath}: a booru tagger takes one float [N,side,side,3] (NHWC) input; this model's is {input}");
            }

            var output = session.Outputs[0];
            if (output.ElementType != OnnxElementType.Float || output.Shape.Length != 2 || (output.Shape[1] > 0 && output.Shape[1] != labels.Count))
            {
                throw new InvalidDataException($"{modelPath}: expected a float [N,{labels.Count}] output (one probability per tag of the tag file), found {output}");
            }

            inputName = input.Name;
            outputName = output.Name;
            Side = (int)input.Shape[1];
            dynamicBatch = input.Shape[0] < 0;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public BooruLabels Labels { get; }

    public BooruPreprocess Preprocess { get; }

    /// <summary>The model's input side in pixels (448 for WD14, 512 for DeepDanbooru).</summary>
    public int Side { get; }

    /// <summary>Where the model runs ("cpu", "cuda"), as ONNX Runtime reported it.</summary>
    public string Device => session.ProviderReport.Device;

    /// <summary>Scores a batch of image files; a file that cannot be decoded gets an error entry, the rest go on.</summary>
    public IReadOnlyList<BooruScores> Score(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        var results = new BooruScores?[paths.Count];
        var prepared = new RgbImage?[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            try
            {
                prepared[i] = BooruImages.Prepare(paths[i], Side, Preprocess);
            }
            catch (Exception ex) when (ex is Native.NativeEngineException or IOException or ArgumentException or UnauthorizedAccessException)
            {
                results[i] = new BooruScores(paths[i], null, $"the image cannot be decoded: {ex.Message}");
            }
        });

        var good = Enumerable.Range(0, paths.Count).Where(i => prepared[i] is not null).ToArray();
        var batch = dynamicBatch ? Math.Max(1, good.Length) : 1;
        for (var start = 0; start < good.Length; start += batch)
        {
            var chunk = good.AsSpan(start, Math.Min(batch, good.Length - start)).ToArray();
            var probabilities = Run(chunk.Select(i => prepared[i]!).ToArray(), cancellationToken);
            for (var k = 0; k < chunk.Length; k++)
            {
                results[chunk[k]] = new BooruScores(paths[chunk[k]], probabilities.AsSpan(k * Labels.Count, Labels.Count).ToArray(), null);
            }
        }

        return results.Select(r => r!).ToArray();
    }

    /// <summary>Runs prepared side x side images as one batch; returns the probabilities [n * T].</summary>
    public float[] Run(IReadOnlyList<RgbImage> images, CancellationToken cancellationToken = default)
    {
        var plane = Side * Side * 3;
        var n = images.Count;
        var buffer = ArrayPool<float>.Shared.Rent(n * plane);
        try
        {
            var normalization = BooruImages.Normalization(Preprocess);
            for (var i = 0; i < n; i++)
            {
                Media.Images.PixelTensor.Write(images[i].Pixels, images[i].Width, images[i].Height, normalization, buffer.AsSpan(i * plane, plane));
            }

            using var tensor = OnnxTensor.FromMemory(buffer.AsMemory(0, n * plane), n, Side, Side, 3);
            using var outputs = session.Run([new OnnxInput(inputName, tensor)], [outputName], cancellationToken);
            var shape = outputs.Shape(0);
            if (shape.Length != 2 || shape[0] != n || shape[1] != Labels.Count)
            {
                throw new InvalidDataException($"the model returned [{string.Join(",", shape)}] for {n} image(s); [{n},{Labels.Count}] expected");
            }

            return outputs.Span<float>(0).ToArray();
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    public void Dispose() => session.Dispose();
}
