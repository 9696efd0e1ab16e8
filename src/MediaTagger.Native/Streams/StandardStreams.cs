using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MediaTagger.Native.Streams;

/// <summary>
/// Gives a model host a protocol stream no native library can write into: the real stdout is duplicated to a new
/// descriptor for the frames, and descriptor 1 is pointed at stderr, so a stray printf in an engine lands in the log
/// instead of corrupting a frame.
/// </summary>
public static partial class StandardStreams
{
    private const int StdoutFd = 1;
    private const int StderrFd = 2;

    /// <summary>The original stdout, for this process's exclusive use; stdout itself now goes to stderr.</summary>
    public static Stream DetachStandardOutput()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return Console.OpenStandardOutput();
        }

        Console.Out.Flush();
        var protocol = Dup(StdoutFd);
        if (protocol < 0)
        {
            throw new IOException($"dup(1) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        if (Dup2(StderrFd, StdoutFd) < 0)
        {
            throw new IOException($"dup2(2, 1) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return new FileStream(new SafeFileHandle(protocol, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }

    [LibraryImport("libc.so.6", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int fd, int fd2);
}
