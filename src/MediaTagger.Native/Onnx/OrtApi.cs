using System.Runtime.InteropServices;

namespace MediaTagger.Native.Onnx;

/// <summary>
/// The OrtApi function table of ONNX Runtime's C API, resolved once. Slot numbers are fixed by the C header
/// (onnxruntime_c_api.h): the table only grows between versions, so these indices hold for every runtime
/// that answers GetApi(<see cref="ApiVersion"/>).
/// </summary>
internal static unsafe class OrtApi
{
    /// <summary>ORT 1.30 is pinned; its C API version equals its minor version.</summary>
    public const uint ApiVersion = 30;

    // Slot indices (0-based) into struct OrtApi.
    private const int SlotGetErrorCode = 1;
    private const int SlotGetErrorMessage = 2;
    private const int SlotCreateEnvWithCustomLogger = 4;
    private const int SlotDisableTelemetryEvents = 6;
    private const int SlotCreateSession = 7;
    private const int SlotCreateSessionFromArray = 8;
    private const int SlotRun = 9;
    private const int SlotCreateSessionOptions = 10;
    private const int SlotSetSessionExecutionMode = 13;
    private const int SlotEnableCpuMemArena = 18;
    private const int SlotDisableCpuMemArena = 19;
    private const int SlotSetSessionLogSeverityLevel = 22;
    private const int SlotSetSessionGraphOptimizationLevel = 23;
    private const int SlotSetIntraOpNumThreads = 24;
    private const int SlotSetInterOpNumThreads = 25;
    private const int SlotSessionGetInputCount = 30;
    private const int SlotSessionGetOutputCount = 31;
    private const int SlotSessionGetInputTypeInfo = 33;
    private const int SlotSessionGetOutputTypeInfo = 34;
    private const int SlotSessionGetInputName = 36;
    private const int SlotSessionGetOutputName = 37;
    private const int SlotCreateRunOptions = 39;
    private const int SlotRunOptionsSetTerminate = 46;
    private const int SlotCreateTensorAsOrtValue = 48;
    private const int SlotCreateTensorWithDataAsOrtValue = 49;
    private const int SlotGetTensorMutableData = 51;
    private const int SlotCastTypeInfoToTensorInfo = 55;
    private const int SlotGetOnnxTypeFromTypeInfo = 56;
    private const int SlotGetTensorElementType = 60;
    private const int SlotGetDimensionsCount = 61;
    private const int SlotGetDimensions = 62;
    private const int SlotGetSymbolicDimensions = 63;
    private const int SlotGetTensorTypeAndShape = 65;
    private const int SlotCreateCpuMemoryInfo = 69;
    private const int SlotAllocatorFree = 76;
    private const int SlotGetAllocatorWithDefaultOptions = 78;
    private const int SlotReleaseEnv = 92;
    private const int SlotReleaseStatus = 93;
    private const int SlotReleaseMemoryInfo = 94;
    private const int SlotReleaseSession = 95;
    private const int SlotReleaseValue = 96;
    private const int SlotReleaseRunOptions = 97;
    private const int SlotReleaseTypeInfo = 98;
    private const int SlotReleaseTensorTypeAndShapeInfo = 99;
    private const int SlotReleaseSessionOptions = 100;
    private const int SlotSessionGetModelMetadata = 111;
    private const int SlotModelMetadataGetProducerName = 112;
    private const int SlotModelMetadataGetGraphName = 113;
    private const int SlotModelMetadataLookupCustomMetadataMap = 116;
    private const int SlotReleaseModelMetadata = 118;
    private const int SlotGetAvailableProviders = 125;
    private const int SlotReleaseAvailableProviders = 126;
    private const int SlotAddSessionConfigEntry = 130;
    private const int SlotSessionOptionsAppendExecutionProviderCudaV2 = 204;
    private const int SlotCreateCudaProviderOptions = 205;
    private const int SlotUpdateCudaProviderOptions = 206;
    private const int SlotReleaseCudaProviderOptions = 208;
    private const int SlotSessionOptionsAppendExecutionProvider = 216;
    private const int SlotGetBuildInfoString = 254;

