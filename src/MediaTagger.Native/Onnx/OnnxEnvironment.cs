using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Native.Onnx;

/// <summary>
/// The process-wide OrtEnv. ONNX Runtime allows one per process; its log lines go to the ILogger given to
/// <see cref="Initialize"/>.
/// </summary>
public static unsafe partial class OnnxEnvironment
{
    private static readonly Lock Gate = new();
    private static IntPtr env;
    private static ILogger? logger;

    /// <summary>The loaded ONNX Runtime version string (for example "1.30.0").</summary>
    public static string Version => OrtApi.Version;

    /// <summary>The pinned version this binding was written against.</summary>
    public const string PinnedVersion = "1.30.0";

    public static string BuildInfo => OrtApi.BuildInfo;

    /// <summary>Execution providers compiled into the library. Compiled in is not usable: see <see cref="OnnxSessionOptions"/>.</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtApi.GetAvailableProviders();

    public static void Initialize(ILogger? log = null)
    {
        lock (Gate)
        {
            if (log is not null)
            {
                logger = log;
            }

            if (env != IntPtr.Zero)
            {
                return;
            }

            if (!string.Equals(OrtApi.Version, PinnedVersion, StringComparison.Ordinal))
            {
                throw new NativeEngineException("onnxruntime", $"version {OrtApi.Version} is loaded but {PinnedVersion} is pinned. {NativeLibraries.SetupHint}");
            }

            // Warning and above: ORT's info level is chatty (one line per node placement).
            env = OrtApi.CreateEnvWithCustomLogger(&OnLog, 2, "mediatagger");
            OrtApi.DisableTelemetryEvents(env);
        }
    }

    internal static IntPtr Handle
    {
        get
        {
            Initialize();
            return env;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static void OnLog(IntPtr param, int severity, byte* category, byte* logId, byte* codeLocation, byte* message)
    {
        var log = logger;
        if (log is null)
        {
            return;
        }

        var level = severity switch
        {
            0 => LogLevel.Trace,
            1 => LogLevel.Debug,
            2 => LogLevel.Warning,
            3 => LogLevel.Error,
            _ => LogLevel.Critical,
        };
        var text = Marshal.PtrToStringUTF8((IntPtr)message) ?? "";
        var cat = Marshal.PtrToStringUTF8((IntPtr)category) ?? "";
        LogOrt(log, level, cat, text);
    }

    [LoggerMessage(EventId = 2001, Message = "onnxruntime [{Category}] {Text}")]
    private static partial void LogOrt(ILogger logger, LogLevel level, string category, string text);
}
