using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Ocr;

/// <summary>One recognised line.</summary>
public sealed record OcrLine(string Text, float Confidence, OcrBox Box);

/// <summary>The lines of one image in reading order.</summary>
public sealed record OcrResult(IReadOnlyList<OcrLine> Lines)
{
    public string Text => string.Join('\n', Lines.Select(l => l.Text));
}

/// <summary>Detector, optional orientation classifier and recognizer chained over one decoded image.</summary>
public sealed class OcrReader : IDisposable
{
    /// <summary>Above this the classifier's 180-degree verdict is trusted (PaddleOCR's cls_thresh).</summary>
    public const float RotateThreshold = 0.9f;

    private readonly TextDetector detector;
    private readonly TextRecognizer recognizer;
    private readonly TextOrientation? orientation;

    public OcrReader(string detectorPath, string recognizerPath, string dictionaryPath, string? classifierPath, TextDetectorOptions? detectorOptions = null, OnnxSessionOptions? sessionOptions = null)
    {
        detector = new TextDetector(detectorPath, detectorOptions, sessionOptions);
        TextRecognizer? rec = null;
        try
        {
            rec = new TextRecognizer(recognizerPath, dictionaryPath, sessionOptions);
            orientation = classifierPath is null ? null : new TextOrientation(classifierPath, sessionOptions);
            recognizer = rec;
        }
        catch
        {
            // A later model failing to load must not leak the sessions already created.
            detector.Dispose();
            rec?.Dispose();
            throw;
        }
    }

    public string Device => recognizer.Device;

    public OcrResult Read(string path, float minConfidence, CancellationToken cancellationToken = default) =>
        Read(VipsImaging.Decode(path, background: 255), minConfidence, cancellationToken);

    public OcrResult Read(RgbImage image, float minConfidence, CancellationToken cancellationToken = default)
    {
        var lines = new List<OcrLine>();
        foreach (var region in detector.Detect(image, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var source = image;
            var box = region.Box;
            if (orientation is not null && box.Height < box.Width * 2 && orientation.UpsideDown(image, box, cancellationToken) > RotateThreshold)
            {
                // Recognise the flipped crop; the reported box stays in the image's coordinates.
                source = VipsImaging.Rotate180(VipsImaging.CropResize(image, box.X, box.Y, box.Width, box.Height, box.Width, box.Height));
                box = OcrBox.Whole(source);
            }

            var read = recognizer.Recognize(source, box, cancellationToken);
            var text = read.Text.Trim();
            if (text.Length > 0 && read.Confidence >= minConfidence)
            {
                lines.Add(new OcrLine(text, read.Confidence, region.Box));
            }
        }

        return new OcrResult(ReadingOrder(lines));
    }

    /// <summary>Top-to-bottom, and left-to-right among boxes whose vertical centres lie within half a line of each other.</summary>
    public static IReadOnlyList<OcrLine> ReadingOrder(IEnumerable<OcrLine> lines)
    {
        var sorted = lines.OrderBy(l => l.Box.Y).ThenBy(l => l.Box.X).ToList();
        var rows = new List<List<OcrLine>>();
        foreach (var line in sorted)
        {
            var row = rows.Count > 0 ? rows[^1] : null;
            var centre = line.Box.Y + (line.Box.Height / 2.0);
            if (row is not null && Math.Abs(centre - (row[0].Box.Y + (row[0].Box.Height / 2.0))) < Math.Min(row[0].Box.Height, line.Box.Height) / 2.0)
            {
                row.Add(line);
            }
            else
            {
                rows.Add([line]);
            }
        }

        return rows.SelectMany(r => r.OrderBy(l => l.Box.X)).ToArray();
    }

    public void Dispose()
    {
        detector.Dispose();
        recognizer.Dispose();
        orientation?.Dispose();
    }
}
