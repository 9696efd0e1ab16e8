using MediaTagger.Media.Images;
using MediaTagger.Stages.Faces;

namespace MediaTagger.Tests.Stages;

public class FaceGeometryTests
{
    private static NormalizedDetection D(float x1, float y1, float x2, float y2, float score) => new(x1, y1, x2, y2, score);

    [Fact]
    public void IoU_of_identical_disjoint_and_half_overlapping_boxes()
    {
        var a = D(0, 0, 0.5f, 0.5f, 1);
        FaceGeometry.IoU(a, a).Should().BeApproximately(1f, 1e-6f);
        FaceGeometry.IoU(a, D(0.6f, 0.6f, 1, 1, 1)).Should().Be(0);
        FaceGeometry.IoU(a, D(0.5f, 0, 1, 0.5f, 1)).Should().Be(0, "touching edges share no area");

        // Same height, shifted by half the width: intersection 1/2 of one box, union 3/2, so 1/3.
        FaceGeometry.IoU(a, D(0.25f, 0, 0.75f, 0.5f, 1)).Should().BeApproximately(1f / 3f, 1e-5f);
    }

    [Fact]
    public void Nms_keeps_the_best_of_overlapping_boxes_and_every_separate_face()
    {
        var detections = new[]
        {
            D(0.10f, 0.10f, 0.30f, 0.30f, 0.80f),
            D(0.11f, 0.10f, 0.31f, 0.30f, 0.95f), // same face, better score: wins
            D(0.60f, 0.60f, 0.80f, 0.80f, 0.75f), // a second face
            D(0.40f, 0.40f, 0.50f, 0.50f, 0.69f), // below threshold
        };

        var kept = FaceGeometry.Suppress(detections, scoreThreshold: 0.7f, iouThreshold: 0.3f, maxFaces: 200);

        kept.Select(k => k.Score).Should().Equal(0.95f, 0.75f);
    }

    [Fact]
    public void Nms_keeps_boxes_whose_overlap_is_at_or_below_the_iou_threshold()
    {
        // IoU 1/3 between these two: kept at threshold 0.4, suppressed at 0.3.
        var detections = new[] { D(0, 0, 0.5f, 0.5f, 0.9f), D(0.25f, 0, 0.75f, 0.5f, 0.8f) };

        FaceGeometry.Suppress(detections, 0.5f, 0.4f, 10).Should().HaveCount(2);
        FaceGeometry.Suppress(detections, 0.5f, 0.3f, 10).Should().ContainSingle().Which.Score.Should().Be(0.9f);
    }

    [Fact]
    public void Nms_threshold_is_inclusive_caps_at_max_faces_and_drops_empty_boxes()
    {
        var separate = Enumerable.Range(0, 10).Select(i => D(i * 0.1f, 0, i * 0.1f + 0.05f, 0.05f, 0.7f + i * 0.01f)).ToArray();

        var kept = FaceGeometry.Suppress(separate, 0.7f, 0.3f, maxFaces: 3);
        kept.Should().HaveCount(3);
        kept.Select(k => k.Score).Should().BeInDescendingOrder();
        kept[0].Score.Should().BeApproximately(0.79f, 1e-6f);

        FaceGeometry.Suppress(separate, 0.7f, 0.3f, 200).Should().HaveCount(10, "a score equal to the threshold is kept");
        FaceGeometry.Suppress([D(0.5f, 0.5f, 0.5f, 0.9f, 0.99f), D(0.6f, 0.6f, 0.5f, 0.7f, 0.99f)], 0.7f, 0.3f, 10).Should().BeEmpty();
        FaceGeometry.Suppress([], 0.7f, 0.3f, 10).Should().BeEmpty();
    }

    [Fact]
    public void Boxes_scale_each_axis_to_the_display_size()
    {
        // The model sees a stretched image, so x scales by width and y by height independently.
        var box = FaceGeometry.ToPixels(D(0.25f, 0.1f, 0.75f, 0.6f, 1), displayWidth: 800, displayHeight: 400);

        box.X.Should().BeApproximately(200, 1e-3);
        box.Y.Should().BeApproximately(40, 1e-3);
        box.Width.Should().BeApproximately(400, 1e-3);
        box.Height.Should().BeApproximately(200, 1e-3);
    }

    [Fact]
    public void Boxes_reaching_past_the_border_are_clamped_to_the_image()
    {
        var box = FaceGeometry.ToPixels(D(-0.1f, 0.9f, 0.2f, 1.2f, 1), 100, 50);

        box.X.Should().Be(0);
        box.Y.Should().BeApproximately(45, 1e-3);
        box.Width.Should().BeApproximately(20, 1e-3);
        box.Height.Should().BeApproximately(5, 1e-3);
    }

    [Fact]
    public void Centered127_normalization_maps_0_127_255_to_about_minus1_0_plus1_in_rgb_planes()
    {
        byte[] rgb = [0, 127, 255, 255, 127, 0];
        var output = new float[6];

        PixelTensor.Write(rgb, 2, 1, PixelNormalization.Centered127, output);

        // NCHW: R plane, then G, then B.
        output.Should().Equal([-127f / 128f, 1f, 0f, 0f, 1f, -127f / 128f], (a, b) => Math.Abs(a - b) < 1e-6f);
    }
}
