using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Ocr;

/// <summary>
/// PaddleOCR's text-line orientation classifier (0 or 180 degrees): the crop at height 48, at most 192 wide, padded.
/// </summary>
public sealed class TextOrientation : IDisposable
{
    public const int InputHeight = 48;
    public const int InputWidth = 192;
    private readonly OnnxSession session;
    private readonly string inputName;
    private readonly string outputName;

    public TextOrientation(string modelPath, OnnxSessionOptions? options = null)
    {
        session = OnnxSession.FromFile(modelPath, options);
        inputName = session.Inputs[0].Name;
        outputName = session.Outputs[0].Name;
    }

    /// <summary>Probability that the line is upside down.</summary>
    public float UpsideDown(RgbImage image, OcrBox box, CancellationToken cancellationToken = default)
    {
        var line = OcrTensors.LineCrop(image, box, InputHeight, InputWidth);
        var data = OcrTensors.LeftAligned(line, InputWidth, OcrTensors.Symmetric);
        using var tensor = OnnxTensor.FromMemory(data.AsMemory(), 1, 3, InputHeight, InputWidth);
        using var outputs = session.Run([new OnnxInput(inputName, tensor)], [outputName], cancellationToken);
        var scores = outputs.Span<float>(0);
        // The exported model ends in softmax: [p(0 degrees), p(180 degrees)].
        return scores.Length >= 2 ? scores[1] / Math.Max(1e-6f, scores[0] + scores[1]) : 0f;
    }

    public void Dispose() => session.Dispose();
}
