namespace MediaTagger.Media;

/// <summary>
/// A media tool (ffmpeg, ffprobe) could not read a file, failed, or ran past its timeout. <see cref="Exception.Message"/>
/// carries the tool's own error output.
/// </summary>
public sealed class MediaDecodeException : Exception
{
    public MediaDecodeException() { }

    public MediaDecodeException(string message) : base(message) { }

    public MediaDecodeException(string message, Exception innerException) : base(message, innerException) { }

    public MediaDecodeException(string message, string? mediaPath, int? exitCode, string? toolOutput, Exception? innerException = null)
        : base(message, innerException)
    {
        MediaPath = mediaPath;
        ExitCode = exitCode;
        ToolOutput = toolOutput;
    }

    /// <summary>The file that was being read.</summary>
    public string? MediaPath { get; }

    /// <summary>The tool's exit code; null when it did not exit by itself (killed, or never started).</summary>
    public int? ExitCode { get; }

    /// <summary>What the tool wrote to stderr (capped).</summary>
    public string? ToolOutput { get; }
}
