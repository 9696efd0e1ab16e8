using System.Runtime.InteropServices;

namespace MediaTagger.Native.Onnx;

/// <summary>An ONNX model ready to run. Thread-safe for concurrent <see cref="Run"/> calls, as ORT sessions are.</summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private readonly OrtHandle session;
    private readonly IntPtr[] inputNamePtrs;
    private readonly IntPtr[] outputNamePtrs;
    private readonly Dictionary<string, int> inputIndex;
    private readonly Dictionary<string, int> outputIndex;

    private OnnxSession(IntPtr handle, string source, OnnxProviderReport report)
    {
        session = new OrtHandle(handle, OrtApi.ReleaseSession);
        Source = source;
        ProviderReport = report;
        var inputs = new OnnxTensorInfo[OrtApi.GetInputCount(handle)];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = OrtApi.GetTypeInfo(handle, i, input: true, OrtApi.GetInputName(handle, i));
        }

        var outputs = new OnnxTensorInfo[OrtApi.GetOutputCount(handle)];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = OrtApi.GetTypeInfo(handle, i, input: false, OrtApi.GetOutputName(handle, i));
        }

        Inputs = inputs;
        Outputs = outputs;
        inputIndex = inputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        outputIndex = outputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        // Names stay allocated for the session's lifetime so Run does not marshal strings per call.
        inputNamePtrs = inputs.Select(t => Marshal.StringToCoTaskMemUTF8(t.Name)).ToArray();
        outputNamePtrs = outputs.Select(t => Marshal.StringToCoTaskMemUTF8(t.Name)).ToArray();
    }

    public string Source { get; }

    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    public OnnxProviderReport ProviderReport { get; }

    public static OnnxSession FromFile(string path, OnnxSessionOptions? options = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model not found: {path}", path);
        }

        return Create(path, options ?? new OnnxSessionOptions(), (env, opts) => OrtApi.CreateSession(env, path, opts));
    }

    public static OnnxSession FromBytes(ReadOnlySpan<byte> model, string name, OnnxSessionOptions? options = null)
    {
        var copy = model.ToArray();
        return Create(name, options ?? new OnnxSessionOptions(), (env, opts) => OrtApi.CreateSessionFromArray(env, copy, opts));
    }

    private static OnnxSession Create(string source, OnnxSessionOptions options, Func<IntPtr, IntPtr, IntPtr> create)
    {
        var env = OnnxEnvironment.Handle;
        var opts = OrtApi.CreateSessionOptions();
        try
        {
            OrtApi.SetIntraOpThreads(opts, options.IntraOpThreads);
            OrtApi.SetInterOpThreads(opts, options.InterOpThreads);
            OrtApi.SetGraphOptimizationLevel(opts, (int)options.GraphOptimization);
            OrtApi.SetCpuMemArena(opts, options.CpuMemoryArena);
            foreach (var (key, value) in options.ConfigEntries)
            {
                OrtApi.AddSessionConfigEntry(opts, key, value);
            }

            var report = AppendProviders(opts, options);
            IntPtr handle;
            try
            {
                handle = create(env, opts);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new OnnxRuntimeException(ex.Code, $"cannot load model {source}: {ex.Message}");
            }

            return new OnnxSession(handle, source, report);
        }
        finally
        {
            OrtApi.ReleaseSessionOptions(opts);
        }
    }

    private static OnnxProviderReport AppendProviders(IntPtr opts, OnnxSessionOptions options)
    {
        var active = new List<string>();
        var failures = new List<string>();
        foreach (var provider in options.ExecutionProviders)
        {
            var name = provider.ToLowerInvariant();
            if (name == "cpu")
            {
                continue;
            }

            try
            {
                if (name == "cuda")
                {
                    OrtApi.AppendCuda(opts, options.ProviderSettings);
                }
                else
                {
                    OrtApi.AppendExecutionProvider(opts, ProviderName(name), options.ProviderSettings);
                }

                active.Add(name);
            }
            catch (OnnxRuntimeException ex)
            {
                var reason = $"{name}: {ex.Message}";
                if (!options.AllowCpuFallback)
                {
                    throw new OnnxRuntimeException(ex.Code, $"execution provider '{name}' is not usable: {ex.Message}");
                }

                failures.Add(reason);
            }
        }

        active.Add("cpu");
        return new OnnxProviderReport(options.ExecutionProviders.ToArray(), active, failures);
    }

    private static string ProviderName(string name) => name switch
    {
        "xnnpack" => "XNNPACK",
        "webgpu" => "WebGPU",
        "qnn" => "QNN",
        "openvino" => "OpenVINO",
        "dml" => "DML",
        _ => name,
    };

    public OnnxTensorInfo Input(string name) => Inputs[IndexOf(inputIndex, name, "input")];

    public OnnxTensorInfo Output(string name) => Outputs[IndexOf(outputIndex, name, "output")];

    private int IndexOf(Dictionary<string, int> map, string name, string what) =>
        map.TryGetValue(name, out var i)
            ? i
            : throw new ArgumentException($"model {Source} has no {what} named '{name}' (it has: {string.Join(", ", map.Keys)})", nameof(name));

    /// <summary>
    /// Runs the model. Inputs are tensors over caller-owned (typically pooled) memory; outputs are allocated by
    /// ONNX Runtime and read in place from the returned <see cref="OnnxOutputs"/> until it is disposed.
    /// Cancellation asks ORT to terminate the run.
    /// </summary>
    public OnnxOutputs Run(IReadOnlyList<OnnxInput> inputs, IReadOnlyList<string>? outputNames = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(session.IsClosed, this);
        var names = outputNames ?? Outputs.Select(o => o.Name).ToArray();
        var inputNames = new IntPtr[inputs.Count];
        var inputValues = new IntPtr[inputs.Count];
        var outputPtrs = new IntPtr[names.Count];
        var outputValues = new IntPtr[names.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            inputNames[i] = inputNamePtrs[IndexOf(inputIndex, inputs[i].Name, "input")];
            inputValues[i] = inputs[i].Tensor.Value;
        }

        for (var i = 0; i < names.Count; i++)
        {
            outputPtrs[i] = outputNamePtrs[IndexOf(outputIndex, names[i], "output")];
        }

        cancellationToken.ThrowIfCancellationRequested();
        // Run options exist only to let a cancellation terminate the run; without a token ORT uses its defaults.
        var runOptions = cancellationToken.CanBeCanceled ? OrtApi.CreateRunOptions() : IntPtr.Zero;
        var added = false;
        try
        {
            session.DangerousAddRef(ref added);
            using var registration = runOptions == IntPtr.Zero ? default : cancellationToken.Register(() => OrtApi.SetTerminate(runOptions));
            fixed (IntPtr* pin = inputNames)
            fixed (IntPtr* piv = inputValues)
            fixed (IntPtr* pon = outputPtrs)
            fixed (IntPtr* pov = outputValues)
            {
                try
                {
                    OrtApi.Run(session.DangerousGetHandle(), runOptions, pin, piv, inputs.Count, pon, names.Count, pov);
                }
                catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("ONNX Runtime run was terminated", cancellationToken);
                }
            }

            return new OnnxOutputs(names.ToArray(), outputValues);
        }
        catch
        {
            foreach (var v in outputValues)
            {
                OrtApi.ReleaseValue(v);
            }

            throw;
        }
        finally
        {
            // Disposing the registration above waits for a running callback, so the run options outlive it.
            OrtApi.ReleaseRunOptions(runOptions);
            if (added)
            {
                session.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        session.Dispose();
        foreach (var p in inputNamePtrs.Concat(outputNamePtrs))
        {
            Marshal.FreeCoTaskMem(p);
        }
    }
}

/// <summary>One named input of a run.</summary>
public readonly record struct OnnxInput(string Name, OnnxTensor Tensor);
