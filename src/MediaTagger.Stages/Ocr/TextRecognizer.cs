using MediaTagger.Native.Onnx;
using MediaTagger.Native.Vips;

namespace MediaTagger.Stages.Ocr;

/// <summary>
/// PaddleOCR's CTC text-line recognizer: a line crop resized to height 48 keeping its aspect ratio, padded on the
/// right to a multiple of 32, decoded greedily against the dictionary.
/// </summary>
public sealed class TextRecognizer : IDisposable
{
    public const int InputHeight = 48;

    /// <summary>Widest line fed at once; 40:1 covers long single lines, wider ones are squeezed.</summary>
    public const int MaxWidth = InputHeight * 40;

    private const int MinPaddedWidth = 320;
    private readonly OnnxSession session;
    private readonly string inputName;
    private readonly string outputName;

    public TextRecognizer(string modelPath, string dictionaryPath, OnnxSessionOptions? options = null)
    {
        Dictionary = CtcCharset.Load(dictionaryPath);
        session = OnnxSession.FromFile(modelPath, options);
        inputName = session.Inputs[0].Name;
        outputName = session.Outputs[0].Name;
        var classes = session.Outputs[0].Shape[^1];
        if (classes > 0 && classes != Dictionary.ClassCount)
        {
            throw new InvalidDataException($"{modelPath} outputs {classes} classes but {dictionaryPath} gives {Dictionary.ClassCount}");
        }
    }

    public CtcCharset Dictionary { get; }

    public string Device => session.ProviderReport.Device;

    /// <summary>Reads the text in <paramref name="box"/> of <paramref name="image"/> (one line).</summary>
    public CtcResult Recognize(RgbImage image, OcrBox box, CancellationToken cancellationToken = default) =>
        Recognize(OcrTensors.LineCrop(image, box, InputHeight, MaxWidth), cancellationToken);

    /// <summary>Reads a line already resized to height 48.</summary>
    public CtcResult Recognize(RgbImage line, CancellationToken cancellationToken = default)
    {
        if (line.Height != InputHeight)
        {
            line = OcrTensors.LineCrop(line, OcrBox.Whole(line), InputHeight, MaxWidth);
        }

        // Padding to a multiple of 32 (and at least the trained 320) keeps the time axis aligned with the model's strides.
        var padded = Math.Max(MinPaddedWidth, (line.Width + 31) / 32 * 32);
        var tensorData = OcrTensors.LeftAligned(line, padded, OcrTensors.Symmetric);
        using var tensor = OnnxTensor.FromMemory(tensorData.AsMemory(), 1, 3, InputHeight, padded);
        using var outputs = session.Run([new OnnxInput(inputName, tensor)], [outputName], cancellationToken);
        var shape = outputs.Shape(0);
        var steps = (int)shape[1];
        var classes = (int)shape[2];
        return CtcDecoder.Decode(outputs.Span<float>(0), steps, classes, Dictionary);
    }

    public void Dispose() => session.Dispose();
}
