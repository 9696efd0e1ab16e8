using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Native.Whisper;

/// <summary>
/// Routes whisper.cpp's log (whisper_log_set; otherwise it writes to stderr) into ILogger, and lets a call collect
/// the lines logged on its own thread while it runs: whisper.cpp reports most failures only as a log line plus a NULL
/// or error code, so those lines are the native message an exception carries.
/// </summary>
internal static unsafe class WhisperNativeLog
{
    private static int installed;
    private static ILogger defaultLogger = NullLogger.Instance;

    [ThreadStatic] private static Capture? current;
    [ThreadStatic] private static StringBuilder? pendingLine;
    [ThreadStatic] private static int pendingLevel;

    /// <summary>Used for native lines logged outside any call (or on a thread ggml started).</summary>
    public static void UseDefaultLogger(ILogger logger)
    {
        if (logger is not NullLogger)
        {
            defaultLogger = logger;
        }
    }

    public static void EnsureInstalled()
    {
        if (Interlocked.Exchange(ref installed, 1) == 0)
        {
            WhisperNative.whisper_log_set(&OnLog, null);
        }
    }

    /// <summary>Starts collecting this thread's native log lines; dispose to stop.</summary>
    public static Capture Begin(ILogger logger)
    {
        EnsureInstalled();
        var capture = new Capture(logger, current);
        current = capture;
        return capture;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(int level, byte* text, void* userData)
    {
        // An exception must never cross back into native code.
        try
        {
            var piece = text is null ? string.Empty : Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;
            var line = pendingLine ??= new StringBuilder();
            if (level != WhisperNative.LogLevelCont)
            {
                if (line.Length > 0)
                {
                    Emit(pendingLevel, line.ToString());
                    line.Clear();
                }

                pendingLevel = level;
            }

            line.Append(piece);
            if (piece.EndsWith('\n'))
            {
                Emit(pendingLevel, line.ToString().TrimEnd('\n', '\r'));
                line.Clear();
            }
        }
        catch
        {
            // Logging is best effort.
        }
    }

    private static void Emit(int level, string line)
    {
        if (line.Length == 0)
        {
            return;
        }

        var capture = current;
        capture?.Add(level, line);
        var logger = capture?.Logger ?? defaultLogger;
        var logLevel = level switch
        {
            WhisperNative.LogLevelError => LogLevel.Error,
            WhisperNative.LogLevelWarn => LogLevel.Warning,
            WhisperNative.LogLevelInfo => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        WhisperLog.NativeLine(logger, logLevel, line);
    }

    /// <summary>The native lines one call produced.</summary>
    internal sealed class Capture : IDisposable
    {
        private readonly Capture? previous;
        private readonly List<(int Level, string Text)> lines = [];
        private readonly Lock gate = new();
        private bool disposed;

        public Capture(ILogger logger, Capture? previous)
        {
            Logger = logger;
            this.previous = previous;
        }

        public ILogger Logger { get; }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (gate)
                {
                    return lines.Select(l => l.Text).ToArray();
                }
            }
        }

        /// <summary>The error lines (or warnings when there is no error) logged so far, newest last.</summary>
        public IReadOnlyList<string> Problems
        {
            get
            {
                lock (gate)
                {
                    var errors = lines.Where(l => l.Level == WhisperNative.LogLevelError).Select(l => l.Text).ToArray();
                    return errors.Length > 0 ? errors : lines.Where(l => l.Level == WhisperNative.LogLevelWarn).Select(l => l.Text).ToArray();
                }
            }
        }

        /// <summary>"<paramref name="what"/>: native error lines", or just <paramref name="what"/> when native said nothing.</summary>
        public string Describe(string what)
        {
            var problems = Problems;
            return problems.Count == 0 ? what : $"{what}: {string.Join("; ", problems.TakeLast(8))}";
        }

        public void Add(int level, string text)
        {
            lock (gate)
            {
                if (lines.Count < 2000)
                {
                    lines.Add((level, text));
                }
            }
        }

        public void Dispose()
        {
            if (!disposed)
            {
                disposed = true;
                if (ReferenceEquals(current, this))
                {
                    current = previous;
                }
            }
        }
    }
}
