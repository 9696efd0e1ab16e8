using System.Buffers;
using MediaTagger.Native.Onnx;

namespace MediaTagger.Stages.Clip;

/// <summary>One image's unit-length CLIP embedding, or why it could not be read.</summary>
public sealed record ClipImageEmbedding(string Path, float[]? Vector, string? Error);

/// <summary>
/// CLIP's vision tower over ONNX Runtime: the transformers export (Xenova: pixel_values [N,3,224,224] float or float16 to
/// image_embeds [N,D]) or open_clip's (immich: image to embedding). Input and output are found by the session's names
/// and shapes; embeddings are L2-normalized here whether or not the export does it. Images of a call are decoded and
/// prepared in parallel and run as one batch when the batch axis is dynamic.
/// </summary>
public sealed class ClipImageEncoder : IDisposable
{
    private static readonly string[] OutputNames = ["image_embeds", "embedding", "embeddings", "image_features"];
    private readonly OnnxSession session;
    private readonly OnnxTensorInfo input;
    private readonly string outputName;
    private readonly bool dynamicBatch;

    public ClipImageEncoder(string modelPath, OnnxSessionOptions? options = null)
    {
        session = OnnxSession.FromFile(modelPath, options);
        try
        {
            input = session.Inputs.FirstOrDefault(i => i.Shape.Length == 4 && i.ElementType is OnnxElementType.Float or OnnxElementType.Float16)
                ?? throw new InvalidDataException($"{modelPath}: no float [N,3,H,W] image input (has {string.Join(", ", session.Inputs)})");
            outputName = (OutputNames.Select(n => session.Outputs.FirstOrDefault(o => o.Name == n)).FirstOrDefault(o => o is not null)
                ?? session.Outputs.FirstOrDefault(o => o.Shape.Length == 2)
                ?? throw new InvalidDataException($"{modelPath}: no [N,D] embedding output (has {string.Join(", ", session.Outputs)})")).Name;
            Size = input.Shape[2] > 0 ? (int)input.Shape[2] : ClipPreprocessing.DefaultSize;
            dynamicBatch = input.Shape[0] < 0;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The square input side (224 for ViT-B/32 and ViT-L/14).</summary>
    public int Size { get; }

    /// <summary>Where the model runs ("cpu", "cuda"), as ONNX Runtime reported it.</summary>
    public string Device => session.ProviderReport.Device;

    /// <summary>
    /// Embeds image files; a file that cannot be decoded gets an error entry and the rest go on. Files are decoded,
    /// resized and normalized in parallel straight into the batch tensor, then run as one batch (when the batch axis
    /// is dynamic).
    /// </summary>
    public IReadOnlyList<ClipImageEmbedding> Embed(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var plane = Size * Size * 3;
        var errors = new string?[paths.Count];
        var buffer = ArrayPool<float>.Shared.Rent(Math.Max(1, paths.Count) * plane);
        try
        {
            Parallel.For(0, paths.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                try
                {
                    ClipPreprocessing.Write(ClipPreprocessing.Load(paths[i], Size), Size, buffer.AsSpan(i * plane, plane));
                }
                catch (Exception ex) when (ex is Native.NativeEngineException or IOException or ArgumentException or UnauthorizedAccessException)
                {
                    errors[i] = ex.Message;
                }
            });

            // The decodable images move up to close the gaps the others left, keeping their order.
            var good = Enumerable.Range(0, paths.Count).Where(i => errors[i] is null).ToArray();
            for (var k = 0; k < good.Length; k++)
            {
                if (good[k] != k)
                {
                    buffer.AsSpan(good[k] * plane, plane).CopyTo(buffer.AsSpan(k * plane, plane));
                }
            }

            var results = new ClipImageEmbedding[paths.Count];
            var batch = dynamicBatch ? Math.Max(1, good.Length) : 1;
            for (var start = 0; start < good.Length; start += batch)
            {
                var n = Math.Min(batch, good.Length - start);
                var vectors = RunTensor(buffer.AsMemory(start * plane, n * plane), n, cancellationToken);
                for (var k = 0; k < n; k++)
                {
                    results[good[start + k]] = new ClipImageEmbedding(paths[good[start + k]], vectors[k], null);
                }
            }

            for (var i = 0; i < paths.Count; i++)
            {
                results[i] ??= new ClipImageEmbedding(paths[i], null, errors[i] ?? "not decoded");
            }

            return results;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Runs an already normalized [n,3,size,size] tensor; returns one unit vector per image.</summary>
    public float[][] RunTensor(Memory<float> pixels, int n, CancellationToken cancellationToken = default)
    {
        if (input.ElementType == OnnxElementType.Float16)
        {
            var half = new Half[pixels.Length];
            var source = pixels.Span;
            for (var i = 0; i < half.Length; i++)
            {
                half[i] = (Half)source[i];
            }

            using var halfTensor = OnnxTensor.FromMemory(half.AsMemory(), n, 3, Size, Size);
            return Outputs(halfTensor, n, cancellationToken);
        }

        using var tensor = OnnxTensor.FromMemory(pixels, n, 3, Size, Size);
        return Outputs(tensor, n, cancellationToken);
    }

    private float[][] Outputs(OnnxTensor tensor, int n, CancellationToken cancellationToken)
    {
        using var outputs = session.Run([new OnnxInput(input.Name, tensor)], [outputName], cancellationToken);
        return ClipOutputs.UnitRows(outputs, 0, n);
    }

    public void Dispose() => session.Dispose();
}

/// <summary>Reads an [N,D] embedding output (float or float16) as N unit-length rows.</summary>
internal static class ClipOutputs
{
    public static float[][] UnitRows(OnnxOutputs outputs, int index, int n)
    {
        var shape = outputs.Shape(index);
        if (shape.Length != 2 || shape[0] != n)
        {
            throw new InvalidDataException($"the embedding output has shape [{string.Join(",", shape)}], [{n},D] expected");
        }

        var dim = (int)shape[1];
        var rows = new float[n][];
        if (outputs.ElementType(index) == OnnxElementType.Float16)
        {
            var data = outputs.Span<Half>(index);
            for (var r = 0; r < n; r++)
            {
                rows[r] = new float[dim];
                for (var d = 0; d < dim; d++)
                {
                    rows[r][d] = (float)data[(r * dim) + d];
                }
            }
        }
        else
        {
            var data = outputs.Span<float>(index);
            for (var r = 0; r < n; r++)
            {
                rows[r] = data.Slice(r * dim, dim).ToArray();
            }
        }

        foreach (var row in rows)
        {
            ClipEmbeddings.Normalize(row);
        }

        return rows;
    }
}
