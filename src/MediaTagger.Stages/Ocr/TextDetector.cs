using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Ocr;

/// <summary>A detected text region in original image coordinates, with the mean text probability inside it.</summary>
public sealed record DetectedText(OcrBox Box, float Score);

/// <summary>Thresholds of the DB post-processing (PaddleOCR's published defaults).</summary>
public sealed record TextDetectorOptions(int MaxSide = 960, float Threshold = 0.3f, float BoxThreshold = 0.6f, float UnclipRatio = 1.5f, int MinSize = 3);

/// <summary>
/// PaddleOCR's DB text detector: the image resized so both sides are multiples of 32 (longer side at most
/// <see cref="TextDetectorOptions.MaxSide"/>), ImageNet-normalised; the probability map is binarised, split into
/// connected components, and each confident component's box is grown back to the full text extent.
/// </summary>
public sealed class TextDetector : IDisposable
{
    private readonly OnnxSession session;
    private readonly string inputName;
    private readonly string outputName;
    private readonly TextDetectorOptions options;

    public TextDetector(string modelPath, TextDetectorOptions? options = null, OnnxSessionOptions? sessionOptions = null)
    {
        this.options = options ?? new TextDetectorOptions();
        session = OnnxSession.FromFile(modelPath, sessionOptions);
        inputName = session.Inputs[0].Name;
        outputName = session.Outputs[0].Name;
    }

    public const double MaxUpscale = 3.0;

    public string Device => session.ProviderReport.Device;

    public IReadOnlyList<DetectedText> Detect(RgbImage image, CancellationToken cancellationToken = default)
    {
        var (width, height) = InputSize(image.Width, image.Height, options.MaxSide);
        var resized = VipsImaging.CropResize(image, 0, 0, image.Width, image.Height, width, height);
        var data = new float[3 * width * height];
        Media.Images.PixelTensor.Write(resized.Pixels, width, height, OcrTensors.ImageNetBgr, data);
        using var tensor = OnnxTensor.FromMemory(data.AsMemory(), 1, 3, height, width);
        using var outputs = session.Run([new OnnxInput(inputName, tensor)], [outputName], cancellationToken);
        var shape = outputs.Shape(0);
        var mapHeight = (int)shape[^2];
        var mapWidth = (int)shape[^1];
        return PostProcess(outputs.Span<float>(0)[..(mapWidth * mapHeight)], mapWidth, mapHeight, image.Width, image.Height, options);
    }

    /// <summary>
    /// Model input size: the longer side brought to <paramref name="maxSide"/>, each side rounded to a multiple of 32.
    /// Small images are enlarged (at most <see cref="MaxUpscale"/> times) because DB misses text only a few map
    /// pixels tall, as in screenshots of a single line or low-resolution scans.
    /// </summary>
    public static (int Width, int Height) InputSize(int width, int height, int maxSide)
    {
        var scale = Math.Min(MaxUpscale, (double)maxSide / Math.Max(width, height));
        return (RoundTo32(width * scale), RoundTo32(height * scale));

        static int RoundTo32(double v) => Math.Max(32, (int)Math.Round(v / 32) * 32);
    }

    /// <summary>
    /// DB post-processing on a [mapHeight, mapWidth] probability map: threshold, 8-connected components, axis-aligned
    /// boxes scored by their mean probability, expanded by area * ratio / perimeter, scaled to the original image.
    /// </summary>
    public static IReadOnlyList<DetectedText> PostProcess(ReadOnlySpan<float> map, int mapWidth, int mapHeight, int imageWidth, int imageHeight, TextDetectorOptions options)
    {
        var labels = new int[mapWidth * mapHeight];
        var stack = new Stack<int>();
        var found = new List<DetectedText>();
        var sx = (double)imageWidth / mapWidth;
        var sy = (double)imageHeight / mapHeight;
        var next = 0;
        for (var start = 0; start < labels.Length; start++)
        {
            if (labels[start] != 0 || map[start] <= options.Threshold)
            {
                continue;
            }

            next++;
            labels[start] = next;
            stack.Push(start);
            int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1, count = 0;
            double sum = 0;
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                int x = p % mapWidth, y = p / mapWidth;
                sum += map[p];
                count++;
                minX = Math.Min(minX, x);
                maxX = Math.Max(maxX, x);
                minY = Math.Min(minY, y);
                maxY = Math.Max(maxY, y);
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= mapWidth || ny >= mapHeight)
                        {
                            continue;
                        }

                        var q = (ny * mapWidth) + nx;
                        if (labels[q] == 0 && map[q] > options.Threshold)
                        {
                            labels[q] = next;
                            stack.Push(q);
                        }
                    }
                }
            }

            int w = maxX - minX + 1, h = maxY - minY + 1;
            if (Math.Min(w, h) < options.MinSize)
            {
                continue;
            }

            // Scored over the component's own pixels rather than its axis-aligned box: DB scores a rotated box that
            // hugs the kernel, and a slightly skewed line would otherwise be diluted by the background its box takes in.
            var score = (float)(sum / count);
            if (score < options.BoxThreshold)
            {
                continue;
            }

            // DB predicts a shrunk text kernel; growing by area * ratio / perimeter undoes the training-time shrink.
            var distance = w * h * options.UnclipRatio / (2.0 * (w + h));
            var left = Math.Clamp((int)Math.Floor((minX - distance) * sx), 0, imageWidth - 1);
            var top = Math.Clamp((int)Math.Floor((minY - distance) * sy), 0, imageHeight - 1);
            var right = Math.Clamp((int)Math.Ceiling((maxX + 1 + distance) * sx), left + 1, imageWidth);
            var bottom = Math.Clamp((int)Math.Ceiling((maxY + 1 + distance) * sy), top + 1, imageHeight);
            found.Add(new DetectedText(new OcrBox(left, top, right - left, bottom - top), score));
        }

        return found;
    }

    public void Dispose() => session.Dispose();
}
