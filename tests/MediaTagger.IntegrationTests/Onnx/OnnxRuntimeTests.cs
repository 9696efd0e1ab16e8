using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native.Onnx;
using MediaTagger.Stages.ImageNet;

namespace MediaTagger.IntegrationTests.Onnx;

public sealed class OnnxRuntimeTests
{
    private static string MobileNet => TestAssets.Model("imagenet/mobilenetv2-12-int8.onnx");

    private static string Labels => TestAssets.Model("imagenet/imagenet-simple-labels.json");

    [SkippableFact]
    public void The_pinned_runtime_is_loaded_and_lists_cpu()
    {
        TestAssets.RequireNative("onnxruntime");
        OnnxEnvironment.Initialize();
        OnnxEnvironment.Version.Should().Be("1.30.0");
        OnnxEnvironment.AvailableProviders.Should().Contain("CPUExecutionProvider");
        OnnxEnvironment.BuildInfo.Should().StartWith("ORT Build Info");
    }

    [SkippableFact]
    public void Session_reports_the_models_inputs_and_outputs()
    {
        TestAssets.RequireNative("onnxruntime");
        using var session = OnnxSession.FromFile(MobileNet);
        session.Inputs.Should().ContainSingle();
        session.Inputs[0].ElementType.Should().Be(OnnxElementType.Float);
        session.Inputs[0].Shape.Skip(1).Should().Equal(3, 224, 224);
        session.Outputs[0].Shape.Last().Should().Be(1000);
        session.ProviderReport.Device.Should().Be("cpu");
    }

    [SkippableFact]
    public void MobileNet_sees_a_cat_in_chelsea()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var image = TestAssets.Media("images/chelsea.png");
        using var classifier = new ImageNetClassifier(MobileNet, Labels);

        var result = classifier.Classify([image], topK: 3).Single();

        result.Error.Should().BeNull();
        result.Labels.Select(l => l.Label).Should().Contain(l => l.Contains("cat", StringComparison.OrdinalIgnoreCase) || l == "Egyptian Mau",
            "chelsea.png is a tabby cat; got {0}", string.Join(", ", result.Labels));
        result.Labels[0].Score.Should().BeGreaterThan(0.2f);
        classifier.Device.Should().Be("cpu");
    }

    [SkippableFact]
    public void A_batch_gives_the_same_answer_as_single_images_and_a_bad_file_fails_alone()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        var bogus = Path.Combine(Path.GetTempPath(), $"mt-not-an-image-{Guid.NewGuid():N}.png");
        File.WriteAllText(bogus, "this is text, not a PNG");
        try
        {
            using var classifier = new ImageNetClassifier(MobileNet, Labels);
            var paths = new[] { TestAssets.Media("images/chelsea.png"), bogus, TestAssets.Media("images/astronaut.png") };

            var batch = classifier.Classify(paths, topK: 1);
            var single = classifier.Classify([paths[2]], topK: 1).Single();

            batch[1].Error.Should().NotBeNullOrEmpty();
            batch[0].Error.Should().BeNull();
            batch[2].Labels[0].Label.Should().Be(single.Labels[0].Label);
            batch[2].Labels[0].Score.Should().BeApproximately(single.Labels[0].Score, 1e-3f);
        }
        finally
        {
            File.Delete(bogus);
        }
    }

    [SkippableFact]
    public void Requesting_cuda_fails_with_ort_own_reason_unless_fallback_is_allowed()
    {
        TestAssets.RequireNative("onnxruntime");
        var strict = () => OnnxSession.FromFile(MobileNet, new OnnxSessionOptions { ExecutionProviders = ["cuda"] });
        strict.Should().Throw<OnnxRuntimeException>().WithMessage("*cuda*");

        using var lenient = OnnxSession.FromFile(MobileNet, new OnnxSessionOptions { ExecutionProviders = ["cuda"], AllowCpuFallback = true });
        lenient.ProviderReport.Device.Should().Be("cpu");
        lenient.ProviderReport.Failures.Should().ContainSingle().Which.Should().StartWith("cuda:");
    }

    [SkippableFact]
    public void A_corrupt_model_is_a_clear_error_not_a_crash()
    {
        TestAssets.RequireNative("onnxruntime");
        var path = Path.Combine(Path.GetTempPath(), $"mt-corrupt-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, File.ReadAllBytes(MobileNet).AsSpan(0, 4096).ToArray());
        try
        {
            var act = () => OnnxSession.FromFile(path);
            act.Should().Throw<OnnxRuntimeException>().WithMessage($"*{Path.GetFileName(path)}*");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SkippableFact]
    public void Wrong_input_shape_is_reported_with_the_runtimes_message()
    {
        TestAssets.RequireNative("onnxruntime");
        using var session = OnnxSession.FromFile(MobileNet);
        var data = new float[3 * 10 * 10];
        using var tensor = OnnxTensor.FromMemory(data.AsMemory(), 1, 3, 10, 10);
        var act = () => session.Run([new OnnxInput(session.Inputs[0].Name, tensor)]);
        act.Should().Throw<OnnxRuntimeException>().Which.Message.Should().NotBeNullOrWhiteSpace();
    }
}
