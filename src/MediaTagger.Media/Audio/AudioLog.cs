using Microsoft.Extensions.Logging;

namespace MediaTagger.Media.Audio;

/// <summary>Every log event of audio decoding, with fixed EventIds 2250–2299 (2200–2249 are the whisper binding's).</summary>
internal static partial class AudioLog
{
    [LoggerMessage(EventId = 2250, Level = LogLevel.Debug, Message = "Running {Tool} {Arguments}")]
    public static partial void ToolStarted(ILogger logger, string tool, IEnumerable<string> arguments);

    [LoggerMessage(EventId = 2251, Level = LogLevel.Warning, Message = "{Tool} failed on {Path} with exit code {ExitCode}: {Stderr}")]
    public static partial void ToolFailed(ILogger logger, string tool, string path, int exitCode, string stderr);

    [LoggerMessage(EventId = 2252, Level = LogLevel.Warning, Message = "{Tool} ran past its {Timeout} limit on {Path} and was killed")]
    public static partial void ToolTimedOut(ILogger logger, string tool, string path, TimeSpan timeout);

    [LoggerMessage(EventId = 2253, Level = LogLevel.Warning, Message = "{Tool} reported errors on {Path} but finished; the audio may be damaged: {Stderr}")]
    public static partial void ToolComplained(ILogger logger, string tool, string path, string stderr);

    [LoggerMessage(EventId = 2254, Level = LogLevel.Debug, Message = "Decoded {Seconds:F2} s of audio from {Path} ({ElapsedMs} ms; -1 = streamed)")]
    public static partial void Decoded(ILogger logger, string path, double seconds, long elapsedMs);
}
