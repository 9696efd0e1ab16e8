using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace MediaTagger.Media.Audio;

/// <summary>
/// One run of ffmpeg or ffprobe: arguments passed as a list (never through a shell), stdout handed to the caller,
/// stderr drained concurrently (so a chatty tool can never block on a full pipe) and kept up to a cap.
/// Disposing kills the whole process tree if it is still running.
/// </summary>
internal sealed class ToolProcess : IDisposable
{
    private const int StderrCap = 16 * 1024;

    private readonly Process process;
    private readonly Task<string> stderr;
    private int killed;

    private ToolProcess(Process process, int stderrCap)
    {
        this.process = process;
        stderr = ReadCappedAsync(process.StandardError, stderrCap);
    }

    public string Tool { get; private init; } = "";

    public Stream Stdout => process.StandardOutput.BaseStream;

    /// <summary>True once <see cref="Kill"/> ran (timeout, cancellation, or the reader stopped early).</summary>
    public bool WasKilled => Volatile.Read(ref killed) != 0;

    /// <param name="stderrCap">Characters of stderr kept; raise it for a tool whose stderr is the result (showinfo).</param>
    public static ToolProcess Start(string tool, IEnumerable<string> arguments, int stderrCap = StderrCap)
    {
        var info = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new MediaDecodeException($"{tool} did not start");
        }
        catch (Win32Exception ex)
        {
            throw new MediaDecodeException(
                $"{tool} could not be started ({ex.Message}); install ffmpeg (apt-get install --no-install-recommends ffmpeg) or configure its path",
                mediaPath: null, exitCode: null, toolOutput: null, ex);
        }

        process.StandardInput.Close(); // -nostdin as well: the tool must never wait for input
        return new ToolProcess(process, stderrCap) { Tool = tool };
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => process.WaitForExitAsync(cancellationToken);

    public int ExitCode => process.ExitCode;

    /// <summary>The captured stderr; completes once the tool has closed it (exit or kill).</summary>
    public Task<string> StderrAsync() => stderr;

    public void Kill()
    {
        Interlocked.Exchange(ref killed, 1);
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (Win32Exception)
        {
            // Exiting while we tried.
        }
    }

    public void Dispose()
    {
        Kill();
        try
        {
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    private static async Task<string> ReadCappedAsync(StreamReader reader, int cap)
    {
        var kept = new StringBuilder();
        var dropped = 0L;
        var buffer = new char[4096];
        try
        {
            int n;
            while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                var room = Math.Max(0, cap - kept.Length);
                kept.Append(buffer, 0, Math.Min(room, n));
                dropped += Math.Max(0, n - room);
            }
        }
        catch (IOException)
        {
            // The pipe broke because the process was killed; keep what we have.
        }
        catch (ObjectDisposedException)
        {
        }

        if (dropped > 0)
        {
            kept.Append($"\n[... {dropped} more characters]");
        }

        return kept.ToString().Trim();
    }
}
