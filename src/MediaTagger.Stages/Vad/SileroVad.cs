using MediaTagger.Native.Onnx;

namespace MediaTagger.Stages.Vad;

/// <summary>
/// Silero VAD v5 over ONNX Runtime at 16 kHz: each call takes the next 512 samples and returns their speech
/// probability. The model is recurrent: its state ([2,1,128]) and the last 64 samples of the previous window (the
/// context, prepended to the input as the reference OnnxWrapper does) carry from one window to the next, so one
/// <see cref="SileroVad"/> follows one audio stream at a time; <see cref="Reset"/> starts the next.
/// </summary>
public sealed class SileroVad : IDisposable
{
    public const int SampleRate = 16000;
    public const int WindowSamples = 512;
    public const int ContextSamples = 64;
    private const int StateSize = 2 * 1 * 128;

    private readonly OnnxSession session;
    private readonly float[] input = new float[ContextSamples + WindowSamples];
    private readonly float[] state = new float[StateSize];
    private readonly long[] rate = [SampleRate];
    private readonly OnnxTensor inputTensor;
    private readonly OnnxTensor stateTensor;
    private readonly OnnxTensor rateTensor;
    private readonly OnnxInput[] inputs;
    private readonly string[] outputNames = ["output", "stateN"];

    public SileroVad(string modelPath, OnnxSessionOptions? options = null)
    {
        session = OnnxSession.FromFile(modelPath, options ?? new OnnxSessionOptions { IntraOpThreads = 1 });
        try
        {
            Require(modelPath, session.Inputs, "input", OnnxElementType.Float);
            Require(modelPath, session.Inputs, "state", OnnxElementType.Float);
            Require(modelPath, session.Inputs, "sr", OnnxElementType.Int64);
            Require(modelPath, session.Outputs, "output", OnnxElementType.Float);
            Require(modelPath, session.Outputs, "stateN", OnnxElementType.Float);

            // The tensors wrap these arrays for the session's lifetime; each call rewrites the arrays in place.
            inputTensor = OnnxTensor.FromMemory(input.AsMemory(), 1, input.Length);
            stateTensor = OnnxTensor.FromMemory(state.AsMemory(), 2, 1, 128);
            rateTensor = OnnxTensor.FromMemory(rate.AsMemory());
            inputs = [new OnnxInput("input", inputTensor), new OnnxInput("state", stateTensor), new OnnxInput("sr", rateTensor)];
        }
        catch
        {
            inputTensor?.Dispose();
            stateTensor?.Dispose();
            rateTensor?.Dispose();
            session.Dispose();
            throw;
        }
    }

    /// <summary>Where the model runs ("cpu", "cuda"), as ONNX Runtime reported it.</summary>
    public string Device => session.ProviderReport.Device;

    /// <summary>Forgets the state and context: the next window starts a new stream.</summary>
    public void Reset()
    {
        Array.Clear(input);
        Array.Clear(state);
    }

    /// <summary>The speech probability of the next 512 samples of the stream (fewer are padded with silence).</summary>
    public float Next(ReadOnlySpan<float> window, CancellationToken cancellationToken = default)
    {
        if (window.Length > WindowSamples)
        {
            throw new ArgumentException($"a window holds at most {WindowSamples} samples, not {window.Length}", nameof(window));
        }

        // Context: the previous input's last 64 samples (zeros at the start of a stream).
        input.AsSpan(WindowSamples, ContextSamples).CopyTo(input);
        window.CopyTo(input.AsSpan(ContextSamples));
        input.AsSpan(ContextSamples + window.Length).Clear();

        using var outputs = session.Run(inputs, outputNames, cancellationToken);
        var probability = outputs.Span<float>(0);
        var next = outputs.Span<float>(1);
        if (probability.Length != 1 || next.Length != StateSize)
        {
            throw new InvalidDataException($"{session.Source}: expected one probability and a [2,1,128] state, got {probability.Length} and {next.Length} values");
        }

        next.CopyTo(state);
        return probability[0];
    }

    public void Dispose()
    {
        inputTensor.Dispose();
        stateTensor.Dispose();
        rateTensor.Dispose();
        session.Dispose();
    }

    private static void Require(string modelPath, IReadOnlyList<OnnxTensorInfo> tensors, string name, OnnxElementType type)
    {
        if (!tensors.Any(t => t.Name == name && t.ElementType == type))
        {
            throw new InvalidDataException(
                $"{modelPath}: not a Silero VAD v5 model (no {type} tensor '{name}'; it has {string.Join(", ", tensors.Select(t => t.ToString()))})");
        }
    }
}
