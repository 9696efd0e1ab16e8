using System.Buffers;
using MediaTagger.Media.Images;
using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Faces;

/// <summary>Faces found in one image, or the reason it could not be read.</summary>
public sealed record FaceDetectionResult(string Path, int ImageWidth, int ImageHeight, IReadOnlyList<DetectedFace> Faces, string? Error);

/// <summary>Tuning of the detector's post-processing.</summary>
public sealed record FaceDetectorSettings(float ScoreThreshold = 0.7f, float IouThreshold = 0.3f, int MaxFaces = 200);

/// <summary>
/// UltraFace (Ultra-Light-Fast-Generic-Face-Detector) over ONNX Runtime: the image is stretched to the model input
/// (320x240 for RFB-320) after EXIF rotation, normalized as (pixel-127)/128, and the model's normalized corner boxes
/// are filtered, suppressed and scaled back to the displayed image's pixels.
/// </summary>
public sealed class FaceDetector : IDisposable
{
    private readonly OnnxSession session;
    private readonly string inputName;
    private readonly string scoresName;
    private readonly string boxesName;
    private readonly bool dynamicBatch;
    private readonly int inputWidth;
    private readonly int inputHeight;

    public FaceDetector(string modelPath, OnnxSessionOptions? options = null)
    {
        session = OnnxSession.FromFile(modelPath, options);
        try
        {
            var input = session.Inputs[0];
            if (input.Shape.Length != 4 || input.ElementType != OnnxElementType.Float || (input.Shape[1] >= 0 && input.Shape[1] != 3))
            {
                throw new InvalidDataException($"{modelPath}: expected a float [N,3,H,W] input, found {input}");
            }

            inputName = input.Name;
            dynamicBatch = input.Shape[0] < 0;

            // RFB-320's published size is the fallback should a variant export height/width as symbolic.
            inputHeight = input.Shape[2] > 0 ? (int)input.Shape[2] : 240;
            inputWidth = input.Shape[3] > 0 ? (int)input.Shape[3] : 320;
            scoresName = RequireOutput(modelPath, "scores", 2);
            boxesName = RequireOutput(modelPath, "boxes", 4);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Where the model runs ("cpu", "cuda"), as ONNX Runtime reported it.</summary>
    public string Device => session.ProviderReport.Device;

    public int InputWidth => inputWidth;

    public int InputHeight => inputHeight;

    /// <summary>Detects faces in a batch of files; a file that cannot be decoded gets an error entry, the rest go on.</summary>
    public IReadOnlyList<FaceDetectionResult> Detect(IReadOnlyList<string> paths, FaceDetectorSettings? settings = null, CancellationToken cancellationToken = default)
    {
        settings ??= new FaceDetectorSettings();
        var results = new FaceDetectionResult?[paths.Count];
        var decoded = new RgbImage?[paths.Count];
        var sizes = new (int Width, int Height)[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            try
            {
                // Boxes are reported in display orientation, so the size must be the rotated one too.
                sizes[i] = VipsImaging.Probe(paths[i]).DisplaySize;
                decoded[i] = VipsImaging.Thumbnail(paths[i], inputWidth, inputHeight, ImageFit.Stretch);
            }
            catch (Exception ex) when (ex is Native.NativeEngineException or IOException or ArgumentException or UnauthorizedAccessException)
            {
                results[i] = new FaceDetectionResult(paths[i], 0, 0, [], ex.Message);
            }
        });

        var good = Enumerable.Range(0, paths.Count).Where(i => decoded[i] is not null).ToArray();
        var batch = dynamicBatch ? Math.Max(1, good.Length) : 1;
        for (var start = 0; start < good.Length; start += batch)
        {
            var chunk = good.AsSpan(start, Math.Min(batch, good.Length - start)).ToArray();
            IReadOnlyList<NormalizedDetection[]> raw;
            try
            {
                raw = Run(chunk.Select(i => decoded[i]!).ToArray(), cancellationToken);
            }
            catch (Exception ex) when (ex is Native.NativeEngineException or InvalidDataException)
            {
                // An inference failure costs only this chunk (one image on a fixed-batch model), not the batch.
                foreach (var i in chunk)
                {
                    results[i] = new FaceDetectionResult(paths[i], 0, 0, [], ex.Message);
                }

                continue;
            }

            for (var k = 0; k < chunk.Length; k++)
            {
                var i = chunk[k];
                var (w, h) = sizes[i];
                var faces = FaceGeometry.Suppress(raw[k], settings.ScoreThreshold, settings.IouThreshold, settings.MaxFaces)
                    .Select(d => new DetectedFace(FaceGeometry.ToPixels(d, w, h), d.Score)).ToArray();
                results[i] = new FaceDetectionResult(paths[i], w, h, faces, null);
            }
        }

        return results.Select(r => r!).ToArray();
    }

    /// <summary>Runs already-decoded images of the model's input size as one batch; returns every anchor's detection per image.</summary>
    public IReadOnlyList<NormalizedDetection[]> Run(IReadOnlyList<RgbImage> images, CancellationToken cancellationToken = default)
    {
        var plane = inputWidth * inputHeight * 3;
        var n = images.Count;
        if (n > 1 && !dynamicBatch)
        {
            throw new ArgumentException("the model takes one image per run", nameof(images));
        }

        var buffer = ArrayPool<float>.Shared.Rent(n * plane);
        try
        {
            for (var i = 0; i < n; i++)
            {
                PixelTensor.Write(images[i].Pixels, images[i].Width, images[i].Height, PixelNormalization.Centered127, buffer.AsSpan(i * plane, plane));
            }

            using var tensor = OnnxTensor.FromMemory(buffer.AsMemory(0, n * plane), n, 3, inputHeight, inputWidth);
            using var outputs = session.Run([new OnnxInput(inputName, tensor)], [scoresName, boxesName], cancellationToken);
            var scores = outputs.Span<float>(0);
            var boxes = outputs.Span<float>(1);
            var anchors = scores.Length / (2 * n);
            if (boxes.Length != anchors * 4 * n)
            {
                throw new InvalidDataException($"model output mismatch: {scores.Length} scores, {boxes.Length} box values for {n} image(s)");
            }

            var result = new NormalizedDetection[n][];
            for (var i = 0; i < n; i++)
            {
                var perImage = new NormalizedDetection[anchors];
                for (var a = 0; a < anchors; a++)
                {
                    var s = (i * anchors + a) * 2;
                    var b = (i * anchors + a) * 4;

                    // Index 1 is the face class (0 is background), already softmaxed by the exported graph.
                    perImage[a] = new NormalizedDetection(boxes[b], boxes[b + 1], boxes[b + 2], boxes[b + 3], scores[s + 1]);
                }

                result[i] = perImage;
            }

            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    public void Dispose() => session.Dispose();

    private string RequireOutput(string modelPath, string name, int lastDimension)
    {
        var output = session.Outputs.FirstOrDefault(o => o.Name == name)
            ?? throw new InvalidDataException($"{modelPath}: no '{name}' output (found {string.Join(", ", session.Outputs.Select(o => o.Name))})");
        if (output.ElementType != OnnxElementType.Float || output.Shape.Length != 3 || output.Shape[2] != lastDimension)
        {
            throw new InvalidDataException($"{modelPath}: expected '{name}' float [N,anchors,{lastDimension}], found {output}");
        }

        return output.Name;
    }
}
