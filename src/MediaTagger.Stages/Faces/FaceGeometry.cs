namespace MediaTagger.Stages.Faces;

/// <summary>A face rectangle in pixels of the displayed (EXIF-rotated) image: top-left corner plus size.</summary>
public sealed record FaceBox(double X, double Y, double Width, double Height)
{
    public double Area => Width * Height;
}

/// <summary>One detected face: where it is and how sure the model is.</summary>
public sealed record DetectedFace(FaceBox Box, float Score);

/// <summary>A raw detection in the model's normalized corner form (0..1 of the input), before any scaling.</summary>
public readonly record struct NormalizedDetection(float X1, float Y1, float X2, float Y2, float Score);

/// <summary>The pure math around the detector: score filter, greedy NMS, scaling to image pixels.</summary>
public static class FaceGeometry
{
    /// <summary>Intersection over union of two corner boxes; 0 when either is empty.</summary>
    public static float IoU(in NormalizedDetection a, in NormalizedDetection b)
    {
        var iw = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        var ih = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (iw <= 0 || ih <= 0)
        {
            return 0;
        }

        var intersection = iw * ih;
        var union = Area(a) + Area(b) - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    /// <summary>
    /// Keeps detections with score &gt;= threshold, then greedy NMS: highest score first, dropping any box that
    /// overlaps a kept one by more than <paramref name="iouThreshold"/>; stops at <paramref name="maxFaces"/>.
    /// </summary>
    public static IReadOnlyList<NormalizedDetection> Suppress(IEnumerable<NormalizedDetection> detections, float scoreThreshold, float iouThreshold, int maxFaces)
    {
        // Stable sort (OrderByDescending) so equal scores keep model order and results are reproducible.
        var candidates = detections.Where(d => d.Score >= scoreThreshold && d.X2 > d.X1 && d.Y2 > d.Y1)
            .OrderByDescending(d => d.Score).ToArray();
        var kept = new List<NormalizedDetection>();
        foreach (var candidate in candidates)
        {
            if (kept.Count >= maxFaces)
            {
                break;
            }

            var overlaps = false;
            foreach (var k in kept)
            {
                if (IoU(candidate, k) > iouThreshold)
                {
                    overlaps = true;
                    break;
                }
            }

            if (!overlaps)
            {
                kept.Add(candidate);
            }
        }

        return kept;
    }

    /// <summary>
    /// Normalized corners to a pixel box of the displayed image. The model saw the image stretched to its input,
    /// so each axis scales independently; boxes are clamped because anchors may reach past the border.
    /// </summary>
    public static FaceBox ToPixels(in NormalizedDetection d, int displayWidth, int displayHeight)
    {
        var x1 = Math.Clamp((double)d.X1, 0, 1) * displayWidth;
        var y1 = Math.Clamp((double)d.Y1, 0, 1) * displayHeight;
        var x2 = Math.Clamp((double)d.X2, 0, 1) * displayWidth;
        var y2 = Math.Clamp((double)d.Y2, 0, 1) * displayHeight;
        return new FaceBox(x1, y1, Math.Max(0, x2 - x1), Math.Max(0, y2 - y1));
    }

    private static float Area(in NormalizedDetection d) => Math.Max(0, d.X2 - d.X1) * Math.Max(0, d.Y2 - d.Y1);
}
