using System.Diagnostics;
using System.Text;

namespace MediaTagger.Core.ModelHosts;

/// <summary>The other end of a model host: its protocol streams, and how to kill it and learn how it ended.</summary>
public interface IModelHostProcess : IDisposable
{
    int Id { get; }

    /// <summary>Frames to the host (its stdin).</summary>
    Stream ToHost { get; }

    /// <summary>Frames from the host (its protocol stream).</summary>
    Stream FromHost { get; }

    void Kill();

    bool WaitForExit(TimeSpan timeout);

    /// <summary>How it ended ("exited with code 3", "killed by signal 9 (SIGKILL)"), or "still running".</summary>
    string ExitDescription { get; }

    /// <summary>The last lines it wrote to stderr, for error messages.</summary>
    string StderrTail { get; }
}

/// <summary>A model host that is a child process (the `model-host` verb), with stderr relayed line by line.</summary>
public sealed class ChildModelHost : IModelHostProcess
{
    private readonly Process process;
    private readonly Queue<string> tail = new();

    private ChildModelHost(Process process, Action<string> onStderrLine)
    {
        this.process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (tail)
            {
                tail.Enqueue(e.Data);
                while (tail.Count > 20)
                {
                    tail.Dequeue();
                }
            }

            onStderrLine(e.Data);
        };
        process.BeginErrorReadLine();
    }

    /// <summary>Starts the host; <paramref name="start"/> names the program and arguments (the redirections are set here).</summary>
    public static ChildModelHost Start(ProcessStartInfo start, Action<string> onStderrLine)
    {
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.StandardErrorEncoding = Encoding.UTF8;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        return new ChildModelHost(process, onStderrLine);
    }

    public int Id => process.Id;

    public Stream ToHost => process.StandardInput.BaseStream;

    public Stream FromHost => process.StandardOutput.BaseStream;

    public string StderrTail
    {
        get
        {
            lock (tail)
            {
                return string.Join(Environment.NewLine, tail);
            }
        }
    }

    public string ExitDescription
    {
        get
        {
            if (!process.HasExited)
            {
                return "still running";
            }

            var code = process.ExitCode;
            return code > 128 && OperatingSystem.IsLinux()
                ? $"killed by signal {code - 128}{SignalName(code - 128)}"
                : $"exited with code {code}";
        }
    }

    public void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public bool WaitForExit(TimeSpan timeout) => process.WaitForExit(timeout);

    public void Dispose()
    {
        Kill();
        process.WaitForExit(TimeSpan.FromSeconds(5));
        process.Dispose();
    }

    private static string SignalName(int signal) => signal switch
    {
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    };
}