    private static readonly Lazy<(IntPtr Table, string Version)> Api = new(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Version => Api.Value.Version;

    private static IntPtr* Table => (IntPtr*)Api.Value.Table;

    [DllImport(NativeLibraries.OnnxRuntime, CallingConvention = CallingConvention.Cdecl)]
    private static extern IntPtr OrtGetApiBase();

    private static (IntPtr, string) Resolve()
    {
        var apiBase = (IntPtr*)OrtGetApiBase();
        if (apiBase == null)
        {
            throw new NativeEngineException("onnxruntime", "OrtGetApiBase returned NULL");
        }

        var getApi = (delegate* unmanaged[Cdecl]<uint, IntPtr>)apiBase[0];
        var getVersion = (delegate* unmanaged[Cdecl]<IntPtr>)apiBase[1];
        var version = Marshal.PtrToStringUTF8(getVersion()) ?? "?";
        var table = getApi(ApiVersion);
        if (table == IntPtr.Zero)
        {
            throw new NativeEngineException("onnxruntime",
                $"the loaded ONNX Runtime {version} does not offer C API version {ApiVersion} (ONNX Runtime 1.30 is required). {NativeLibraries.SetupHint}");
        }

        return (table, version);
    }

    private static IntPtr Fn(int slot) => Table[slot];

    /// <summary>Turns an OrtStatus* into an exception carrying ORT's message; the status is always released.</summary>
    public static void Check(IntPtr status)
    {
        if (status == IntPtr.Zero)
        {
            return;
        }

        try
        {
            var code = ((delegate* unmanaged[Cdecl]<IntPtr, int>)Fn(SlotGetErrorCode))(status);
            var message = Marshal.PtrToStringUTF8(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)Fn(SlotGetErrorMessage))(status)) ?? "(no message)";
            throw new OnnxRuntimeException((OrtErrorCode)code, message);
        }
        finally
        {
            ((delegate* unmanaged[Cdecl]<IntPtr, void>)Fn(SlotReleaseStatus))(status);
        }
    }

    public static string BuildInfo => Marshal.PtrToStringUTF8(((delegate* unmanaged[Cdecl]<IntPtr>)Fn(SlotGetBuildInfoString))()) ?? "";

    public static IntPtr CreateEnvWithCustomLogger(delegate* unmanaged[Cdecl]<IntPtr, int, byte*, byte*, byte*, byte*, void> logger, int severity, string logId)
    {
        IntPtr env;
        var id = Marshal.StringToCoTaskMemUTF8(logId);
        try
        {
            Check(((delegate* unmanaged[Cdecl]<void*, IntPtr, int, IntPtr, IntPtr*, IntPtr>)Fn(SlotCreateEnvWithCustomLogger))(logger, IntPtr.Zero, severity, id, &env));
        }
        finally
        {
            Marshal.FreeCoTaskMem(id);
        }

        return env;
    }

    public static void DisableTelemetryEvents(IntPtr env) => Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)Fn(SlotDisableTelemetryEvents))(env));

    public static IntPtr CreateSession(IntPtr env, string modelPath, IntPtr options)
    {
        IntPtr session;
        var path = Marshal.StringToCoTaskMemUTF8(modelPath);
        try
        {
            Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr*, IntPtr>)Fn(SlotCreateSession))(env, path, options, &session));
        }
        finally
        {
            Marshal.FreeCoTaskMem(path);
        }

        return session;
    }

    public static IntPtr CreateSessionFromArray(IntPtr env, ReadOnlySpan<byte> model, IntPtr options)
    {
        IntPtr session;
        fixed (byte* p = model)
        {
            Check(((delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, IntPtr, IntPtr*, IntPtr>)Fn(SlotCreateSessionFromArray))(env, p, (nuint)model.Length, options, &session));
        }

        return session;
    }

    public static void Run(IntPtr session, IntPtr runOptions, IntPtr* inputNames, IntPtr* inputs, int inputCount, IntPtr* outputNames, int outputCount, IntPtr* outputs) =>
        Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)Fn(SlotRun))(
            session, runOptions, inputNames, inputs, (nuint)inputCount, outputNames, (nuint)outputCount, outputs));

    public static IntPtr CreateSessionOptions()
    {
        IntPtr options;
        Check(((delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)Fn(SlotCreateSessionOptions))(&options));
        return options;
    }

    public static void SetExecutionMode(IntPtr options, int mode) => Check(((delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Fn(SlotSetSessionExecutionMode))(options, mode));

    public static void SetCpuMemArena(IntPtr options, bool enabled) =>
        Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)Fn(enabled ? SlotEnableCpuMemArena : SlotDisableCpuMemArena))(options));

    public static void SetSessionLogSeverity(IntPtr options, int level) => Check(((delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Fn(SlotSetSessionLogSeverityLevel))(options, level));

    public static void SetGraphOptimizationLevel(IntPtr options, int level) => Check(((delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Fn(SlotSetSessionGraphOptimizationLevel))(options, level));

    public static void SetIntraOpThreads(IntPtr options, int threads) => Check(((delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Fn(SlotSetIntraOpNumThreads))(options, threads));

    public static void SetInterOpThreads(IntPtr options, int threads) => Check(((delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Fn(SlotSetInterOpNumThreads))(options, threads));

    public static void AddSessionConfigEntry(IntPtr options, string key, string value)
    {
        var k = Marshal.StringToCoTaskMemUTF8(key);
        var v = Marshal.StringToCoTaskMemUTF8(value);
        try
        {
            Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr>)Fn(SlotAddSessionConfigEntry))(options, k, v));
        }
        finally
        {
            Marshal.FreeCoTaskMem(k);
            Marshal.FreeCoTaskMem(v);
        }
    }

    /// <summary>CUDA through the V2 options object; fails with ORT's own message when the provider libraries are absent.</summary>
    public static void AppendCuda(IntPtr options, IReadOnlyDictionary<string, string> settings)
    {
        IntPtr created;
        Check(((delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)Fn(SlotCreateCudaProviderOptions))(&created));
        var cuda = created;
        try
        {
            WithStringPairs(settings, (keys, values, n) =>
                Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr*, nuint, IntPtr>)Fn(SlotUpdateCudaProviderOptions))(cuda, keys, values, (nuint)n)));
            Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr>)Fn(SlotSessionOptionsAppendExecutionProviderCudaV2))(options, cuda));
        }
        finally
        {
            ((delegate* unmanaged[Cdecl]<IntPtr, void>)Fn(SlotReleaseCudaProviderOptions))(cuda);
        }
    }

    /// <summary>The generic provider append (XNNPACK, WebGPU, QNN, ...).</summary>
    public static void AppendExecutionProvider(IntPtr options, string provider, IReadOnlyDictionary<string, string> settings)
    {
        var name = Marshal.StringToCoTaskMemUTF8(provider);
        try
        {
            WithStringPairs(settings, (keys, values, n) =>
                Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr>)Fn(SlotSessionOptionsAppendExecutionProvider))(options, name, keys, values, (nuint)n)));
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }
    }

    private delegate void PairsAction(IntPtr* keys, IntPtr* values, int count);

    private static void WithStringPairs(IReadOnlyDictionary<string, string> pairs, PairsAction action)
    {
        var n = pairs.Count;
        var keys = new IntPtr[Math.Max(n, 1)];
        var values = new IntPtr[Math.Max(n, 1)];
        var i = 0;
        try
        {
            foreach (var (k, v) in pairs)
            {
                keys[i] = Marshal.StringToCoTaskMemUTF8(k);
                values[i] = Marshal.StringToCoTaskMemUTF8(v);
                i++;
            }

            fixed (IntPtr* pk = keys)
            fixed (IntPtr* pv = values)
            {
                action(pk, pv, n);
            }
        }
        finally
        {
            for (var j = 0; j < i; j++)
            {
                Marshal.FreeCoTaskMem(keys[j]);
                Marshal.FreeCoTaskMem(values[j]);
            }
        }
    }

    public static int GetInputCount(IntPtr session)
    {
        nuint n;
        Check(((delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)Fn(SlotSessionGetInputCount))(session, &n));
        return (int)n;
    }

    public static int GetOutputCount(IntPtr session)
    {
        nuint n;
        Check(((delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)Fn(SlotSessionGetOutputCount))(session, &n));
        return (int)n;
    }

    public static string GetInputName(IntPtr session, int index) => GetName(SlotSessionGetInputName, session, index);

    public static string GetOutputName(IntPtr session, int index) => GetName(SlotSessionGetOutputName, session, index);

    private static string GetName(int slot, IntPtr session, int index)
    {
        var allocator = DefaultAllocator();
        IntPtr name;
        Check(((delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, IntPtr*, IntPtr>)Fn(slot))(session, (nuint)index, allocator, &name));
        return TakeAllocatedString(allocator, name) ?? "";
    }

    private static string? TakeAllocatedString(IntPtr allocator, IntPtr value)
    {
        if (value == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(value);
        }
        finally
        {
            Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr>)Fn(SlotAllocatorFree))(allocator, value));
        }
    }

    private static IntPtr DefaultAllocator()
    {
        IntPtr allocator;
        Check(((delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)Fn(SlotGetAllocatorWithDefaultOptions))(&allocator));
        return allocator;
    }

    /// <summary>Input (or output) metadata: ONNX type, element type, dims (-1 = dynamic) and symbolic dim names.</summary>
    public static OnnxTensorInfo GetTypeInfo(IntPtr session, int index, bool input, string name)
    {
        IntPtr typeInfo;
        Check(((delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr>)Fn(input ? SlotSessionGetInputTypeInfo : SlotSessionGetOutputTypeInfo))(session, (nuint)index, &typeInfo));
        try
        {
            int onnxType;
            Check(((delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)Fn(SlotGetOnnxTypeFromTypeInfo))(typeInfo, &onnxType));
            if (onnxType != 1)
            {
                return new OnnxTensorInfo(name, OnnxElementType.Undefined, [], [], IsTensor: false);
            }

            IntPtr tensorInfo; // owned by typeInfo: not released separately
            Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)Fn(SlotCastTypeInfoToTensorInfo))(typeInfo, &tensorInfo));
            var (type, dims, symbolic) = ReadShapeInfo(tensorInfo);
            return new OnnxTensorInfo(name, type, dims, symbolic, IsTensor: true);
        }
        finally
        {
            ((delegate* unmanaged[Cdecl]<IntPtr, void>)Fn(SlotReleaseTypeInfo))(typeInfo);
        }
    }

    private static (OnnxElementType, long[], string[]) ReadShapeInfo(IntPtr tensorInfo, bool symbolicNames = true)
    {
        int elementType;
        Check(((delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)Fn(SlotGetTensorElementType))(tensorInfo, &elementType));
        nuint rank;
        Check(((delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)Fn(SlotGetDimensionsCount))(tensorInfo, &rank));
        var dims = new long[(int)rank];
        var symbolic = new string[(int)rank];
        if (rank > 0)
        {
            var names = stackalloc IntPtr[(int)rank];
            fixed (long* d = dims)
            {
                Check(((delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, IntPtr>)Fn(SlotGetDimensions))(tensorInfo, d, rank));
            }

            if (symbolicNames)
            {
                Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, nuint, IntPtr>)Fn(SlotGetSymbolicDimensions))(tensorInfo, names, rank));
                for (var i = 0; i < (int)rank; i++)
                {
                    symbolic[i] = Marshal.PtrToStringUTF8(names[i]) ?? "";
                }
            }
        }

        return ((OnnxElementType)elementType, dims, symbolic);
    }

    public static (OnnxElementType Type, long[] Shape) GetValueShape(IntPtr value)
    {
        IntPtr info;
        Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)Fn(SlotGetTensorTypeAndShape))(value, &info));
        try
        {
            // Outputs of a run have concrete dims; their symbolic names are not needed on the hot path.
            var (type, dims, _) = ReadShapeInfo(info, symbolicNames: false);
            return (type, dims);
        }
        finally
        {
            ((delegate* unmanaged[Cdecl]<IntPtr, void>)Fn(SlotReleaseTensorTypeAndShapeInfo))(info);
        }
    }

    public static IntPtr CreateCpuMemoryInfo()
    {
        IntPtr info;
        // OrtArenaAllocator = 1 (ignored for user-provided buffers), OrtMemTypeDefault = 0.
        Check(((delegate* unmanaged[Cdecl]<int, int, IntPtr*, IntPtr>)Fn(SlotCreateCpuMemoryInfo))(1, 0, &info));
        return info;
    }

    public static IntPtr CreateTensorWithData(IntPtr memoryInfo, void* data, long byteLength, ReadOnlySpan<long> shape, OnnxElementType type)
    {
        IntPtr value;
        fixed (long* s = shape)
        {
            Check(((delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)Fn(SlotCreateTensorWithDataAsOrtValue))(
                memoryInfo, data, (nuint)byteLength, s, (nuint)shape.Length, (int)type, &value));
        }

        return value;
    }

    public static IntPtr CreateTensorOwned(ReadOnlySpan<long> shape, OnnxElementType type)
    {
        IntPtr value;
        fixed (long* s = shape)
        {
            Check(((delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, int, IntPtr*, IntPtr>)Fn(SlotCreateTensorAsOrtValue))(
                DefaultAllocator(), s, (nuint)shape.Length, (int)type, &value));
        }

        return value;
    }

    public static void* GetTensorData(IntPtr value)
    {
        void* data;
        Check(((delegate* unmanaged[Cdecl]<IntPtr, void**, IntPtr>)Fn(SlotGetTensorMutableData))(value, &data));
        return data;
    }

    public static IntPtr CreateRunOptions()
    {
        IntPtr options;
        Check(((delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)Fn(SlotCreateRunOptions))(&options));
        return options;
    }

    public static void SetTerminate(IntPtr runOptions) => Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)Fn(SlotRunOptionsSetTerminate))(runOptions));

    public static OnnxModelMetadata GetModelMetadata(IntPtr session, IReadOnlyList<string> customKeys)
    {
        IntPtr created;
        Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)Fn(SlotSessionGetModelMetadata))(session, &created));
        var metadata = created;
        try
        {
            var allocator = DefaultAllocator();
            string? Read(int slot)
            {
                IntPtr s;
                Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr*, IntPtr>)Fn(slot))(metadata, allocator, &s));
                return TakeAllocatedString(allocator, s);
            }

            var custom = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in customKeys)
            {
                var k = Marshal.StringToCoTaskMemUTF8(key);
                try
                {
                    IntPtr s;
                    Check(((delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr*, IntPtr>)Fn(SlotModelMetadataLookupCustomMetadataMap))(metadata, allocator, k, &s));
                    if (TakeAllocatedString(allocator, s) is { } value)
                    {
                        custom[key] = value;
                    }
                }
                finally
                {
                    Marshal.FreeCoTaskMem(k);
                }
            }

            return new OnnxModelMetadata(Read(SlotModelMetadataGetProducerName) ?? "", Read(SlotModelMetadataGetGraphName) ?? "", custom);
        }
        finally
        {
            ((delegate* unmanaged[Cdecl]<IntPtr, void>)Fn(SlotReleaseModelMetadata))(metadata);
        }
    }

    public static string[] GetAvailableProviders()
    {
        IntPtr* list;
        int count;
        Check(((delegate* unmanaged[Cdecl]<IntPtr**, int*, IntPtr>)Fn(SlotGetAvailableProviders))(&list, &count));
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = Marshal.PtrToStringUTF8(list[i]) ?? "";
            }

            return result;
        }
        finally
        {
            Check(((delegate* unmanaged[Cdecl]<IntPtr*, int, IntPtr>)Fn(SlotReleaseAvailableProviders))(list, count));
        }
    }

    public static void ReleaseEnv(IntPtr p) => Release(SlotReleaseEnv, p);

    public static void ReleaseSession(IntPtr p) => Release(SlotReleaseSession, p);

    public static void ReleaseSessionOptions(IntPtr p) => Release(SlotReleaseSessionOptions, p);

    public static void ReleaseValue(IntPtr p) => Release(SlotReleaseValue, p);

    public static void ReleaseRunOptions(IntPtr p) => Release(SlotReleaseRunOptions, p);

    public static void ReleaseMemoryInfo(IntPtr p) => Release(SlotReleaseMemoryInfo, p);

    private static void Release(int slot, IntPtr p)
    {
        if (p != IntPtr.Zero)
        {
            ((delegate* unmanaged[Cdecl]<IntPtr, void>)Fn(slot))(p);
        }
    }
}

/// <summary>OrtErrorCode from the C API.</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    ExecutionProviderFailure = 11,
}

/// <summary>An error status from ONNX Runtime, with its code and message.</summary>
public sealed class OnnxRuntimeException : NativeEngineException
{
    public OnnxRuntimeException(OrtErrorCode code, string message) : base("onnxruntime", $"[{code}] {message}") => Code = code;

    public OnnxRuntimeException() { }

    public OnnxRuntimeException(string message) : base(message) { }

    public OnnxRuntimeException(string message, Exception innerException) : base(message, innerException) { }

    public OrtErrorCode Code { get; }
}
