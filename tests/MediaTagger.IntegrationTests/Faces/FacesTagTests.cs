using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Faces;

/// <summary>`mediatagger tag` with the faces stage: real process, real model, real sidecars.</summary>
public sealed class FacesTagTests
{
    private const string FacesPipeline = """[ { "stage": "probe" }, { "stage": "faces" } ]""";

    [SkippableFact]
    public void Tag_writes_the_face_count_boxes_and_model_provenance_into_the_sidecar()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        _ = TestAssets.Model("face/version-RFB-320.onnx");
        using var box = new WorkerSandbox(FacesPipeline);
        var astronaut = Copy(TestAssets.Media("images/astronaut.png"), box.Inbox, "astronaut.png");

        var result = box.Tag(box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        var sidecar = WorkerSandbox.Sidecar(astronaut)!;
        sidecar["status"]!.GetValue<string>().Should().Be("complete");
        var faces = sidecar["stages"]!["faces"]!;
        faces["count"]!.GetValue<int>().Should().Be(1, faces.ToJsonString());
        faces["faces"]![0]!["score"]!.GetValue<double>().Should().BeGreaterThan(0.9);
        var faceBox = faces["faces"]![0]!["box"]!;
        var cx = faceBox["x"]!.GetValue<double>() + faceBox["width"]!.GetValue<double>() / 2;
        var cy = faceBox["y"]!.GetValue<double>() + faceBox["height"]!.GetValue<double>() / 2;
        cx.Should().BeInRange(150, 350);
        cy.Should().BeInRange(50, 300);
        faces["model"]!["id"]!.GetValue<string>().Should().Be("ultraface-rfb-320");
        faces["model"]!["sha256"]!.GetValue<string>().Should().Be("34cd7e60aeff28744c657de7a3dc64e872d506741de66987f3426f2b79f88017");
        faces["device"]!.GetValue<string>().Should().Be("cpu");
    }

    private static string Copy(string source, string folder, string name)
    {
        var target = Path.Combine(folder, name);
        File.Copy(source, target, overwrite: true);
        return target;
    }
}
